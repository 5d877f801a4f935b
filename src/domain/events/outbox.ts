// Collects the events one action emits, per recipient application, inside its transaction; the
// action writes them with its other changes and wakes the recipients after the commit.
import type { ApplicationId } from '../ids.ts'
import type { ChannelEvent } from './channel-event.ts'

export class Outbox {
  readonly #byApp = new Map<ApplicationId, ChannelEvent[]>()

  add(app: ApplicationId, ...events: ChannelEvent[]): void {
    const list = this.#byApp.get(app)
    if (list) list.push(...events)
    else this.#byApp.set(app, [...events])
  }

  addToAll(apps: Iterable<ApplicationId>, ...events: ChannelEvent[]): void {
    for (const app of apps) this.add(app, ...events)
  }

  /** The events for `app`, in order (none: empty). */
  eventsOf(app: ApplicationId): ChannelEvent[] {
    return this.#byApp.get(app) ?? []
  }

  entries(): IterableIterator<[ApplicationId, ChannelEvent[]]> {
    return this.#byApp.entries()
  }

  get applications(): ApplicationId[] {
    return [...this.#byApp.keys()]
  }

  get size(): number {
    return this.#byApp.size
  }
}
