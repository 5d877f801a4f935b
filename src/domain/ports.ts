// The capabilities the domain needs from the outside world. Adapters implement them
// (src/store, src/platform); src/main.ts chooses which. See docs/architecture.md.
import type { Application, ApplicationUpdate, NewApplication } from './applications/application-types.ts'
import type { ApplicationId, SipUri, UserId } from './ids.ts'
import type { NewUser, User, UserPatch } from './users/user-types.ts'

/** Wall-clock time as UTC epoch milliseconds; a fake in unit tests. */
export interface Clock {
  now(): number
}

/** Unpredictable values: tokens and ids. */
export interface Random {
  /** A URL-safe random string carrying `bytes` bytes of entropy. */
  token(bytes: number): string
  /** A new application id: a long decimal number, as real UCWA pools hand out. */
  applicationId(): ApplicationId
  /** A new opaque user id. */
  userId(): UserId
}

/** Hashes and verifies passwords with a memory-hard KDF. */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** True when `password` matches `encoded`; never throws for a malformed hash (returns false). */
  verify(password: string, encoded: string): Promise<boolean>
  /** True when `encoded` was made with weaker parameters than today's and should be re-hashed. */
  needsRehash(encoded: string): boolean
}

/** Directory of users and their credentials. */
export interface UserStore {
  insert(
    user: NewUser & { readonly id: UserId; readonly passwordHash: string | null },
    now: number,
  ): Promise<User>
  findBySipUri(uri: SipUri): Promise<User | undefined>
  findById(id: UserId): Promise<User | undefined>
  list(): Promise<User[]>
  update(id: UserId, patch: UserPatch, now: number): Promise<User | undefined>
  /** The stored password hash, or null when the user has none set. */
  passwordHash(id: UserId): Promise<string | null | undefined>
  setPasswordHash(id: UserId, hash: string, now: number): Promise<boolean>
  remove(id: UserId): Promise<boolean>
}

/** A bearer token as stored: only its SHA-256 digest, never the token itself. */
export interface StoredToken {
  readonly digest: string
  readonly userId: UserId
  /** FQDN of the pool that issued it; tokens are per pool, as on Lync. */
  readonly pool: string
  readonly issuedAt: number
  readonly expiresAt: number
}

export interface TokenStore {
  insert(token: StoredToken): Promise<void>
  find(digest: string): Promise<StoredToken | undefined>
  /** Deletes every token of the user; returns how many. */
  revokeUser(userId: UserId): Promise<number>
  deleteExpired(now: number): Promise<number>
}

export interface ApplicationStore {
  insert(app: NewApplication): Promise<Application>
  find(id: ApplicationId): Promise<Application | undefined>
  findByEndpoint(userId: UserId, endpointId: string): Promise<Application | undefined>
  listByUser(userId: UserId): Promise<Application[]>
  update(id: ApplicationId, update: ApplicationUpdate): Promise<Application | undefined>
  remove(id: ApplicationId): Promise<boolean>
  removeByUser(userId: UserId): Promise<number>
  /** Deletes applications whose idle deadline passed before `before`; returns how many. */
  removeExpired(before: number): Promise<number>
}

/** Everything durable, behind one object so adapters can share a connection and transactions. */
export interface Store {
  readonly users: UserStore
  readonly tokens: TokenStore
  readonly applications: ApplicationStore
  /** Runs `work` in one transaction; the store handed to it is bound to that transaction. */
  transaction<T>(work: (tx: Omit<Store, 'transaction' | 'close'>) => Promise<T>): Promise<T>
  /** True when the store answers a trivial query (readiness probe). */
  ping(): Promise<boolean>
  close(): Promise<void>
}
