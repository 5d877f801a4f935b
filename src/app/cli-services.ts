// The services a CLI command works through, built on the shared adapters (adapters.ts). A command
// serves no clients, so it keeps no caches of its own; what it changes reaches the running nodes
// through the store they read, the bus their parked P-GETs listen on, and — for what the nodes
// keep in memory — the cluster bus's invalidations (invalidation.ts). Without a cluster bus (one
// SQLite node) the server's copies age out within 5 seconds instead.
import type { Config } from '../config/config.ts'
import { AuthService } from '../domain/auth/auth-service.ts'
import { SignInThrottle } from '../domain/auth/sign-in-throttle.ts'
import { EventChannel } from '../domain/events/event-channel.ts'
import { PolicyService } from '../domain/policies/policy-service.ts'
import { UserService } from '../domain/users/user-service.ts'
import type { User } from '../domain/users/user-types.ts'
import { Argon2PasswordHasher } from '../platform/argon2-password-hasher.ts'
import { NodeRandom, systemClock } from '../platform/node-random.ts'
import type { Adapters } from './adapters.ts'
import { POLICIES_KEY, userKey } from './invalidation.ts'

export function cliUserService(config: Config, adapters: Adapters): UserService {
  const { store, cluster } = adapters
  const hasher = new Argon2PasswordHasher()
  const random = new NodeRandom()
  const auth = new AuthService({
    store,
    hasher,
    random,
    clock: systemClock,
    topology: config.topology,
    throttle: new SignInThrottle(config.throttle),
    settings: config.auth,
  })
  const tellNodes = (user: User) => cluster?.invalidate([userKey(user.id)])
  return new UserService({
    store,
    hasher,
    clock: systemClock,
    random,
    topology: config.topology,
    revokeSessions: async (user) => {
      await auth.revokeUser(user.id)
      tellNodes(user)
    },
    userChanged: async (user) => {
      tellNodes(user)
    },
  })
}

export function cliPolicyService(config: Config, adapters: Adapters): PolicyService {
  const { store, bus, cluster } = adapters
  // The events a change causes are committed to the store and published on the bus: with the
  // cluster bus every node's parked P-GETs wake at once, as for a change made through the admin API.
  const channel = new EventChannel({ store, bus, clock: systemClock, settings: config.events })
  return new PolicyService({
    store,
    channel,
    clock: systemClock,
    topology: config.topology,
    // Every node re-reads the policies at once (without a cluster bus: within 5 seconds).
    changed: () => cluster?.invalidate([POLICIES_KEY]),
  })
}
