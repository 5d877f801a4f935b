// Every service of a Parley process, built once on the adapters into one typed record: the server
// (src/main.ts) hands it to HTTP, the CLI runs its commands on it, the tests reach into it. The
// dependency lists of the HTTP layer (RouteDeps, UcwaDeps) and RunningServer are picked from
// `Services`, never written out again. See docs/architecture.md.
import type { Config } from '../config/config.ts'
import { ApplicationService } from '../domain/applications/application-service.ts'
import { AuthService } from '../domain/auth/auth-service.ts'
import { SignInThrottle } from '../domain/auth/sign-in-throttle.ts'
import { AutodiscoverService } from '../domain/autodiscover/autodiscover-service.ts'
import { ContactService } from '../domain/contacts/contact-service.ts'
import { ConversationService } from '../domain/conversations/conversation-service.ts'
import { EventChannel } from '../domain/events/event-channel.ts'
import { ConversationLogService } from '../domain/history/history-service.ts'
import { MessagingService } from '../domain/messaging/messaging-service.ts'
import { PolicyService } from '../domain/policies/policy-service.ts'
import type { Store } from '../domain/ports.ts'
import { PresenceService } from '../domain/presence/presence-service.ts'
import { SubscriptionService } from '../domain/presence/subscription-service.ts'
import { UserService } from '../domain/users/user-service.ts'
import { createLogger } from '../platform/logger.ts'
import { type Adapters, openAdapters } from './adapters.ts'
import { connectHooks, hearOtherProcesses } from './hooks.ts'

export interface Services {
  readonly store: Store
  /** Each application's event queue and its parked P-GET. */
  readonly channel: EventChannel
  /** Failed sign-ins per account and per address (this node's memory). */
  readonly throttle: SignInThrottle
  readonly auth: AuthService
  readonly autodiscover: AutodiscoverService
  readonly policies: PolicyService
  readonly applications: ApplicationService
  readonly presence: PresenceService
  readonly subscriptions: SubscriptionService
  readonly contacts: ContactService
  /** Missed conversations and conversation history (the conversation and messaging observer). */
  readonly conversationLogs: ConversationLogService
  /** Conversations, whatever their modality: invitations, participants, leaving. */
  readonly conversations: ConversationService
  /** The messaging modality: messages and typing. */
  readonly messaging: MessagingService
  readonly users: UserService
}

export interface BuildOptions {
  /**
   * A server: loads the policies now and hears what other processes change (invalidation.ts).
   * A CLI command does neither: it changes things and exits.
   */
  readonly serving?: boolean
}

export async function buildServices(
  config: Config,
  adapters: Adapters,
  options: BuildOptions = {},
): Promise<Services> {
  const { store, bus, clock, random, hasher, sanitizer } = adapters
  const { topology } = config
  let built: Services | undefined
  const hooks = connectHooks(() => {
    if (!built) throw new Error('a domain hook ran while the services were being built')
    return built
  }, adapters)
  const channel = new EventChannel({ store, bus, clock, settings: config.events })
  const policies = new PolicyService({ store, channel, clock, topology, hooks: hooks.policies })
  const applications = new ApplicationService({
    store,
    clock,
    random,
    channel,
    settings: config.applications,
    policies,
    hooks: hooks.applications,
  })
  const presence = new PresenceService({ store, channel, clock, applications, policies })
  const throttle = new SignInThrottle(config.throttle)
  const conversationLogs = new ConversationLogService({
    store,
    channel,
    clock,
    random,
    settings: { retentionDays: config.messaging.historyRetentionDays },
    saveHistory: hooks.saveHistory,
  })
  const messaging = new MessagingService({
    store,
    channel,
    clock,
    sanitizer,
    observer: conversationLogs,
    settings: config.messaging,
  })
  built = {
    store,
    channel,
    throttle,
    auth: new AuthService({ store, hasher, random, clock, topology, throttle, settings: config.auth }),
    autodiscover: new AutodiscoverService(topology),
    policies,
    applications,
    presence,
    subscriptions: new SubscriptionService({ store, channel, clock, random, presence }),
    contacts: new ContactService({ store, channel, clock, random, presence }),
    conversationLogs,
    conversations: new ConversationService({
      store,
      channel,
      clock,
      random,
      modalities: { messaging: messaging.modality },
      observer: conversationLogs,
      settings: config.messaging,
    }),
    messaging,
    users: new UserService({
      store,
      hasher,
      clock,
      random,
      topology,
      channel,
      applications,
      hooks: hooks.users,
    }),
  }
  if (options.serving) {
    await policies.refresh()
    hearOtherProcesses(built, adapters)
  }
  return built
}

/**
 * What a CLI command works through: the configured adapters and the services on them, closed
 * once `work` is done. A command serves no clients, so nothing it caches matters; what it changes
 * reaches the running nodes through the store they read, the bus their parked P-GETs listen on,
 * and — for what the nodes keep in memory — the cluster bus's invalidations (invalidation.ts).
 * Without a cluster bus (one SQLite node) the server's copies age out within 5 seconds instead.
 */
export async function withServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  const adapters = await openAdapters(config, { logger: createLogger('silent') })
  try {
    return await work(await buildServices(config, adapters))
  } finally {
    await adapters.close()
  }
}
