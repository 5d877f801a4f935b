// The event channel (UCWA's pending GET): per-application queues in the store, numbered batches,
// exactly-once delivery across lost responses and restarts. See docs/events.md.
//
// A client asks `events?ack=N`. With K the last batch formed for its application:
//  - N = K+1: batch K+1 is formed from the queued events — at once if there are any, else when one
//    arrives or the timeout passes (then empty); batch K, acknowledged, is deleted as it is formed;
//  - N = K (K ≥ 1): the client lost the response; batch K is returned again, unchanged;
//  - anything else: `resync` to the oldest unacknowledged batch.
// A newer P-GET for the same application ends a parked one with PGetReplaced.
//
// The usual case — a P-GET parked with nothing queued, then one action's events for it — takes
// no second transaction: the action's own transaction writes them as the batch the P-GET waits
// for, and the commit answers it (`write`, `publish`; see docs/events.md, "Formed at once").
import { UcwaError } from '../errors.ts'
import type { ApplicationId } from '../ids.ts'
import type { Clock, EventBus, Store } from '../ports.ts'
import { type ChannelEvent, coalesce, type QueuedEvent } from './channel-event.ts'
import type { Outbox } from './outbox.ts'
import { type Known, QueueMirror } from './queue-mirror.ts'

export interface PollRequest {
  /** The `ack` the client sent. */
  readonly ack: number
  /** How long to hold the request when nothing is queued. */
  readonly timeoutMs: number
  /** UCWA's `priority`: which of two crossing P-GETs wins (higher wins; a tie goes to the newer). */
  readonly priority: number
  /**
   * Calls `abandon` if the client goes away while the poll is held, until the returned function
   * is called. (A listener, not an AbortSignal: a P-GET per message makes its weight count.)
   */
  readonly whenAbandoned: (abandon: () => void) => () => void
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

export const DEFAULT_CHANNEL: ChannelSettings = { maxBatchEvents: 200 }

// How long the channel keeps what it knows of an unused application's queue (queue-mirror.ts).
const IDLE_MEMORY_MS = 10 * 60_000

interface Parked {
  readonly priority: number
  readonly ack: number
  end(result: PollResult): void
  /** True while it waits for events with no look at the queue running. */
  waiting(): boolean
}

/** A batch an action's transaction forms at once for a parked P-GET (see `write`). */
interface Formed {
  readonly app: ApplicationId
  readonly parked: Parked
  /** What the mirror knew when the batch was claimed: nothing queued after batch `batch - 1`. */
  readonly known: Known
  readonly batch: number
  events: QueuedEvent[]
  /** Lets the application's next look or formation run (they wait for this one). */
  readonly release: () => void
}

/** What one transaction wrote to the queues: `publish` it after the commit, else `abandon` it. */
export interface Written {
  /** Every application written to (for the channel's count of writes in flight). */
  readonly apps: ApplicationId[]
  /** Events queued for a P-GET to form into a batch. */
  readonly queued: Map<ApplicationId, QueuedEvent[]>
  /** Batches formed at once, answered on publish. */
  readonly formed: Formed[]
}

export const nothingWritten = (): Written => ({ apps: [], queued: new Map(), formed: [] })

export class EventChannel {
  readonly #store: Store
  readonly #bus: EventBus
  readonly #clock: Clock
  readonly #settings: ChannelSettings
  readonly #parked = new Map<ApplicationId, Parked>()
  readonly #locks = new Map<ApplicationId, Promise<unknown>>()
  // The queues this node can answer from memory (see queue-mirror.ts); `#publishing` tells its
  // own publishes, which it records there, from everything else on the bus, which forgets.
  readonly #mirror = new QueueMirror()
  #publishing = false
  // Transactions that wrote events for an application and have not published or abandoned them
  // yet: a batch is formed at once only when no other write is in flight for it, so that no
  // earlier event can land outside the batch (in a later one, out of order).
  readonly #writing = new Map<ApplicationId, number>()

  constructor(deps: { store: Store; bus: EventBus; clock: Clock; settings?: ChannelSettings }) {
    this.#store = deps.store
    this.#bus = deps.bus
    this.#clock = deps.clock
    this.#settings = deps.settings ?? DEFAULT_CHANNEL
    this.#bus.watch((apps) => {
      if (this.#publishing) return
      for (const app of apps) this.#mirror.forget(app)
    })
  }

  /**
   * Writes an action's events inside its transaction, into `written`. An application whose P-GET
   * is parked here with nothing queued gets its events as the batch that P-GET waits for
   * (`appendBatch`); the others' are queued (one insert for all of them).
   */
  async write(tx: Pick<Store, 'events'>, outbox: Outbox, written: Written): Promise<void> {
    if (outbox.size === 0) return
    const now = this.#clock.now()
    const rest: [ApplicationId, ChannelEvent[]][] = []
    const forming: Formed[] = []
    // Decided and counted before anything is awaited: concurrent transactions see one another.
    for (const [app, events] of outbox.entries()) {
      const formed = this.#formable(app, events)
      this.#writing.set(app, (this.#writing.get(app) ?? 0) + 1)
      written.apps.push(app)
      if (formed) forming.push(formed)
      else rest.push([app, events])
    }
    // Recorded first: if a write below fails, `abandon` releases every claim.
    written.formed.push(...forming)
    for (const formed of forming) {
      const seqs = await tx.events.appendBatch(
        formed.app,
        formed.batch,
        formed.events.map((q) => q.event),
        now,
      )
      if (seqs === undefined) {
        // Another node formed that batch meanwhile: queue them as usual.
        formed.release()
        written.formed.splice(written.formed.indexOf(formed), 1)
        rest.push([formed.app, outbox.eventsOf(formed.app)])
        continue
      }
      formed.events = formed.events.map((q, i) => ({ seq: seqs[i] as number, event: q.event }))
    }
    if (rest.length === 0) return
    const seqs = await tx.events.append(rest, now)
    let i = 0
    for (const [app, events] of rest) {
      written.queued.set(
        app,
        events.map((event) => ({ seq: seqs[i++] as number, event })),
      )
    }
  }

  /** After the commit: answers the P-GETs whose batch was formed, wakes the other recipients. */
  publish(written: Written): void {
    if (written.apps.length === 0) return
    const now = this.#clock.now()
    for (const formed of written.formed) {
      this.#mirror.settle(formed.app, formed.known, formed.batch, formed.known.pending)
      // Ended meanwhile (client gone, replaced, shutdown)? The batch stays: the client's repeat
      // of the same ack gets it from the store.
      formed.parked.end({ kind: 'batch', ack: formed.batch, events: formed.events })
      formed.release()
    }
    for (const [app, events] of written.queued) this.#mirror.queued(app, events, now)
    this.#doneWriting(written)
    this.#publishing = true
    try {
      this.#bus.publish(written.apps)
    } finally {
      this.#publishing = false
    }
  }

  /** The transaction rolled back: nothing it wrote exists; its P-GETs go on waiting. */
  abandon(written: Written): void {
    for (const formed of written.formed) formed.release()
    this.#doneWriting(written)
  }

  #doneWriting(written: Written): void {
    for (const app of written.apps) {
      const count = (this.#writing.get(app) ?? 1) - 1
      if (count > 0) this.#writing.set(app, count)
      else this.#writing.delete(app)
    }
  }

  // Claims the batch a parked P-GET of `app` waits for, when this action's events can be all of
  // it: the P-GET waits with no look running, this node knows nothing is queued, and no other
  // write for `app` is in flight. The claim holds the application's lock until it is released.
  #formable(app: ApplicationId, events: readonly ChannelEvent[]): Formed | undefined {
    const parked = this.#parked.get(app)
    if (!parked?.waiting() || this.#locks.has(app) || this.#writing.has(app)) return undefined
    const known = this.#mirror.get(app, parked.ack)
    if (!known || known.pending.length > 0) return undefined
    // Folded before writing, so that a repeat of the batch reads exactly what was answered.
    const { keep } = coalesce(events.map((event, seq) => ({ seq, event })))
    // An empty batch is recorded on the application (formBatch), not by events: not here.
    if (keep.length === 0 || keep.length > this.#settings.maxBatchEvents) return undefined
    const { promise: done, resolve: release } = Promise.withResolvers<void>()
    this.#locks.set(app, done)
    void done.then(() => {
      if (this.#locks.get(app) === done) this.#locks.delete(app)
    })
    return { app, parked, known, batch: parked.ack, events: keep, release }
  }

  /** Ends a parked P-GET of an application that no longer exists (its next poll gets 404). */
  close(app: ApplicationId): void {
    this.#bus.publish([app])
  }

  /** Housekeeping for this node: forgets queues not used for a while (an expired app says nothing). */
  forgetUnused(): void {
    this.#mirror.prune(this.#clock.now() - IDLE_MEMORY_MS)
  }

  /** Number of P-GETs parked on this node. */
  get parkedCount(): number {
    return this.#parked.size
  }

  /** True while a P-GET of `app` is parked here waiting for events, its look at the queue done. */
  isWaiting(app: ApplicationId): boolean {
    return this.#parked.get(app)?.waiting() ?? false
  }

  /** Releases every parked P-GET (server shutdown); their clients ask again with the same ack. */
  shutdown(): void {
    for (const parked of [...this.#parked.values()]) parked.end({ kind: 'closing', ack: parked.ack })
  }

  poll(app: ApplicationId, request: PollRequest): Promise<PollResult> {
    const previous = this.#parked.get(app)
    if (previous && previous.priority > request.priority) return Promise.resolve(REPLACED)
    previous?.end(REPLACED)
    const poll = new Poll(app, request, this.#pollHooks)
    this.#parked.set(app, poll)
    return poll.start(this.#bus, request)
  }

  // What a parked P-GET asks of the channel: a look at its queue (one at a time per application)
  // and letting go of its place. Made once, shared by every Poll.
  readonly #pollHooks: PollHooks = {
    look: (poll, force) =>
      this.#locked(poll.app, () =>
        // Settled while it waited for the lock (a batch formed at once answered it): no look.
        poll.settled ? Promise.resolve(undefined) : this.#form(poll.app, poll.ack, force),
      ),
    gone: (poll) => {
      if (this.#parked.get(poll.app) === poll) this.#parked.delete(poll.app)
    },
  }

  // One look at the queue for a P-GET asking for batch `batch` (its ack), with K the last batch
  // formed: batch = K (K ≥ 1) repeats K; batch = K+1 forms it from the queued events (undefined
  // when there are none and not `force`); anything else is a resync.
  async #form(app: ApplicationId, batch: number, force: boolean): Promise<PollResult | undefined> {
    // A P-GET's timeout always reads the store: what another process wrote (the CLI) or a bus
    // message lost on the way waits at most one hold time.
    const known = force ? undefined : this.#mirror.get(app, batch)
    if (known) {
      if (known.pending.length === 0) return undefined
      return this.#formFrom(app, batch, known, known.pending.slice(0, this.#settings.maxBatchEvents))
    }
    const look = this.#mirror.look(app, this.#clock.now())
    const queue = await this.#store.events.queue(app, this.#settings.maxBatchEvents)
    if (queue === undefined) {
      this.#mirror.forget(app)
      throw new UcwaError('ApplicationNotFound')
    }
    if (batch === queue.current && batch >= 1) {
      this.#mirror.forget(app)
      return { kind: 'batch', ack: batch, events: await this.#store.events.batch(app, batch) }
    }
    if (batch !== queue.current + 1) {
      this.#mirror.forget(app)
      return { kind: 'resync', ack: batch, resync: Math.max(queue.current, 1) }
    }
    const { pending } = queue
    // A full read may have left events behind: only a partial one saw the whole queue.
    if (pending.length >= this.#settings.maxBatchEvents) this.#mirror.forget(app)
    else this.#mirror.settle(app, look, queue.current, [...pending])
    if (pending.length === 0 && !force) return undefined
    return this.#formFrom(app, batch, look, pending)
  }

  // Forms batch `batch` from `taken`, the oldest of what is queued; what the mirror knows of the
  // queue moves on with it, keeping what was queued meanwhile.
  async #formFrom(
    app: ApplicationId,
    batch: number,
    known: Known,
    taken: readonly QueuedEvent[],
  ): Promise<PollResult> {
    const last = taken.at(-1)?.seq ?? -1
    const { keep, dropped } = coalesce(taken)
    try {
      await this.#store.transaction((tx) =>
        tx.events.formBatch(
          app,
          batch,
          keep.map((q) => q.seq),
          dropped,
        ),
      )
    } catch (error) {
      // Whatever happened (another node formed this batch, the store is away), memory no longer
      // vouches for the queue: the client's retry reads it.
      this.#mirror.forget(app)
      throw error
    }
    this.#mirror.settle(
      app,
      known,
      batch,
      known.pending.filter((q) => q.seq > last),
    )
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

const REPLACED: PollResult = { kind: 'replaced' }
const ABORTED: PollResult = { kind: 'aborted' }

interface PollHooks {
  /** One look at the queue: the answer, or undefined to keep waiting. */
  look(poll: Poll, force: boolean): Promise<PollResult | undefined>
  /** The poll settled: it no longer holds the application's place. */
  gone(poll: Poll): void
}

// A parked P-GET: its hold, its looks at the queue and its one answer. The state lives in one
// object's fields rather than in a dozen closures and their contexts: a parked request is what
// every young-generation collection copies, once per P-GET (docs/benchmarks.md).
class Poll implements Parked {
  readonly app: ApplicationId
  readonly ack: number
  readonly priority: number
  readonly #hooks: PollHooks
  readonly #answer = Promise.withResolvers<PollResult>()
  settled = false
  #checking = false
  // A look asked for while one runs; `true` once the hold time ended meanwhile (it must read).
  #again: boolean | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #unsubscribe: (() => void) | undefined
  #stopWatching: (() => void) | undefined

  constructor(app: ApplicationId, request: PollRequest, hooks: PollHooks) {
    this.app = app
    this.ack = request.ack
    this.priority = request.priority
    this.#hooks = hooks
  }

  /** Starts holding; the promise settles with the answer (or an error from the store). */
  start(bus: EventBus, request: PollRequest): Promise<PollResult> {
    this.#stopWatching = request.whenAbandoned(() => this.end(ABORTED))
    // Subscribe before the first look, so an event committed in between still wakes us.
    this.#unsubscribe = bus.subscribe(this.app, () => void this.#check(false))
    this.#timer = setTimeout(holdEnded, request.timeoutMs, this)
    void this.#check(false)
    return this.#answer.promise
  }

  end(result: PollResult | Error): void {
    if (this.settled) return
    this.settled = true
    clearTimeout(this.#timer)
    this.#unsubscribe?.()
    this.#stopWatching?.()
    this.#hooks.gone(this)
    if (result instanceof Error) this.#answer.reject(result)
    else this.#answer.resolve(result)
  }

  waiting(): boolean {
    return !this.settled && !this.#checking
  }

  /** The hold time ended: a look that reads the store, and answers even with nothing queued. */
  holdEnded(): void {
    void this.#check(true)
  }

  // Look at the queue: answer a repeat or a resync at once, form the batch when something is
  // queued (or, on timeout, even when nothing is), else keep waiting.
  async #check(force: boolean): Promise<void> {
    if (this.settled) return
    if (this.#checking) {
      this.#again = (this.#again ?? false) || force
      return
    }
    this.#checking = true
    try {
      const formed = await this.#hooks.look(this, force)
      if (formed) this.end(formed)
    } catch (error) {
      this.end(error as Error)
    } finally {
      this.#checking = false
    }
    if (this.#again !== undefined && !this.settled) {
      const again = this.#again
      this.#again = undefined
      void this.#check(again)
    }
  }
}

// A timer callback that closes over nothing (setTimeout passes the poll).
function holdEnded(poll: Poll): void {
  poll.holdEnded()
}

/** Runs an action's transaction with its events, then wakes their recipients. */
export async function commitWithEvents<T>(
  store: Store,
  channel: EventChannel,
  outbox: Outbox,
  work: (tx: Omit<Store, 'transaction' | 'close'>) => Promise<T>,
): Promise<T> {
  const written = nothingWritten()
  let result: T
  try {
    result = await store.transaction(async (tx) => {
      const value = await work(tx)
      await channel.write(tx, outbox, written)
      return value
    })
  } catch (error) {
    channel.abandon(written)
    throw error
  }
  channel.publish(written)
  return result
}
