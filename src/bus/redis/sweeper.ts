// The bound on a lost hint: wakes every listener of this node once per interval, a slice at a
// time so the queue reads spread evenly instead of arriving as one burst.
import type { ApplicationId } from '../../domain/ids.ts'

const TICKS_PER_INTERVAL = 10

export class Sweeper {
  readonly #list: () => ApplicationId[]
  readonly #intervalMs: number
  readonly #wake: (app: ApplicationId) => void
  #timer: NodeJS.Timeout | undefined
  #pending: ApplicationId[] = []
  #sliceSize = 0

  constructor(list: () => ApplicationId[], intervalMs: number, wake: (app: ApplicationId) => void) {
    this.#list = list
    this.#intervalMs = intervalMs
    this.#wake = wake
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(
      () => this.#tick(),
      Math.max(1, Math.round(this.#intervalMs / TICKS_PER_INTERVAL)),
    )
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #tick(): void {
    if (this.#pending.length === 0) {
      this.#pending = this.#list()
      this.#sliceSize = Math.ceil(this.#pending.length / TICKS_PER_INTERVAL)
    }
    for (const app of this.#pending.splice(0, this.#sliceSize)) this.#wake(app)
  }
}
