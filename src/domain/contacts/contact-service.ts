// The contact list: groups, memberships, the directory search and contact resources (ucwa-protocol §6).
// See docs/contacts.md.
import type { EventChannel } from '../events/event-channel.ts'
import type { Clock, Random, Store } from '../ports.ts'
import type { PresenceService } from '../presence/presence-service.ts'

export class ContactService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #random: Random
  readonly #presence: PresenceService

  constructor(deps: {
    store: Store
    channel: EventChannel
    clock: Clock
    random: Random
    presence: PresenceService
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#random = deps.random
    this.#presence = deps.presence
    void this.#store
    void this.#channel
    void this.#clock
    void this.#random
    void this.#presence
  }
}
