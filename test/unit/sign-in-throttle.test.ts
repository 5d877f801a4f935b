// Throttling of failed password sign-ins: per address, per (user, address) with back-off, and per
// user for addresses that never signed in as that user. Every test passes explicit times.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DEFAULT_THROTTLE,
  SignInThrottle,
  type ThrottleSettings,
  type ThrottleVerdict,
} from '../../src/domain/auth/sign-in-throttle.ts'

const T0 = Date.UTC(2026, 0, 1)
const SEC = 1000

/** Generous limits everywhere; each test tightens the one it is about. */
const LOOSE: ThrottleSettings = {
  addressMaxFailures: 1_000,
  pairFreeFailures: 1_000,
  pairMaxBackoffSeconds: 300,
  userMaxFailures: 1_000,
  windowSeconds: 60,
  trustedAddressDays: 30,
  maxTrackedKeys: 1_000,
}

const throttle = (overrides: Partial<ThrottleSettings>) => new SignInThrottle({ ...LOOSE, ...overrides })

const ALLOWED: ThrottleVerdict = { allowed: true }

function fail(t: SignInThrottle, user: string, address: string, times: number, now: number): void {
  for (let i = 0; i < times; i++) t.recordFailure(user, address, now)
}

describe('SignInThrottle', () => {
  it('allows anything with no history', () => {
    const t = new SignInThrottle()
    assert.deepEqual(t.check('sip:alice@example.test', '192.0.2.1', T0), ALLOWED)
  })

  it('has the documented defaults', () => {
    assert.deepEqual(DEFAULT_THROTTLE, {
      addressMaxFailures: 30,
      pairFreeFailures: 5,
      pairMaxBackoffSeconds: 300,
      userMaxFailures: 50,
      windowSeconds: 900,
      trustedAddressDays: 30,
      maxTrackedKeys: 100_000,
    })
  })

  describe('per address', () => {
    it('refuses an address after addressMaxFailures failures over any users, until its window ends', () => {
      const t = throttle({ addressMaxFailures: 3 })
      t.recordFailure('u1', '192.0.2.1', T0)
      t.recordFailure('u2', '192.0.2.1', T0 + 10 * SEC)
      assert.deepEqual(
        t.check('u3', '192.0.2.1', T0 + 10 * SEC),
        ALLOWED,
        'two failures are within the limit',
      )
      t.recordFailure('u3', '192.0.2.1', T0 + 20 * SEC)

      // The window started with the first failure, so the block ends 60 s after T0.
      assert.deepEqual(t.check('u4', '192.0.2.1', T0 + 20 * SEC), {
        allowed: false,
        scope: 'address',
        retryAfterSeconds: 40,
      })
      assert.deepEqual(t.check('u1', '192.0.2.1', T0 + 59 * SEC), {
        allowed: false,
        scope: 'address',
        retryAfterSeconds: 1,
      })
      // Other addresses are unaffected.
      assert.deepEqual(t.check('u1', '192.0.2.2', T0 + 20 * SEC), ALLOWED)
      // Time-bounded: after the window the address may try again.
      assert.deepEqual(t.check('u4', '192.0.2.1', T0 + 60 * SEC), ALLOWED)
    })

    it('starts counting afresh once a window has passed', () => {
      const t = throttle({ addressMaxFailures: 3 })
      fail(t, 'u', '192.0.2.1', 2, T0)
      // Two more failures, but the first two are in an expired window: not blocked.
      fail(t, 'u', '192.0.2.1', 2, T0 + 61 * SEC)
      assert.deepEqual(t.check('u', '192.0.2.1', T0 + 61 * SEC), ALLOWED)
      t.recordFailure('u', '192.0.2.1', T0 + 62 * SEC)
      const verdict = t.check('u', '192.0.2.1', T0 + 62 * SEC)
      assert.equal(verdict.allowed, false)
    })

    it('keeps refusing a blocked address even when it now uses the right password elsewhere', () => {
      const t = throttle({ addressMaxFailures: 2 })
      fail(t, 'u1', '192.0.2.1', 2, T0)
      t.recordSuccess('u2', '192.0.2.1', T0)
      assert.equal(t.check('u2', '192.0.2.1', T0 + SEC).allowed, false)
    })
  })

  describe('per (user, address) back-off', () => {
    it('allows pairFreeFailures failures, then backs off exponentially: 1, 2, 4, 8 s …', () => {
      const t = throttle({ pairFreeFailures: 3 })
      const user = 'sip:alice@example.test'
      const addr = '198.51.100.7'
      fail(t, user, addr, 2, T0)
      assert.deepEqual(t.check(user, addr, T0), ALLOWED)

      const expected = [1, 2, 4, 8, 16]
      let now = T0
      for (const seconds of expected) {
        t.recordFailure(user, addr, now)
        assert.deepEqual(t.check(user, addr, now), {
          allowed: false,
          scope: 'user',
          retryAfterSeconds: seconds,
        })
        // Still refused just before the back-off ends, allowed right at its end.
        assert.equal(t.check(user, addr, now + seconds * SEC - 1).allowed, false)
        assert.deepEqual(t.check(user, addr, now + seconds * SEC), ALLOWED)
        now += seconds * SEC
      }
    })

    it('caps the back-off at pairMaxBackoffSeconds', () => {
      const t = throttle({
        addressMaxFailures: 10_000,
        userMaxFailures: 10_000,
        pairFreeFailures: 1,
        pairMaxBackoffSeconds: 10,
        windowSeconds: 3600,
      })
      fail(t, 'u', 'a', 50, T0)
      assert.deepEqual(t.check('u', 'a', T0), { allowed: false, scope: 'user', retryAfterSeconds: 10 })
      // Even absurd failure counts stay at the cap (2 ** n overflows to Infinity).
      fail(t, 'u', 'a', 2_000, T0)
      assert.deepEqual(t.check('u', 'a', T0), { allowed: false, scope: 'user', retryAfterSeconds: 10 })
      assert.deepEqual(t.check('u', 'a', T0 + 10 * SEC), ALLOWED)
    })

    it('is per pair: the same user from another address and another user from this address go ahead', () => {
      const t = throttle({ pairFreeFailures: 2 })
      fail(t, 'alice', '192.0.2.1', 5, T0)
      assert.equal(t.check('alice', '192.0.2.1', T0).allowed, false)
      assert.deepEqual(t.check('alice', '192.0.2.2', T0), ALLOWED)
      assert.deepEqual(t.check('bob', '192.0.2.1', T0), ALLOWED)
    })

    it('a success clears the pair back-off', () => {
      const t = throttle({ pairFreeFailures: 1, windowSeconds: 3600 })
      fail(t, 'u', 'a', 6, T0)
      assert.equal(t.check('u', 'a', T0).allowed, false)
      t.recordSuccess('u', 'a', T0 + 40 * SEC)
      assert.deepEqual(t.check('u', 'a', T0 + 40 * SEC), ALLOWED)
      // The next failure starts the free allowance from scratch (1 free failure, then 1 s).
      t.recordFailure('u', 'a', T0 + 41 * SEC)
      assert.deepEqual(t.check('u', 'a', T0 + 41 * SEC), {
        allowed: false,
        scope: 'user',
        retryAfterSeconds: 1,
      })
    })

    it('forgets the failure count once the window has passed and the back-off ended', () => {
      const t = throttle({ pairFreeFailures: 2, windowSeconds: 60 })
      fail(t, 'u', 'a', 6, T0) // back-off 2^4 = 16 s
      assert.deepEqual(t.check('u', 'a', T0), { allowed: false, scope: 'user', retryAfterSeconds: 16 })
      // A new window: one failure is free again.
      t.recordFailure('u', 'a', T0 + 60 * SEC)
      assert.deepEqual(t.check('u', 'a', T0 + 60 * SEC), ALLOWED)
    })

    it('a back-off longer than the window still runs to its end, then ends (no permanent lockout)', () => {
      const t = throttle({ pairFreeFailures: 1, pairMaxBackoffSeconds: 300, windowSeconds: 60 })
      fail(t, 'u', 'a', 20, T0)
      assert.deepEqual(t.check('u', 'a', T0 + 120 * SEC), {
        allowed: false,
        scope: 'user',
        retryAfterSeconds: 180,
      })
      assert.deepEqual(t.check('u', 'a', T0 + 300 * SEC), ALLOWED)
    })
  })

  describe('per user, all addresses', () => {
    const user = 'sip:alice@example.test'
    const home = '203.0.113.10'

    it('blocks strangers but not an address that signed in as that user before', () => {
      const t = throttle({ userMaxFailures: 5 })
      t.recordSuccess(user, home, T0 - 3_600 * SEC)
      // A distributed attack: five addresses, one failure each. The window opens at the first.
      for (let i = 0; i < 5; i++) t.recordFailure(user, `198.51.100.${i}`, T0 + i * SEC)

      assert.deepEqual(t.check(user, '198.51.100.99', T0 + 10 * SEC), {
        allowed: false,
        scope: 'user',
        retryAfterSeconds: 50,
      })
      assert.deepEqual(t.check(user, '198.51.100.0', T0 + 10 * SEC), {
        allowed: false,
        scope: 'user',
        retryAfterSeconds: 50,
      })
      // The user's own device is never locked out by strangers.
      assert.deepEqual(t.check(user, home, T0 + 10 * SEC), ALLOWED)
      // Other users are unaffected.
      assert.deepEqual(t.check('sip:bob@example.test', '198.51.100.99', T0 + 10 * SEC), ALLOWED)
      // Time-bounded: after the window, strangers may try again.
      assert.equal(t.check(user, '198.51.100.99', T0 + 60 * SEC - 1).allowed, false)
      assert.deepEqual(t.check(user, '198.51.100.99', T0 + 60 * SEC), ALLOWED)
    })

    it('counts failures from the trusted address too, but still lets that address in', () => {
      const t = throttle({ userMaxFailures: 3 })
      t.recordSuccess(user, home, T0)
      fail(t, user, home, 3, T0 + SEC)
      assert.deepEqual(t.check(user, home, T0 + 2 * SEC), ALLOWED)
      assert.equal(t.check(user, '198.51.100.1', T0 + 2 * SEC).allowed, false)
    })

    it('trust is per user: an address trusted for alice is a stranger for bob', () => {
      const t = throttle({ userMaxFailures: 2 })
      t.recordSuccess(user, home, T0)
      fail(t, 'sip:bob@example.test', '198.51.100.1', 2, T0)
      assert.equal(t.check('sip:bob@example.test', home, T0 + SEC).allowed, false)
    })

    it('trust expires after trustedAddressDays', () => {
      const t = throttle({ userMaxFailures: 2, trustedAddressDays: 1, windowSeconds: 3_600 })
      const day = 86_400 * SEC
      t.recordSuccess(user, home, T0)
      fail(t, user, '198.51.100.1', 2, T0 + day - 10 * SEC)
      assert.deepEqual(t.check(user, home, T0 + day - SEC), ALLOWED, 'still trusted')
      assert.equal(t.check(user, home, T0 + day).allowed, false, 'trust has lapsed')
    })

    it('a success renews trust', () => {
      const t = throttle({ userMaxFailures: 2, trustedAddressDays: 1, windowSeconds: 3_600 })
      const day = 86_400 * SEC
      t.recordSuccess(user, home, T0)
      t.recordSuccess(user, home, T0 + day / 2)
      fail(t, user, '198.51.100.1', 2, T0 + day)
      assert.deepEqual(t.check(user, home, T0 + day + SEC), ALLOWED)
    })
  })

  describe('retryAfterSeconds', () => {
    it('rounds up to whole seconds and is at least 1', () => {
      const t = throttle({ addressMaxFailures: 1, windowSeconds: 10 })
      t.recordFailure('u', 'a', T0)
      const at = (ms: number) => {
        const v = t.check('u', 'a', T0 + ms)
        assert.equal(v.allowed, false)
        return v.allowed ? 0 : v.retryAfterSeconds
      }
      assert.equal(at(0), 10)
      assert.equal(at(1), 10)
      assert.equal(at(999), 10)
      assert.equal(at(1_000), 9)
      assert.equal(at(1_001), 9)
      assert.equal(at(9_999), 1)
      assert.deepEqual(t.check('u', 'a', T0 + 10_000), ALLOWED)
    })

    it('the address scope wins when both address and pair refuse', () => {
      const t = throttle({ addressMaxFailures: 3, pairFreeFailures: 1 })
      fail(t, 'u', 'a', 3, T0)
      const v = t.check('u', 'a', T0)
      assert.equal(v.allowed, false)
      assert.equal(!v.allowed && v.scope, 'address')
    })
  })

  describe('prune', () => {
    it('keeps live blocks and back-offs', () => {
      const t = throttle({
        addressMaxFailures: 2,
        pairFreeFailures: 1,
        userMaxFailures: 2,
        windowSeconds: 60,
      })
      fail(t, 'u', 'a', 2, T0)
      t.prune(T0 + 30 * SEC)
      assert.deepEqual(t.check('u', 'a', T0 + 30 * SEC), {
        allowed: false,
        scope: 'address',
        retryAfterSeconds: 30,
      })
      assert.equal(t.check('u', 'elsewhere', T0 + 30 * SEC).allowed, false, 'user block survives prune')
    })

    it('keeps a pair whose back-off outlasts its window', () => {
      const t = throttle({ pairFreeFailures: 1, pairMaxBackoffSeconds: 600, windowSeconds: 60 })
      fail(t, 'u', 'a', 10, T0) // 2^9 = 512 s
      t.prune(T0 + 120 * SEC)
      assert.deepEqual(t.check('u', 'a', T0 + 120 * SEC), {
        allowed: false,
        scope: 'user',
        retryAfterSeconds: 392,
      })
    })

    it('drops expired entries, so they cannot push live ones out of a full table', () => {
      // Cap 2. The pair (u, a) is in a long back-off; (v, b) failed once and expired.
      const setup = () => {
        const t = throttle({
          pairFreeFailures: 1,
          pairMaxBackoffSeconds: 600,
          windowSeconds: 60,
          maxTrackedKeys: 2,
        })
        fail(t, 'u', 'a', 10, T0) // blocked until T0 + 512 s
        t.recordFailure('v', 'b', T0 + 10 * SEC) // blocked 1 s, window ends T0 + 70 s
        return t
      }
      const later = T0 + 100 * SEC

      const pruned = setup()
      pruned.prune(later)
      pruned.recordFailure('w', 'c', later)
      assert.equal(pruned.check('u', 'a', later).allowed, false, 'the back-off is still tracked')

      // Without pruning, the expired entry still takes a slot and the oldest (live) one is evicted.
      const unpruned = setup()
      unpruned.recordFailure('w', 'c', later)
      assert.deepEqual(unpruned.check('u', 'a', later), ALLOWED)
    })

    it('drops expired trust', () => {
      const t = throttle({ userMaxFailures: 1, trustedAddressDays: 1, windowSeconds: 60 })
      t.recordSuccess('u', 'home', T0)
      t.prune(T0 + 86_400 * SEC)
      t.recordFailure('u', 'x', T0 + 86_400 * SEC)
      assert.equal(t.check('u', 'home', T0 + 86_400 * SEC).allowed, false)
    })
  })

  describe('maxTrackedKeys', () => {
    it('bounds each table by evicting the oldest key', () => {
      const t = throttle({ addressMaxFailures: 1, maxTrackedKeys: 3 })
      for (const a of ['a1', 'a2', 'a3']) t.recordFailure('u', a, T0)
      for (const a of ['a1', 'a2', 'a3']) assert.equal(t.check('x', a, T0).allowed, false, `${a} is blocked`)
      t.recordFailure('u', 'a4', T0)
      // a1 was the oldest: evicted to make room. The three newest are still tracked.
      assert.deepEqual(t.check('x', 'a1', T0), ALLOWED)
      for (const a of ['a2', 'a3', 'a4']) assert.equal(t.check('x', a, T0).allowed, false, `${a} is blocked`)
    })

    it('does not grow without bound under a spray of distinct keys', () => {
      const cap = 50
      const t = throttle({
        addressMaxFailures: 1,
        pairFreeFailures: 1,
        userMaxFailures: 1,
        maxTrackedKeys: cap,
      })
      for (let i = 0; i < 10_000; i++) t.recordFailure(`user${i}`, `addr${i}`, T0)
      let blockedAddresses = 0
      let blockedUsers = 0
      for (let i = 0; i < 10_000; i++) {
        if (!t.check('nobody', `addr${i}`, T0).allowed) blockedAddresses++
        if (!t.check(`user${i}`, 'nowhere', T0).allowed) blockedUsers++
      }
      assert.equal(blockedAddresses, cap)
      assert.equal(blockedUsers, cap)
      // The survivors are the most recent keys.
      assert.equal(t.check('nobody', 'addr9999', T0).allowed, false)
      assert.deepEqual(t.check('nobody', `addr${10_000 - cap - 1}`, T0), ALLOWED)
    })

    it('bounds trusted addresses too, keeping the most recently used', () => {
      const t = throttle({ userMaxFailures: 1, maxTrackedKeys: 2 })
      t.recordSuccess('u', 'home', T0)
      t.recordSuccess('u', 'office', T0 + SEC)
      t.recordSuccess('u', 'home', T0 + 2 * SEC) // used again: now the newest
      t.recordSuccess('u', 'cafe', T0 + 3 * SEC) // evicts 'office'
      t.recordFailure('u', 'attacker', T0 + 4 * SEC)
      assert.deepEqual(t.check('u', 'home', T0 + 5 * SEC), ALLOWED)
      assert.deepEqual(t.check('u', 'cafe', T0 + 5 * SEC), ALLOWED)
      assert.equal(t.check('u', 'office', T0 + 5 * SEC).allowed, false)
    })
  })
})
