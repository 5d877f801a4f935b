// The bound on a lost hint: once per interval, looks at every application this node holds a
// P-GET for — a slice per tick, so the reads spread evenly — and wakes those whose queue holds
// events not yet delivered (one query per slice, not one per P-GET).
import type { ApplicationId } from '../../domain/ids.ts'

const TICKS_PER_INTERVAL = 10

/** Which of these applications have undelivered events (the store answers). */
export type PendingFilter = (apps: readonly ApplicationId[]) => Promise<readonly ApplicationId[]>

export class Sweeper {
  readonly #list: () => ApplicationId[]
  readonly #intervalMs: number
  readonly #pending: PendingFilter
  readonly #wake: (apps: readonly ApplicationId[]) => void
  #timer: NodeJS.Timeout | undefined
  #queue: ApplicationId[] = []
  #sliceSize = 0
  #busy = false

  constructor(
    list: () => ApplicationId[],
    intervalMs: number,
    pending: PendingFilter,
    wake: (apps: readonly ApplicationId[]) => void,
  ) {
    this.#list = list
    this.#intervalMs = intervalMs
    this.#pending = pending
    this.#wake = wake
  }

  start(): void {
    if (this.#timer) return
    const tickMs = Math.max(1, Math.round(this.#intervalMs / TICKS_PER_INTERVAL))
    this.#timer = setInterval(() => void this.#tick(), tickMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Wakes those of `apps` with undelivered events now (after a reconnect, say). */
  async sweep(apps: readonly ApplicationId[]): Promise<void> {
    if (apps.length === 0) return
    try {
      const due = await this.#pending(apps)
      if (due.length > 0) this.#wake(due)
    } catch {
      // The store is unreachable: the next tick tries again; the P-GETs fail on their own reads.
    }
  }

  async #tick(): Promise<void> {
    if (this.#busy) return
    this.#busy = true
    try {
      if (this.#queue.length === 0) {
        this.#queue = this.#list()
        this.#sliceSize = Math.ceil(this.#queue.length / TICKS_PER_INTERVAL)
      }
      await this.sweep(this.#queue.splice(0, this.#sliceSize))
    } finally {
      this.#busy = false
    }
  }
}
