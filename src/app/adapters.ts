// The adapters a Parley process works through — the store, the event bus and the platform
// (clock, random ids, password hashing, logging, HTML sanitising) — opened from the config in one
// place, for the server (src/main.ts), every CLI command and the tests: a CLI change lands in the
// store the nodes read and reaches them over the bus they listen on. The PostgreSQL and Redis
// drivers load only when the config names them (a SQLite CLI command stays cheap).
import type { Logger } from 'pino'
import { LocalBus } from '../bus/local/local-bus.ts'
import type { RedisBus } from '../bus/redis/redis-bus.ts'
import type { Config } from '../config/config.ts'
import type { Clock, EventBus, HtmlSanitizer, PasswordHasher, Random } from '../domain/ports.ts'
import type { Readiness } from '../http/routes/health.ts'
import { Argon2PasswordHasher } from '../platform/argon2-password-hasher.ts'
import { SanitizeHtmlSanitizer } from '../platform/html-sanitizer.ts'
import { createLogger } from '../platform/logger.ts'
import { NodeRandom, systemClock } from '../platform/node-random.ts'
import type { KyselyStore } from '../store/kysely/kysely-store.ts'
import { openStore } from '../store/open-store.ts'

export interface AdapterOptions {
  /** Defaults to a pino logger at the config's level on stdout. */
  readonly logger?: Logger
  /** Defaults to the system clock; tests pass a controllable one. */
  readonly clock?: Clock
  /** Defaults to argon2id at OWASP cost. */
  readonly hasher?: PasswordHasher
}

export interface Adapters {
  readonly store: KyselyStore
  /** Wake-ups: the cluster bus when the config names one (every node hears them), else in-process. */
  readonly bus: EventBus
  /** The cluster bus (Redis), when configured: it also carries cache invalidations between nodes. */
  readonly cluster: RedisBus | undefined
  readonly clock: Clock
  readonly random: Random
  readonly hasher: PasswordHasher
  readonly logger: Logger
  readonly sanitizer: HtmlSanitizer
  /** What /health/ready reports: the store must answer; the bus only degrades service. */
  ready(): Promise<Readiness>
  /** Closes the bus, then the store. */
  close(): Promise<void>
}

export async function openAdapters(config: Config, options: AdapterOptions = {}): Promise<Adapters> {
  const logger = options.logger ?? createLogger(config.logging.level)
  const store = await openStore(config.storage, logger)
  const redis = config.bus.redis
  let cluster: RedisBus | undefined
  try {
    if (redis) {
      const { RedisBus } = await import('../bus/redis/redis-bus.ts')
      cluster = new RedisBus(
        {
          url: redis.url,
          channel: redis.channel,
          recheckMs: redis.recheckSeconds * 1000,
          pending: (apps) => store.pendingAmong(apps),
        },
        logger.child({ component: 'bus' }),
      )
      // Resolves even while Redis is down: the bus keeps trying, and the store holds the events.
      await cluster.start()
    }
  } catch (error) {
    await store.close()
    throw error
  }
  return {
    store,
    bus: cluster ?? new LocalBus(),
    cluster,
    clock: options.clock ?? systemClock,
    random: new NodeRandom(),
    hasher: options.hasher ?? new Argon2PasswordHasher(),
    logger,
    sanitizer: new SanitizeHtmlSanitizer(),
    async ready() {
      return {
        required: { store: await store.ping() },
        // The bus carries hints only: without it events are late, not lost — degraded, not down.
        ...(cluster ? { optional: { bus: cluster.healthy } } : {}),
      }
    },
    async close() {
      await cluster?.stop()
      await store.close()
    },
  }
}
