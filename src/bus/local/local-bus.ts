// The single-node EventBus: wake-ups are function calls. In a cluster the Redis bus
// (src/bus/redis) wraps one for this node's listeners and carries the hints between nodes.
import type { ApplicationId } from '../../domain/ids.ts'
import type { EventBus } from '../../domain/ports.ts'

export class LocalBus implements EventBus {
  readonly #listeners = new Map<ApplicationId, Set<() => void>>()
  readonly #watchers = new Set<(apps: readonly ApplicationId[]) => void>()

  publish(apps: readonly ApplicationId[]): void {
    for (const watcher of this.#watchers) watcher(apps)
    for (const app of apps) {
      const listeners = this.#listeners.get(app)
      if (!listeners) continue
      for (const listener of [...listeners]) listener()
    }
  }

  /** Applications that have a listener on this node (parked P-GETs). */
  get subscribed(): ApplicationId[] {
    return [...this.#listeners.keys()]
  }

  subscribe(app: ApplicationId, listener: () => void): () => void {
    let set = this.#listeners.get(app)
    if (!set) {
      set = new Set()
      this.#listeners.set(app, set)
    }
    set.add(listener)
    return () => {
      const current = this.#listeners.get(app)
      if (!current) return
      current.delete(listener)
      if (current.size === 0) this.#listeners.delete(app)
    }
  }

  watch(listener: (apps: readonly ApplicationId[]) => void): () => void {
    this.#watchers.add(listener)
    return () => this.#watchers.delete(listener)
  }
}
