// The event channel (UCWA's pending GET): per-application queues in the store, numbered batches,
// exactly-once delivery across lost responses and restarts. See docs/events.md.
//
// A client asks `events?ack=N`. With K the last batch formed for its application:
//  - N = K+1: batch K+1 is formed from the queued events — at once if there are any, else when one
//    arrives or the timeout passes (then empty); batch K, acknowledged, is deleted later in bulk;
//  - N = K (K ≥ 1): the client lost the response; batch K is returned again, unchanged;
//  - anything else: `resync` to the oldest unacknowledged batch.
// A newer P-GET for the same application ends a parked one with PGetReplaced.
import { UcwaError } from '../errors.ts'
import type { ApplicationId } from '../ids.ts'
import type { Clock, EventBus, Store } from '../ports.ts'
import { coalesce, type QueuedEvent } from './channel-event.ts'
import type { Outbox } from './outbox.ts'

export interface PollRequest {
  /** The `ack` the client sent. */
  readonly ack: number
  /** How long to hold the request when nothing is queued. */
  readonly timeoutMs: number
  /** UCWA's `priority`: which of two crossing P-GETs wins (higher wins; a tie goes to the newer). */
  readonly priority: number
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal
}

export type PollResult =
  | { readonly kind: 'batch'; readonly ack: number; readonly events: readonly QueuedEvent[] }
  | { readonly kind: 'resync'; readonly ack: number; readonly resync: number }
  | { readonly kind: 'replaced' }
  | { readonly kind: 'aborted' }
  /** The server is stopping: answer empty and let the client ask for the same batch again. */
  | { readonly kind: 'closing'; readonly ack: number }

export interface ChannelSettings {
  /** Most events one response carries; the rest follow in the next batch. */
  readonly maxBatchEvents: number
}

const READING = -1

export const DEFAULT_CHANNEL: ChannelSettings = { maxBatchEvents: 200 }

// How long the channel trusts its memory that an application's queue is empty (see #idle).
const IDLE_MEMORY_MS = 10 * 60_000

interface Parked {
  readonly priority: number
  readonly ack: number
  end(result: PollResult): void
}

export class EventChannel {
  readonly #store: Store
  readonly #bus: EventBus
  readonly #clock: Clock
  readonly #settings: ChannelSettings
  readonly #parked = new Map<ApplicationId, Parked>()
  readonly #locks = new Map<ApplicationId, Promise<unknown>>()
  // Applications whose queue this node saw empty right after forming their batch K, with no
  // publish since: their client's next P-GET (ack K+1) parks without reading the store. Every
  // publish (this node's or, through the bus, another's) forgets the application; `READING`
  // marks a look in progress, so a publish during it is not missed.
  readonly #idle = new Map<ApplicationId, { batch: number; at: number }>()

  constructor(deps: { store: Store; bus: EventBus; clock: Clock; settings?: ChannelSettings }) {
    this.#store = deps.store
    this.#bus = deps.bus
    this.#clock = deps.clock
    this.#settings = deps.settings ?? DEFAULT_CHANNEL
    this.#bus.watch((apps) => {
      for (const app of apps) this.#idle.delete(app)
    })
  }

  /** Writes an action's events inside its transaction (one insert for every recipient). */
  async write(tx: Pick<Store, 'events'>, outbox: Outbox): Promise<void> {
    if (outbox.size > 0) await tx.events.append([...outbox.entries()], this.#clock.now())
  }

  /** Wakes the recipients of an action's events; call once its transaction committed. */
  publish(outbox: Outbox): void {
    if (outbox.size > 0) this.#bus.publish(outbox.applications)
  }

  /** Ends a parked P-GET of an application that no longer exists (its next poll gets 404). */
  close(app: ApplicationId): void {
    this.#bus.publish([app])
  }

  /**
   * Housekeeping: deletes acknowledged batches from the store, and forgets idle applications not
   * seen for a while (an expired one would otherwise stay in memory).
   */
  async sweep(): Promise<number> {
    const before = this.#clock.now() - IDLE_MEMORY_MS
    for (const [app, idle] of this.#idle) if (idle.at < before) this.#idle.delete(app)
    return this.#store.events.deleteAcknowledged()
  }

  /** Number of P-GETs parked on this node. */
  get parkedCount(): number {
    return this.#parked.size
  }

  /** Releases every parked P-GET (server shutdown); their clients ask again with the same ack. */
  shutdown(): void {
    for (const parked of [...this.#parked.values()]) parked.end({ kind: 'closing', ack: parked.ack })
  }

  async poll(app: ApplicationId, request: PollRequest): Promise<PollResult> {
    const previous = this.#parked.get(app)
    if (previous && previous.priority > request.priority) return { kind: 'replaced' }
    previous?.end({ kind: 'replaced' })

    return this.#wait(app, request)
  }

  #wait(app: ApplicationId, request: PollRequest): Promise<PollResult> {
    const batch = request.ack
    return new Promise<PollResult>((resolve, reject) => {
      let settled = false
      let checking = false
      let again = false
      const finish = (result: PollResult | Error) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        unsubscribe()
        request.signal.removeEventListener('abort', onAbort)
        if (this.#parked.get(app) === parked) this.#parked.delete(app)
        if (result instanceof Error) reject(result)
        else resolve(result)
      }
      const parked: Parked = { priority: request.priority, ack: batch, end: (result) => finish(result) }
      this.#parked.set(app, parked)
      const onAbort = () => finish({ kind: 'aborted' })
      request.signal.addEventListener('abort', onAbort)
      // Look at the queue: answer a repeat or a resync at once, form the batch when something is
      // queued (or, on timeout, even when nothing is), else keep waiting.
      const check = async (force: boolean) => {
        if (settled) return
        if (checking) {
          again = true
          return
        }
        checking = true
        try {
          const formed = await this.#locked(app, () => this.#form(app, batch, force))
          if (formed) finish(formed)
        } catch (error) {
          finish(error as Error)
        } finally {
          checking = false
        }
        if (again && !settled) {
          again = false
          void check(false)
        }
      }
      // Subscribe before the first look, so an event committed in between still wakes us.
      const unsubscribe = this.#bus.subscribe(app, () => void check(false))
      const timer = setTimeout(() => void check(true), request.timeoutMs)
      void check(false)
    })
  }

  // One look at the queue for a P-GET asking for batch `batch` (its ack), with K the last batch
  // formed: batch = K (K ≥ 1) repeats K; batch = K+1 forms it from the queued events (undefined
  // when there are none and not `force`); anything else is a resync.
  async #form(app: ApplicationId, batch: number, force: boolean): Promise<PollResult | undefined> {
    if (!force && this.#idle.get(app)?.batch === batch - 1) return undefined
    const look = { batch: READING, at: this.#clock.now() }
    this.#idle.set(app, look)
    const queue = await this.#store.events.queue(app, this.#settings.maxBatchEvents)
    if (queue === undefined) {
      this.#idle.delete(app)
      throw new UcwaError('ApplicationNotFound')
    }
    if (batch === queue.current && batch >= 1) {
      return { kind: 'batch', ack: batch, events: await this.#store.events.batch(app, batch) }
    }
    if (batch !== queue.current + 1) {
      return { kind: 'resync', ack: batch, resync: Math.max(queue.current, 1) }
    }
    const { pending } = queue
    // Everything queued is in this look: unless a publish intervenes, nothing follows batch K.
    const whole = pending.length < this.#settings.maxBatchEvents
    if (pending.length === 0 && !force) {
      if (this.#idle.get(app) === look) look.batch = queue.current
      return undefined
    }
    const { keep, dropped } = coalesce(pending)
    await this.#store.transaction((tx) =>
      tx.events.formBatch(
        app,
        batch,
        keep.map((q) => q.seq),
        dropped,
      ),
    )
    if (this.#idle.get(app) === look && whole) look.batch = batch
    else if (this.#idle.get(app) === look) this.#idle.delete(app)
    return { kind: 'batch', ack: batch, events: keep }
  }

  // One operation at a time per application: acknowledging and forming must not interleave.
  #locked<T>(app: ApplicationId, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(app) ?? Promise.resolve()
    const run = previous.then(work, work)
    const tail = run.catch(() => undefined)
    this.#locks.set(app, tail)
    void tail.then(() => {
      if (this.#locks.get(app) === tail) this.#locks.delete(app)
    })
    return run
  }
}

/** Runs an action's transaction with its events, then wakes their recipients. */
export async function commitWithEvents<T>(
  store: Store,
  channel: EventChannel,
  outbox: Outbox,
  work: (tx: Omit<Store, 'transaction' | 'close'>) => Promise<T>,
): Promise<T> {
  const result = await store.transaction(async (tx) => {
    const value = await work(tx)
    await channel.write(tx, outbox)
    return value
  })
  channel.publish(outbox)
  return result
}
