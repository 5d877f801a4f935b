// What one area of the domain tells another, typed: the hooks a service calls when something
// happened that other areas react to, and the checks it asks of the policies. A hook runs inside
// the change's transaction with its outbox (`tx`, `outbox`), so whatever a subscriber writes and
// emits commits with the change or not at all; what must wait for the commit (this node's caches,
// other processes' copies, parked requests to wake) goes into the change's `AfterCommit`. Every
// hook has a do-nothing default (the NO_… constants) for services built alone, in unit tests;
// src/app/hooks.ts connects them for the server and the CLI. MessagingObserver
// (messaging/messaging-observer.ts) is the same pattern, older. See docs/architecture.md.
import type { Application, EndpointKind } from './applications/application-types.ts'
import type { Outbox } from './events/outbox.ts'
import type { ApplicationId } from './ids.ts'
import type { Store } from './ports.ts'
import type { AccessLocation } from './topology/topology.ts'
import type { User } from './users/user-types.ts'

/** The store inside a transaction. */
export type Tx = Omit<Store, 'transaction' | 'close'>

/**
 * Work a change leaves for once it committed: caches to update, other processes to tell, parked
 * requests to wake. Never runs when the transaction rolls back (a cache must not hold a row the
 * store never kept).
 */
export class AfterCommit {
  readonly #work: (() => void)[] = []

  add(work: () => void): void {
    this.#work.push(work)
  }

  /** Runs the work in the order it was added; the change's owner calls it after the commit. */
  run(): void {
    for (const work of this.#work) work()
  }
}

// ---- applications --------------------------------------------------------------------------

export interface ApplicationHooks {
  /** Before an application is deleted: its conversations hear it leave (they commit on their own). */
  leaving(user: User, app: Application): Promise<void>
  /**
   * In the transaction that removed, expired or restricted an endpoint of `user` (DELETE of an
   * available application, a policy change): the user's presence follows.
   */
  endpointsChanged(tx: Tx, outbox: Outbox, user: User): Promise<void>
  /** After a commit that changed these applications: copies other processes keep are stale. */
  stale(ids: readonly ApplicationId[]): void
}

export const NO_APPLICATION_HOOKS: ApplicationHooks = {
  leaving: async () => undefined,
  endpointsChanged: async () => undefined,
  stale: () => undefined,
}

// ---- policies -------------------------------------------------------------------------------

/** What a user's effective mobility policy now lets their applications do (docs/policies.md). */
export interface EndpointRights {
  /** Whether an application of this kind may stay signed in (a mobile one needs EnableMobility). */
  keeps(kind: EndpointKind): boolean
  /** The modalities of `offered` an endpoint may advertise (Audio/Video and PhoneAudio per policy). */
  modalities(offered: readonly string[]): string[]
}

/** One user whose effective mobility policy a change altered. */
export interface PolicyChange {
  readonly user: User
  readonly rights: EndpointRights
}

export interface PolicyHooks {
  /** In the policy change's transaction: these users' effective mobility policy changed. */
  mobilityChanged(tx: Tx, outbox: Outbox, after: AfterCommit, changes: readonly PolicyChange[]): Promise<void>
  /** After every committed change: other processes re-read the policies. */
  changed(): void
}

export const NO_POLICY_HOOKS: PolicyHooks = {
  mobilityChanged: async () => undefined,
  changed: () => undefined,
}

/** What applications and presence ask of the policies before they change anything (PolicyService). */
export interface PolicyChecks {
  /** Throws (a UcwaError) when policy keeps `user` from creating an application of `kind` on
   * `pool` through a listener at `access`. */
  admit(user: User, pool: string, kind: EndpointKind, access: AccessLocation): Promise<void>
  /** The modalities of `offered` the user's endpoints may advertise. */
  allowedModalities(user: User, offered: readonly string[]): Promise<string[]>
}

/** Everything allowed: for services built without policies (unit tests). */
export const NO_POLICY_CHECKS: PolicyChecks = {
  admit: async () => undefined,
  allowedModalities: async (_user, offered) => [...offered],
}

// ---- users ----------------------------------------------------------------------------------

export interface UserHooks {
  /** In the change's transaction: a user's directory entry changed (`previous` is how it was). */
  changed(tx: Tx, outbox: Outbox, after: AfterCommit, user: User, previous: User): Promise<void>
  /**
   * In the change's transaction, which also revoked the user's tokens: their sessions end
   * (password changed, disabled, moved to another pool, removed). Caches of them must go.
   */
  sessionsRevoked(tx: Tx, outbox: Outbox, after: AfterCommit, user: User): Promise<void>
}

export const NO_USER_HOOKS: UserHooks = {
  changed: async () => undefined,
  sessionsRevoked: async () => undefined,
}
