// The composition root: the only place that builds adapters and services and wires them together.
// `start(config)` is what `parley start` runs and what every HTTP test boots.
// See docs/architecture.md.
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { openAdapters } from './app/adapters.ts'
import { forgetWhatOthersChange, POLICIES_KEY } from './app/invalidation.ts'
import type { Config, Listener } from './config/config.ts'
import { ApplicationService } from './domain/applications/application-service.ts'
import { AuthService } from './domain/auth/auth-service.ts'
import { SignInThrottle } from './domain/auth/sign-in-throttle.ts'
import { AutodiscoverService } from './domain/autodiscover/autodiscover-service.ts'
import { ContactService } from './domain/contacts/contact-service.ts'
import { EventChannel } from './domain/events/event-channel.ts'
import { ConversationLogService } from './domain/messaging/history-service.ts'
import { MessagingService } from './domain/messaging/messaging-service.ts'
import { PolicyService } from './domain/policies/policy-service.ts'
import type { Clock, PasswordHasher, Store } from './domain/ports.ts'
import { PresenceService } from './domain/presence/presence-service.ts'
import { SubscriptionService } from './domain/presence/subscription-service.ts'
import type { AccessLocation } from './domain/topology/topology.ts'
import { type ProvisionedUser, provisionUsers } from './domain/users/provision.ts'
import { UserService } from './domain/users/user-service.ts'
import { buildHttpServer, listen } from './http/server.ts'
import { Argon2PasswordHasher } from './platform/argon2-password-hasher.ts'
import { SanitizeHtmlSanitizer } from './platform/html-sanitizer.ts'
import { createLogger } from './platform/logger.ts'
import { NodeRandom, systemClock } from './platform/node-random.ts'
import { leaderLease, SOLE_NODE } from './store/postgres/leader-lease.ts'

export interface StartOptions {
  /** Defaults to a pino logger at the config's level on stdout. */
  readonly logger?: Logger
  /** Defaults to the system clock; tests pass a controllable one. */
  readonly clock?: Clock
  /** Defaults to argon2id at OWASP cost. */
  readonly hasher?: PasswordHasher
}

export interface BoundListener {
  readonly kind: Listener['kind']
  /** Where the listener is reachable, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly port: number
}

export interface RunningServer {
  readonly listeners: readonly BoundListener[]
  /** URL of the first internal or external listener. */
  readonly url: string
  readonly store: Store
  readonly users: UserService
  readonly auth: AuthService
  readonly applications: ApplicationService
  readonly presence: PresenceService
  readonly subscriptions: SubscriptionService
  readonly contacts: ContactService
  readonly messaging: MessagingService
  /** Missed conversations and conversation history (the messaging observer). */
  readonly conversationLogs: ConversationLogService
  readonly channel: EventChannel
  readonly policies: PolicyService
  /** Users the config created at this start (with generated passwords, shown once). */
  readonly createdUsers: readonly ProvisionedUser[]
  stop(): Promise<void>
}

const MAINTENANCE_INTERVAL_MS = 60_000
const PRESENCE_TICK_MS = 5_000

export async function start(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logging.level)
  const clock = options.clock ?? systemClock
  const random = new NodeRandom()
  const hasher = options.hasher ?? new Argon2PasswordHasher()
  const { topology } = config

  const { store, bus, cluster: clusterBus } = await openAdapters(config, { logger })
  const throttle = new SignInThrottle(config.throttle)
  const channel = new EventChannel({ store, bus, clock, settings: config.events })
  // Policy changes can rewrite applications (modalities a policy no longer allows): this node's
  // application cache and the users' presence follow.
  const policies = new PolicyService({
    store,
    channel,
    clock,
    topology,
    // Admin API changes: the other nodes re-read the policies at once, as for a CLI change.
    changed: () => clusterBus?.invalidate([POLICIES_KEY]),
    applicationsChanged: async (changed) => {
      for (const { app } of changed) applications.remember(app)
      for (const user of new Map(changed.map(({ user }) => [user.id, user])).values()) {
        await presence.refresh(user)
      }
    },
  })
  await policies.refresh()
  const applications = new ApplicationService({
    store,
    clock,
    random,
    channel,
    settings: config.applications,
    admit: (user, pool, kind, access) => policies.admit(user, pool, kind, access),
    announce: (ids) => clusterBus?.invalidate(ids.map((id) => `app:${id}`)),
    leaving: (user, app) => messaging.endpointGone(user, app),
    gone: async (user) => {
      await presence.refresh(user)
    },
  })
  const auth = new AuthService({ store, hasher, random, clock, topology, throttle, settings: config.auth })
  const presence = new PresenceService({ store, channel, clock, applications })
  const subscriptions = new SubscriptionService({ store, channel, clock, random, presence })
  const contacts = new ContactService({ store, channel, clock, random, presence })
  // The history service watches messaging (missed conversations, logs); AllowSaveIMHistory of
  // the user's effective mobility policy decides whether their conversations are kept.
  const conversationLogs = new ConversationLogService({
    store,
    channel,
    clock,
    random,
    settings: { retentionDays: config.messaging.historyRetentionDays },
    saveHistory: (user) => policies.cachedMobilityOf(user).AllowSaveIMHistory === true,
  })
  const messaging = new MessagingService({
    store,
    channel,
    clock,
    random,
    sanitizer: new SanitizeHtmlSanitizer(),
    observer: conversationLogs,
    settings: config.messaging,
  })
  const users = new UserService({
    store,
    hasher,
    clock,
    random,
    topology,
    revokeSessions: async (user) => {
      await auth.revokeUser(user.id)
      applications.forgetUser(user.id)
      clusterBus?.invalidate([`user:${user.id}`])
    },
    userChanged: async (user, previous) => {
      auth.forgetUser(user.id)
      clusterBus?.invalidate([`user:${user.id}`])
      if (user.outOfOfficeNote !== previous.outOfOfficeNote) await presence.refresh(user, undefined, previous)
    },
  })
  // Other nodes and CLI commands changed what this node may have cached (src/app/invalidation.ts).
  if (clusterBus) {
    forgetWhatOthersChange(clusterBus, { applications, auth, policies }, (error) =>
      logger.error({ err: error }, 'policy refresh failed'),
    )
  }
  const autodiscover = new AutodiscoverService(topology)
  const createdUsers = await provisionUsers(users, config.users, random)

  const servers: FastifyInstance[] = []
  const bound: BoundListener[] = []
  const stopServers = () => Promise.allSettled(servers.map((s) => s.close()))
  try {
    for (const listener of config.listeners) {
      const server = buildHttpServer(
        {
          topology,
          logger,
          auth,
          autodiscover,
          applications,
          presence,
          subscriptions,
          contacts,
          messaging,
          conversationLogs,
          policies,
          adminOnExternal: config.admin.exposeOnExternal,
          channel,
          events: config.events,
          bodyLimitBytes: config.http.bodyLimitBytes,
          trustProxy: config.http.trustProxy,
          ready: async () => ({
            required: { store: await store.ping() },
            // The bus carries hints only: without it events are late, not lost — degraded, not down.
            ...(clusterBus ? { optional: { bus: clusterBus.healthy } } : {}),
          }),
        },
        listener,
      )
      servers.push(server)
      const port = await listen(server, listener.address, listener.port)
      const scheme = listener.tls ? 'https' : 'http'
      const host = listener.address.includes(':') ? `[${listener.address}]` : listener.address
      bound.push({ kind: listener.kind, port, url: `${scheme}://${host}:${port}` })
      publishEndpoint(topology, listener, scheme, port)
    }
  } catch (error) {
    await stopServers()
    await clusterBus?.stop()
    await store.close()
    throw error
  }

  // In a cluster one node at a time runs the periodic jobs (leader-lease.ts).
  const leader = config.storage.postgres ? leaderLease(config.storage.postgres.url, logger) : SOLE_NODE
  const asLeader = (work: () => Promise<unknown>) => async () => ((await leader.held()) ? work() : undefined)
  const maintenance = setInterval(() => {
    const now = clock.now()
    throttle.prune(now)
    asLeader(() =>
      Promise.all([
        applications.sweep(),
        store.tokens.deleteExpired(now),
        // Logs first: a conversation whose last log just went can go in the same round.
        conversationLogs.purge().then(() => messaging.purgeEnded()),
      ]),
    )().catch((error: unknown) => logger.error({ err: error }, 'maintenance failed'))
  }, MAINTENANCE_INTERVAL_MS)
  maintenance.unref()
  // Presence changes with time alone (idle endpoints, expired applications): look every few seconds.
  const presenceTimer = setInterval(() => {
    channel.forgetUnused()
    Promise.all([
      asLeader(() =>
        Promise.all([
          presence.tick(),
          subscriptions.tick(),
          messaging.expireInvitations(),
          messaging.dropExpiredEndpoints(),
        ]),
      )(),
      // Every node: its copy of the policies (and, above, its memory of the queues).
      policies.refresh(),
    ]).catch((error: unknown) => logger.error({ err: error }, 'presence tick failed'))
  }, PRESENCE_TICK_MS)
  presenceTimer.unref()

  let stopping: Promise<void> | undefined
  const web = bound.find((l) => l.kind !== 'autodiscover-http') ?? bound[0]
  return {
    listeners: bound,
    url: web?.url ?? '',
    store,
    users,
    auth,
    applications,
    presence,
    subscriptions,
    contacts,
    messaging,
    conversationLogs,
    channel,
    policies,
    createdUsers,
    stop() {
      stopping ??= (async () => {
        clearInterval(maintenance)
        clearInterval(presenceTimer)
        // Parked P-GETs answer at once and their clients ask again (elsewhere, or after restart).
        channel.shutdown()
        await stopServers()
        await clusterBus?.stop()
        await leader.close()
        await store.close()
      })()
      return stopping
    },
  }
}

// The first listener of each access location decides how clients reach it, unless it names a
// public scheme and port (a reverse proxy in front).
function publishEndpoint(
  topology: Config['topology'],
  listener: Listener,
  scheme: 'http' | 'https',
  port: number,
): void {
  if (listener.kind === 'autodiscover-http') return
  const access: AccessLocation = listener.kind === 'internal' ? 'Internal' : 'External'
  if (topology.hasPublicEndpoint(access)) return
  topology.setPublicEndpoint(access, listener.public ?? { scheme, port })
}
