// Presence subscriptions (ucwa-protocol §5.3), contact presence views and privacy relationships.
// See docs/presence.md.
import type { EventChannel } from '../events/event-channel.ts'
import type { Clock, Store } from '../ports.ts'
import type { PresenceService } from './presence-service.ts'

export class SubscriptionService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #presence: PresenceService

  constructor(deps: { store: Store; channel: EventChannel; clock: Clock; presence: PresenceService }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#presence = deps.presence
  }

  /** Time-driven work (subscriptions nearing expiry, expired ones); called every few seconds. */
  async tick(): Promise<void> {
    void this.#store
    void this.#channel
    void this.#clock
    void this.#presence
  }
}
