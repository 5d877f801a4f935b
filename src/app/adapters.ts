// The adapters a Parley process works through — the store and the event bus — opened from the
// config in one place, for the server (src/main.ts), every CLI command and the tests: a CLI
// change lands in the store the nodes read and reaches them over the bus they listen on.
// The PostgreSQL and Redis drivers load only when the config names them (a SQLite CLI command
// stays cheap).
import type { Logger } from 'pino'
import { LocalBus } from '../bus/local/local-bus.ts'
import type { RedisBus } from '../bus/redis/redis-bus.ts'
import type { Config } from '../config/config.ts'
import type { EventBus } from '../domain/ports.ts'
import type { KyselyStore } from '../store/kysely/kysely-store.ts'
import { openStore } from '../store/open-store.ts'

export interface Adapters {
  readonly store: KyselyStore
  /** Wake-ups: the cluster bus when the config names one (every node hears them), else in-process. */
  readonly bus: EventBus
  /** The cluster bus (Redis), when configured: it also carries cache invalidations between nodes. */
  readonly cluster: RedisBus | undefined
  /** Closes the bus, then the store. */
  close(): Promise<void>
}

export async function openAdapters(config: Config, options: { logger?: Logger } = {}): Promise<Adapters> {
  const { logger } = options
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
        logger?.child({ component: 'bus' }),
      )
      // Resolves even while Redis is down: the bus keeps trying, and the store holds the events.
      await cluster.start()
    }
  } catch (error) {
    await store.close()
    throw error
  }
  const bus = cluster ?? new LocalBus()
  return {
    store,
    bus,
    cluster,
    async close() {
      await cluster?.stop()
      await store.close()
    },
  }
}
