// Throttling of failed password sign-ins. See docs/security.md for the reasoning.
//
// Three counters, each in a fixed window:
//  - per source address: stops one host from spraying passwords over many accounts;
//  - per (user, address) pair: exponential back-off after a few failures, so guessing one
//    account from one host is slow;
//  - per user over all addresses: a distributed attack on one account. It blocks only
//    addresses that never signed in as that user successfully, so an attacker can delay a
//    user's sign-in from new places for one window at most, and never from the user's own
//    devices (no permanent lockout, no denial of service against a known user).

export interface ThrottleSettings {
  /** Failures allowed from one address in `windowSeconds` before it is refused. */
  readonly addressMaxFailures: number
  /** Failures for one user from one address before back-off starts. */
  readonly pairFreeFailures: number
  /** Longest back-off for one (user, address) pair. */
  readonly pairMaxBackoffSeconds: number
  /** Failures for one user, all addresses together, before untrusted addresses are refused. */
  readonly userMaxFailures: number
  readonly windowSeconds: number
  /** How long a successful sign-in makes its address trusted for that user. */
  readonly trustedAddressDays: number
  /** Cap on tracked keys, so an attacker cannot grow memory without bound. */
  readonly maxTrackedKeys: number
}

export const DEFAULT_THROTTLE: ThrottleSettings = {
  addressMaxFailures: 30,
  pairFreeFailures: 5,
  pairMaxBackoffSeconds: 300,
  userMaxFailures: 50,
  windowSeconds: 900,
  trustedAddressDays: 30,
  maxTrackedKeys: 100_000,
}

interface Counter {
  count: number
  windowStart: number
  blockedUntil: number
}

export type ThrottleVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly scope: 'address' | 'user'; readonly retryAfterSeconds: number }

export class SignInThrottle {
  readonly #settings: ThrottleSettings
  readonly #byAddress = new Map<string, Counter>()
  readonly #byPair = new Map<string, Counter>()
  readonly #byUser = new Map<string, Counter>()
  /** `${user}\n${address}` → trusted until (ms). */
  readonly #trusted = new Map<string, number>()

  constructor(settings: ThrottleSettings = DEFAULT_THROTTLE) {
    this.#settings = settings
  }

  /** Whether a sign-in attempt may go ahead; call before checking the password. */
  check(user: string, address: string, now: number): ThrottleVerdict {
    const address_ = this.#live(this.#byAddress, address, now)
    if (address_ && address_.blockedUntil > now) return this.#refuse('address', address_.blockedUntil, now)
    const pair = this.#live(this.#byPair, pairKey(user, address), now)
    if (pair && pair.blockedUntil > now) return this.#refuse('user', pair.blockedUntil, now)
    const all = this.#live(this.#byUser, user, now)
    if (all && all.blockedUntil > now && !this.#isTrusted(user, address, now)) {
      return this.#refuse('user', all.blockedUntil, now)
    }
    return { allowed: true }
  }

  recordFailure(user: string, address: string, now: number): void {
    const s = this.#settings
    const windowMs = s.windowSeconds * 1000
    const a = this.#bump(this.#byAddress, address, now)
    if (a.count >= s.addressMaxFailures) a.blockedUntil = a.windowStart + windowMs
    const p = this.#bump(this.#byPair, pairKey(user, address), now)
    if (p.count >= s.pairFreeFailures) {
      const backoff = Math.min(2 ** (p.count - s.pairFreeFailures), s.pairMaxBackoffSeconds)
      p.blockedUntil = now + backoff * 1000
    }
    const u = this.#bump(this.#byUser, user, now)
    if (u.count >= s.userMaxFailures) u.blockedUntil = u.windowStart + windowMs
  }

  recordSuccess(user: string, address: string, now: number): void {
    const key = pairKey(user, address)
    this.#byPair.delete(key)
    this.#trusted.delete(key) // re-insert so the trim below keeps recently used entries
    this.#trusted.set(key, now + this.#settings.trustedAddressDays * 86_400_000)
    this.#trim(this.#trusted)
  }

  /** Drops expired entries; call now and then (the server does so once a minute). */
  prune(now: number): void {
    const windowMs = this.#settings.windowSeconds * 1000
    for (const map of [this.#byAddress, this.#byPair, this.#byUser]) {
      for (const [key, c] of map)
        if (now - c.windowStart >= windowMs && c.blockedUntil <= now) map.delete(key)
    }
    for (const [key, until] of this.#trusted) if (until <= now) this.#trusted.delete(key)
  }

  #isTrusted(user: string, address: string, now: number): boolean {
    return (this.#trusted.get(pairKey(user, address)) ?? 0) > now
  }

  #refuse(scope: 'address' | 'user', until: number, now: number): ThrottleVerdict {
    return { allowed: false, scope, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) }
  }

  /** The counter for `key` if its window is still open (or it is still blocking). */
  #live(map: Map<string, Counter>, key: string, now: number): Counter | undefined {
    const c = map.get(key)
    if (!c) return undefined
    if (now - c.windowStart >= this.#settings.windowSeconds * 1000 && c.blockedUntil <= now) {
      map.delete(key)
      return undefined
    }
    return c
  }

  #bump(map: Map<string, Counter>, key: string, now: number): Counter {
    let c = this.#live(map, key, now)
    if (!c) {
      c = { count: 0, windowStart: now, blockedUntil: 0 }
      map.set(key, c)
      this.#trim(map)
    }
    c.count += 1
    return c
  }

  #trim(map: Map<string, unknown>): void {
    // Maps iterate in insertion order: the first key is the oldest.
    while (map.size > this.#settings.maxTrackedKeys) {
      const oldest = map.keys().next().value
      if (oldest === undefined) break
      map.delete(oldest)
    }
  }
}

const pairKey = (user: string, address: string): string => `${user}\n${address}`
