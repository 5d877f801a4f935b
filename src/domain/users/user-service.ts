// Directory management: what `parley user …` and config provisioning do. See docs/cli.md (user commands) and docs/configuration.md (users).
// A change that ends the user's sessions revokes their tokens in its own transaction; what else
// follows (caches, presence) is the UserHooks' business.
import type { ApplicationService } from '../applications/application-service.ts'
import { MAX_PHOTO_BYTES, photoTypeOf, type UserPhoto } from '../contacts/photo.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import { AfterCommit, NO_USER_HOOKS, type Tx, type UserHooks } from '../hooks.ts'
import type { SipUri } from '../ids.ts'
import type { Clock, PasswordHasher, Random, Store } from '../ports.ts'
import type { Pool, Topology } from '../topology/topology.ts'
import { domainOf, parseSipUri } from './sip-uri.ts'
import type { NewUser, User, UserPatch } from './user-types.ts'

/** A directory rule was broken; the message says which and how to fix it. */
export class UserValidationError extends Error {
  override readonly name = 'UserValidationError'
}

export const MIN_PASSWORD_LENGTH = 8

export class UserService {
  readonly #store: Store
  readonly #hasher: PasswordHasher
  readonly #clock: Clock
  readonly #random: Random
  readonly #topology: Topology
  readonly #channel: EventChannel
  readonly #applications: Pick<ApplicationService, 'removeAllOf'>
  readonly #hooks: UserHooks

  constructor(deps: {
    store: Store
    hasher: PasswordHasher
    clock: Clock
    random: Random
    topology: Topology
    channel: EventChannel
    /** A removed user's applications go with them. */
    applications: Pick<ApplicationService, 'removeAllOf'>
    hooks?: UserHooks
  }) {
    this.#store = deps.store
    this.#hasher = deps.hasher
    this.#clock = deps.clock
    this.#random = deps.random
    this.#topology = deps.topology
    this.#channel = deps.channel
    this.#applications = deps.applications
    this.#hooks = deps.hooks ?? NO_USER_HOOKS
  }

  async add(input: NewUser, password: string | null): Promise<User> {
    const pool = this.#validate(input)
    if (password !== null) checkPassword(password)
    if (await this.#store.users.findBySipUri(input.sipUri)) {
      throw new UserValidationError(`user ${input.sipUri} already exists`)
    }
    const passwordHash = password === null ? null : await this.#hasher.hash(password)
    // The pool's canonical (lower-case) FQDN: home pools are compared with ===.
    const user = { ...input, homePool: pool.fqdn, id: this.#random.userId(), passwordHash }
    return this.#store.users.insert(user, this.#clock.now())
  }

  list(): Promise<User[]> {
    return this.#store.users.list()
  }

  /** The user with this SIP URI, if any. */
  find(uri: SipUri): Promise<User | undefined> {
    return this.#store.users.findBySipUri(uri)
  }

  /** The user named by a SIP URI in any accepted form, or a validation error naming it. */
  async get(name: string): Promise<User> {
    const uri = parseSipUri(name)
    const user = uri && (await this.#store.users.findBySipUri(uri))
    if (!user) throw new UserValidationError(`no user ${uri ?? name}`)
    return user
  }

  async update(name: string, patch: UserPatch): Promise<User> {
    const user = await this.get(name)
    const pool = this.#validate({ ...user, ...patch })
    const canonical = patch.homePool === undefined ? patch : { ...patch, homePool: pool.fqdn }
    return this.#commit(async (tx, outbox, after) => {
      const updated = await tx.users.update(user.id, canonical, this.#clock.now())
      if (!updated) throw new UserValidationError(`no user ${user.sipUri}`)
      const disabled = user.enabled && !updated.enabled
      if (disabled || user.homePool !== updated.homePool) await this.#endSessions(tx, outbox, after, updated)
      await this.#hooks.changed(tx, outbox, after, updated, user)
      return updated
    })
  }

  async setPassword(name: string, password: string): Promise<User> {
    checkPassword(password)
    const user = await this.get(name)
    const hash = await this.#hasher.hash(password)
    await this.#commit(async (tx, outbox, after) => {
      await tx.users.setPasswordHash(user.id, hash, this.#clock.now())
      await this.#endSessions(tx, outbox, after, user)
    })
    return user
  }

  /**
   * Sets the user's photo from JPEG or PNG bytes (recognised by their magic bytes, at most
   * MAX_PHOTO_BYTES), or removes it with null. See docs/contacts.md.
   */
  async setPhoto(name: string, bytes: Uint8Array | null): Promise<User> {
    const user = await this.get(name)
    let photo: UserPhoto | null = null
    if (bytes !== null) {
      if (bytes.length > MAX_PHOTO_BYTES) {
        throw new UserValidationError(
          `photo is ${bytes.length} bytes; at most ${MAX_PHOTO_BYTES} (${MAX_PHOTO_BYTES / 1024} KB) are allowed`,
        )
      }
      const contentType = photoTypeOf(bytes)
      if (!contentType) throw new UserValidationError('photo must be a JPEG or PNG image')
      photo = { bytes, contentType }
    }
    await this.#store.users.setPhoto(user.id, photo, this.#clock.now())
    return (await this.#store.users.findById(user.id)) ?? user
  }

  /** The user's photo, or null when none is set. */
  async photo(name: string): Promise<UserPhoto | null> {
    const user = await this.get(name)
    return (await this.#store.users.photo(user.id)) ?? null
  }

  setEnabled(name: string, enabled: boolean): Promise<User> {
    return this.update(name, { enabled })
  }

  async remove(name: string): Promise<User> {
    const user = await this.get(name)
    await this.#commit(async (tx, outbox, after) => {
      await this.#endSessions(tx, outbox, after, user)
      await this.#applications.removeAllOf(tx, after, user.id)
      await tx.users.remove(user.id)
    })
    return user
  }

  /** The user's tokens are revoked with the change; the hooks drop what was cached of them. */
  async #endSessions(tx: Tx, outbox: Outbox, after: AfterCommit, user: User): Promise<void> {
    await tx.tokens.revokeUser(user.id)
    await this.#hooks.sessionsRevoked(tx, outbox, after, user)
  }

  /** One change, with the events and after-commit work its hooks add. */
  async #commit<T>(work: (tx: Tx, outbox: Outbox, after: AfterCommit) => Promise<T>): Promise<T> {
    const outbox = new Outbox()
    const after = new AfterCommit()
    const result = await commitWithEvents(this.#store, this.#channel, outbox, (tx) => work(tx, outbox, after))
    after.run()
    return result
  }

  /** Checks the directory rules; returns the user's home pool. */
  #validate(user: Pick<NewUser, 'sipUri' | 'homePool' | 'displayName'>): Pool {
    if (!this.#topology.domain(domainOf(user.sipUri))) {
      const known = this.#topology.domains.map((d) => d.name).join(', ')
      throw new UserValidationError(`${user.sipUri}: domain is not a configured SIP domain (${known})`)
    }
    const pool = this.#topology.pool(user.homePool)
    if (!pool) {
      const known = this.#topology.pools.map((p) => p.fqdn).join(', ')
      throw new UserValidationError(`home pool ${user.homePool} is not in the topology (${known})`)
    }
    if (pool.role !== 'frontend') {
      throw new UserValidationError(`home pool ${user.homePool} is a director; directors home no users`)
    }
    if (!user.displayName.trim()) throw new UserValidationError('display name must not be empty')
    return pool
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UserValidationError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  }
  if (password.length > 1024) throw new UserValidationError('password must be at most 1024 characters')
}

/** A SIP URI from user input, or a validation error saying what is wrong with it. */
export function requireSipUri(text: string): SipUri {
  const uri = parseSipUri(text)
  if (!uri) throw new UserValidationError(`"${text}" is not a SIP address (expected user@domain)`)
  return uri
}
