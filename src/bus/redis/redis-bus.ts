// The cluster EventBus: wake-up hints between nodes over Redis pub/sub. See docs/cluster.md.
//
// Every node subscribes once to one channel and every publish goes to every node: no
// per-application SUBSCRIBE (a parked P-GET would miss what was published before Redis confirmed
// it) and nothing to clean up. The publishing node wakes its own listeners at once, without the
// round trip. Hints only: the store holds the events, so a hint lost while Redis restarts only
// delays them — after a reconnect, and every `recheckMs` anyway, a sweep wakes the local
// listeners whose queue holds undelivered events.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ApplicationId } from '../../domain/ids.ts'
import type { EventBus } from '../../domain/ports.ts'
import { LocalBus } from '../local/local-bus.ts'
import { type PendingFilter, Sweeper } from './sweeper.ts'

export interface RedisBusSettings {
  /** redis://[:password@]host:6379[/db]; never logged. */
  readonly url: string
  /** Pub/sub channel; clusters sharing one Redis use different ones. */
  readonly channel: string
  /** Each parked P-GET's queue is looked at at least this often, whatever the bus delivered. */
  readonly recheckMs: number
  /** Which applications have undelivered events; only those are woken by the sweep. */
  readonly pending: PendingFilter
}

export const DEFAULT_REDIS_CHANNEL = 'parley:wake'
export const DEFAULT_RECHECK_MS = 10_000

/** Observable connection state (docs/operations.md: /health/ready). */
export type BusStatus =
  | { readonly type: 'connecting' }
  | { readonly type: 'connected' }
  | { readonly type: 'reconnecting'; readonly attempt: number }
  | { readonly type: 'closed' }

// Backoff between reconnection attempts: 100 ms doubling to 5 s, with jitter so that the nodes of
// a cluster do not all knock at once when Redis comes back.
const MAX_BACKOFF_MS = 5_000
export function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt - 1, 10))
  return Math.round(base / 2 + Math.random() * (base / 2))
}

export class RedisBus implements EventBus {
  readonly #local = new LocalBus()
  readonly #settings: RedisBusSettings
  readonly #logger: Logger | undefined
  // Tells this node's own messages apart when they come back from Redis.
  readonly #node = randomBytes(6).toString('hex')
  readonly #pub: Redis
  readonly #sub: Redis
  readonly #sweeper: Sweeper
  readonly #staleListeners = new Set<(keys: readonly string[]) => void>()
  #status: BusStatus = { type: 'connecting' }
  #wasDown = false

  constructor(settings: RedisBusSettings, logger?: Logger) {
    this.#settings = settings
    this.#logger = logger
    const options = {
      lazyConnect: true,
      // A publish while Redis is away fails at once (the hint is dropped) instead of queueing.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt: number) => {
        this.#status = { type: 'reconnecting', attempt }
        return backoffMs(attempt)
      },
    }
    this.#pub = new Redis(settings.url, options)
    // The subscriber subscribes on every 'ready' (see #onReady), so ioredis need not.
    this.#sub = new Redis(settings.url, { ...options, autoResubscribe: false })
    for (const client of [this.#pub, this.#sub]) {
      // ioredis emits 'error' on every failed attempt; without a listener it would throw.
      client.on('error', (error: Error & { code?: string }) => {
        this.#wasDown = true
        this.#logger?.debug({ code: error.code }, 'redis bus error')
      })
    }
    this.#sub.on('ready', () => this.#onReady())
    this.#sub.on('close', () => {
      if (this.#status.type === 'connected') {
        this.#logger?.warn('redis bus disconnected; wake-ups between nodes wait for it')
        this.#wasDown = true
      }
    })
    this.#sub.on('message', (channel: string, message: string) => this.#receive(channel, message))
    this.#sweeper = new Sweeper(
      () => this.#local.subscribed,
      settings.recheckMs,
      settings.pending,
      (apps) => this.#local.publish(apps),
    )
  }

  /** Connects and subscribes; resolves even when Redis is down (the bus keeps retrying). */
  async start(): Promise<void> {
    this.#sweeper.start()
    await Promise.allSettled([this.#pub.connect(), this.#sub.connect()])
  }

  get status(): BusStatus {
    return this.#status
  }

  /** True while both connections are up. */
  get healthy(): boolean {
    return this.#pub.status === 'ready' && this.#sub.status === 'ready'
  }

  publish(apps: readonly ApplicationId[]): void {
    if (apps.length === 0) return
    this.#local.publish(apps)
    if (this.#pub.status !== 'ready') return
    this.#pub.publish(this.#settings.channel, `${this.#node} ${apps.join(' ')}`).catch(() => {
      // Dropped hint: the recipients' P-GETs find the events at their next sweep.
    })
  }

  subscribe(app: ApplicationId, listener: () => void): () => void {
    return this.#local.subscribe(app, listener)
  }

  /** Sees this node's publishes and, as they arrive, every other node's and the sweep's. */
  watch(listener: (apps: readonly ApplicationId[]) => void): () => void {
    return this.#local.watch(listener)
  }

  /**
   * Tells the other nodes that what they cached under these keys changed (`app:<id>`,
   * `user:<id>`): per-node caches then serve a client whose requests alternate nodes correctly.
   * Best effort like the wake-ups; the caches' own few-second lifetime bounds a lost one.
   */
  invalidate(keys: readonly string[]): void {
    if (keys.length === 0 || this.#pub.status !== 'ready') return
    this.#pub.publish(this.#staleChannel, `${this.#node} ${keys.join(' ')}`).catch(() => undefined)
  }

  /** Calls `listener` with the keys other nodes invalidate. */
  onInvalidate(listener: (keys: readonly string[]) => void): void {
    this.#staleListeners.add(listener)
  }

  get #staleChannel(): string {
    return `${this.#settings.channel}:stale`
  }

  async stop(): Promise<void> {
    this.#status = { type: 'closed' }
    this.#sweeper.stop()
    this.#pub.disconnect()
    this.#sub.disconnect()
  }

  #receive(channel: string, message: string): void {
    const [from, ...items] = message.split(' ')
    if (from === this.#node || items.length === 0) return
    if (channel === this.#staleChannel) for (const listener of this.#staleListeners) listener(items)
    else this.#local.publish(items as ApplicationId[])
  }

  #onReady(): void {
    this.#status = { type: 'connected' }
    const wasDown = this.#wasDown
    this.#wasDown = false
    this.#sub.subscribe(this.#settings.channel, this.#staleChannel).then(
      () => {
        if (!wasDown) return
        this.#logger?.info('redis bus reconnected')
        // Hints published while we were away are lost: every parked P-GET here with something
        // queued is woken now (after subscribing, so nothing falls between look and subscription).
        void this.#sweeper.sweep(this.#local.subscribed)
      },
      (error: Error & { code?: string }) =>
        this.#logger?.warn({ code: error.code }, 'redis bus subscribe failed'),
    )
  }
}
