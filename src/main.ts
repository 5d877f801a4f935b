// The server: the adapters, the services and their periodic jobs from src/app/, one Fastify
// instance per configured listener, and stop(). `start(config)` is what `parley start` runs and
// what every HTTP test boots. See docs/architecture.md.
import type { FastifyInstance } from 'fastify'
import { type AdapterOptions, openAdapters } from './app/adapters.ts'
import { jobsOf, leadershipOf, startJobs } from './app/jobs.ts'
import { buildServices, type Services } from './app/services.ts'
import type { Config, Listener } from './config/config.ts'
import type { AccessLocation } from './domain/topology/topology.ts'
import { type ProvisionedUser, provisionUsers } from './domain/users/provision.ts'
import { buildHttpServer, listen } from './http/server.ts'

export interface StartOptions extends AdapterOptions {
  /** False: no periodic job runs by itself; the caller runs them with `runJobs` (tests). */
  readonly timers?: boolean
}

export interface BoundListener {
  readonly kind: Listener['kind']
  /** Where the listener is reachable, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly port: number
}

export interface RunningServer extends Services {
  readonly listeners: readonly BoundListener[]
  /** URL of the first internal or external listener. */
  readonly url: string
  /** Users the config created at this start (with generated passwords, shown once). */
  readonly createdUsers: readonly ProvisionedUser[]
  /** Runs the named periodic jobs (all when none are named) once, now (src/app/jobs.ts). */
  runJobs(names?: readonly string[]): Promise<void>
  stop(): Promise<void>
}

export async function start(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const adapters = await openAdapters(config, options)
  const { topology } = config
  const servers: FastifyInstance[] = []
  const bound: BoundListener[] = []
  const stopServers = () => Promise.allSettled(servers.map((s) => s.close()))
  let services: Services
  let createdUsers: ProvisionedUser[]
  try {
    services = await buildServices(config, adapters, { serving: true })
    createdUsers = await provisionUsers(services.users, config.users, adapters.random)
    for (const listener of config.listeners) {
      const server = buildHttpServer(
        {
          ...services,
          topology,
          logger: adapters.logger,
          adminOnExternal: config.admin.exposeOnExternal,
          events: config.events,
          bodyLimitBytes: config.http.bodyLimitBytes,
          trustProxy: config.http.trustProxy,
          ready: adapters.ready,
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
    await adapters.close()
    throw error
  }

  const jobs = startJobs(jobsOf(services, adapters.clock), {
    leader: leadershipOf(config, adapters.logger),
    logger: adapters.logger,
    timers: options.timers ?? true,
  })
  let stopping: Promise<void> | undefined
  const web = bound.find((l) => l.kind !== 'autodiscover-http') ?? bound[0]
  return {
    ...services,
    listeners: bound,
    url: web?.url ?? '',
    createdUsers,
    runJobs: (names) => jobs.run(names),
    stop() {
      stopping ??= (async () => {
        const jobsStopped = jobs.stop() // the timers stop at once; the lease goes meanwhile
        // Parked P-GETs answer at once and their clients ask again (elsewhere, or after restart).
        services.channel.shutdown()
        await stopServers()
        await jobsStopped
        await adapters.close()
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
