// What this node knows of an application's event queue without reading the store: the last batch
// it formed there and every event queued since, learned from this node's own publishes. The
// client's next P-GET is then answered from memory (or parks) without a read; the store stays
// the truth, and anything this node cannot vouch for makes it read again:
//  - a publish it did not make (another node's, through the bus; an application closed) forgets
//    the application;
//  - a look at the store in progress is marked, and a publish during it forgets the look;
//  - entries not used for a while are dropped (an application that expired says nothing);
//  - a P-GET whose hold time ends reads the store regardless (event-channel.ts), so an event
//    another process wrote (the CLI) or whose bus message was lost waits at most that long.
import type { ApplicationId } from '../ids.ts'
import type { QueuedEvent } from './channel-event.ts'

export interface Known {
  /** The last batch formed (K). */
  batch: number
  /** Every event queued after batch K, oldest first. */
  pending: QueuedEvent[]
  /** When it was last used (clock ms). */
  at: number
}

const READING = -1

export class QueueMirror {
  readonly #known = new Map<ApplicationId, Known>()

  /** The queue of `app` as known here, when it is known and batch `ack - 1` is its last. */
  get(app: ApplicationId, ack: number): Known | undefined {
    const known = this.#known.get(app)
    return known && known.batch !== READING && known.batch === ack - 1 ? known : undefined
  }

  /** A look at the store begins; `settle` it with what was found unless a publish intervened. */
  look(app: ApplicationId, now: number): Known {
    const look: Known = { batch: READING, pending: [], at: now }
    this.#known.set(app, look)
    return look
  }

  /** Records what a look found (or a batch formed from memory), if nothing intervened. */
  settle(app: ApplicationId, known: Known, batch: number, pending: QueuedEvent[]): void {
    if (this.#known.get(app) !== known) return
    known.batch = batch
    known.pending = pending
  }

  /** This node queued `events` for `app` (committed): they join what is known. */
  queued(app: ApplicationId, events: readonly QueuedEvent[], now: number): void {
    const known = this.#known.get(app)
    if (!known) return
    if (known.batch === READING) {
      this.#known.delete(app)
      return
    }
    known.pending.push(...events)
    // Transactions that commit together publish in commit order; keep seq order regardless.
    known.pending.sort((a, b) => a.seq - b.seq)
    known.at = now
  }

  forget(app: ApplicationId): void {
    this.#known.delete(app)
  }

  /** Drops what was not used since `before`. */
  prune(before: number): void {
    for (const [app, known] of this.#known) if (known.at < before) this.#known.delete(app)
  }
}
