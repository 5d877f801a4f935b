// Password sign-in (the WebTicket `password` grant) and bearer-token checks. See docs/security.md.
import { hash } from 'node:crypto'
import { UcwaError } from '../errors.ts'
import type { UserId } from '../ids.ts'
import type { Clock, PasswordHasher, Random, Store } from '../ports.ts'
import type { Topology } from '../topology/topology.ts'
import { signInNameToSipUri } from '../users/sip-uri.ts'
import type { User } from '../users/user-types.ts'
import { OAuthError } from './oauth-error.ts'
import type { SignInThrottle } from './sign-in-throttle.ts'

/** Who is calling, once their token checked out. */
export interface Session {
  readonly user: User
  readonly tokenDigest: string
  /** The pool the token was issued by. */
  readonly pool: string
  readonly expiresAt: number
}

export interface IssuedToken {
  /** The opaque token, `cwt=` + 43 URL-safe characters, shown to the client once. */
  readonly accessToken: string
  readonly expiresInSeconds: number
  readonly user: User
}

export interface AuthSettings {
  /** Token lifetime; Lync's default for users is 8 hours. */
  readonly tokenLifetimeSeconds: number
  /** How long a checked token is trusted without asking the store again (other nodes' revocations). */
  readonly tokenCacheSeconds: number
}

export const DEFAULT_AUTH: AuthSettings = { tokenLifetimeSeconds: 28_800, tokenCacheSeconds: 5 }

interface CachedSession {
  readonly session: Session
  readonly checkedAt: number
}

const TOKEN_PREFIX = 'cwt='
const TOKEN_BYTES = 32
const MAX_PASSWORD_LENGTH = 1024
const CACHE_MAX_ENTRIES = 50_000

export class AuthService {
  readonly #store: Store
  readonly #hasher: PasswordHasher
  readonly #random: Random
  readonly #clock: Clock
  readonly #topology: Topology
  readonly #throttle: SignInThrottle
  readonly #settings: AuthSettings
  readonly #cache = new Map<string, CachedSession>()
  /** A real hash of a random password: verified against when the user does not exist, so unknown
   * and known users take the same time (no account enumeration by timing). */
  #decoyHash: Promise<string> | undefined

  constructor(deps: {
    store: Store
    hasher: PasswordHasher
    random: Random
    clock: Clock
    topology: Topology
    throttle: SignInThrottle
    settings?: AuthSettings
  }) {
    this.#store = deps.store
    this.#hasher = deps.hasher
    this.#random = deps.random
    this.#clock = deps.clock
    this.#topology = deps.topology
    this.#throttle = deps.throttle
    this.#settings = deps.settings ?? DEFAULT_AUTH
  }

  /** The `password` grant: checks the credentials and issues a token bound to `pool`. */
  async passwordGrant(input: {
    username: string
    password: string
    pool: string
    address: string
  }): Promise<IssuedToken> {
    const { username, password, pool, address } = input
    if (!username || !password) {
      throw new OAuthError('invalid_request', 'Both username and password are required.')
    }
    const uri = signInNameToSipUri(
      username,
      this.#topology.domains.map((d) => d.name),
      this.#topology.defaultDomain.name,
    )
    const throttleKey = uri ?? username.toLowerCase()
    const now = this.#clock.now()
    const verdict = this.#throttle.check(throttleKey, address, now)
    if (!verdict.allowed) {
      const who = verdict.scope === 'address' ? 'from this address' : 'for this account'
      throw new OAuthError(
        'temporarily_unavailable',
        `Too many failed sign-in attempts ${who}; try again in ${verdict.retryAfterSeconds} seconds.`,
        verdict.retryAfterSeconds,
      )
    }
    const user = uri ? await this.#store.users.findBySipUri(uri) : undefined
    const hash = user ? await this.#store.users.passwordHash(user.id) : undefined
    const ok =
      password.length <= MAX_PASSWORD_LENGTH &&
      (await this.#hasher.verify(password, hash ?? (await this.#decoy())))
    if (!user || !hash || !ok || !user.enabled) {
      this.#throttle.recordFailure(throttleKey, address, this.#clock.now())
      throw new OAuthError(
        'invalid_grant',
        'The user name or password is incorrect, or the account is disabled.',
      )
    }
    this.#throttle.recordSuccess(throttleKey, address, this.#clock.now())
    if (this.#hasher.needsRehash(hash)) {
      await this.#store.users.setPasswordHash(user.id, await this.#hasher.hash(password), this.#clock.now())
    }
    const accessToken = TOKEN_PREFIX + this.#random.token(TOKEN_BYTES)
    const issuedAt = this.#clock.now()
    const expiresAt = issuedAt + this.#settings.tokenLifetimeSeconds * 1000
    await this.#store.tokens.insert({
      digest: digestOf(accessToken),
      userId: user.id,
      pool,
      issuedAt,
      expiresAt,
    })
    return { accessToken, expiresInSeconds: this.#settings.tokenLifetimeSeconds, user }
  }

  /**
   * The session behind a bearer token presented to `pool`, or an AuthenticationRequired error
   * (the HTTP layer turns it into the 401 challenge). Tokens from another pool are refused:
   * after an Autodiscover redirect clients fetch a new token from the home pool, as on Lync.
   */
  async authenticate(token: string | undefined, pool: string): Promise<Session> {
    if (!token) throw new UcwaError('AuthenticationRequired')
    const digest = digestOf(token)
    const now = this.#clock.now()
    const cached = this.#cache.get(digest)
    let session: Session | undefined
    if (cached && this.#fresh(cached, now)) {
      session = cached.session
    } else {
      session = await this.#load(digest)
      if (session) this.#remember(digest, { session, checkedAt: now })
      else this.#cache.delete(digest)
    }
    if (!session || !usable(session, pool, now)) throw new UcwaError('AuthenticationRequired')
    return session
  }

  /**
   * What `authenticate` answers when this node checked the token less than tokenCacheSeconds ago
   * and the session is good for `pool`; undefined otherwise (then `authenticate` decides). Lets
   * the per-request path skip its promises when the store has nothing to say. Takes the token's
   * `digestOf`, which the HTTP layer keeps per connection.
   */
  cachedSession(digest: string, pool: string): Session | undefined {
    const now = this.#clock.now()
    const cached = this.#cache.get(digest)
    return cached && this.#fresh(cached, now) && usable(cached.session, pool, now)
      ? cached.session
      : undefined
  }

  #fresh(cached: CachedSession, now: number): boolean {
    return now - cached.checkedAt < this.#settings.tokenCacheSeconds * 1000
  }

  /** Drops cached sessions of a user whose directory entry changed. */
  forgetUser(userId: UserId): void {
    for (const [digest, entry] of this.#cache)
      if (entry.session.user.id === userId) this.#cache.delete(digest)
  }

  async #load(digest: string): Promise<Session | undefined> {
    const stored = await this.#store.tokens.find(digest)
    if (!stored) return undefined
    const user = await this.#store.users.findById(stored.userId)
    if (!user) return undefined
    return { user, tokenDigest: digest, pool: stored.pool, expiresAt: stored.expiresAt }
  }

  #remember(digest: string, entry: CachedSession): void {
    this.#cache.set(digest, entry)
    if (this.#cache.size > CACHE_MAX_ENTRIES) {
      const oldest = this.#cache.keys().next().value
      if (oldest !== undefined) this.#cache.delete(oldest)
    }
  }

  #decoy(): Promise<string> {
    this.#decoyHash ??= this.#hasher.hash(this.#random.token(16))
    return this.#decoyHash
  }
}

/** Tokens are stored and cached by SHA-256 digest only, so a leaked database yields no tokens. */
export const digestOf = (token: string): string => hash('sha256', token, 'base64url')

/** A session may serve a request to `pool` now: unexpired, from that pool, its user enabled. */
const usable = (session: Session, pool: string, now: number): boolean =>
  session.expiresAt > now && session.pool === pool && session.user.enabled
