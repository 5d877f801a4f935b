// One Fastify instance per listener, built without listening (tests and main both use it).
// See docs/architecture.md.
import { lookup } from 'node:dns/promises'
import {
  createServer as createHttpServer,
  type RequestListener,
  type Server,
  type ServerOptions,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, isIP } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Logger } from 'pino'
import type { Listener } from '../config/config.ts'
import { UcwaError } from '../domain/errors.ts'
import type { Topology } from '../domain/topology/topology.ts'
import { registerBodyParsers } from './body-parsers.ts'
import { CanonicalResponse } from './canonical-headers.ts'
import { clientErrorHandler, connectRefusal } from './client-errors.ts'
import { installCompression } from './compression.ts'
import { installRequestContext } from './context.ts'
import { frameworkError, installErrorHandling } from './errors.ts'
import { LIMITS } from './limits.ts'
import { type RouteDeps, registerRoutes } from './routes/index.ts'

export interface HttpDeps extends RouteDeps {
  readonly topology: Topology
  readonly logger: Logger
  readonly bodyLimitBytes: number
  readonly trustProxy: string[] | boolean
}

// UCWA revisions Parley serves; clients send X-MS-RequiresMinResourceVersion: 2 (or 2.0).
const MAX_RESOURCE_VERSION = 2

/**
 * The listener's Node server, made here rather than by Fastify so that every listener (http and
 * https) writes IIS-cased header names, answers CONNECT, and bounds how long a request may take
 * to arrive. Request timeouts cover receiving a request only: once a P-GET has arrived it may be
 * parked for as long as the event channel holds it.
 */
function nodeServer(listener: Listener, log: Logger, handler: RequestListener) {
  const { headersTimeoutSeconds, requestTimeoutSeconds, keepAliveTimeoutSeconds } = listener.timeouts
  const headersTimeout = headersTimeoutSeconds * 1000
  const options: ServerOptions = {
    ServerResponse: CanonicalResponse,
    headersTimeout,
    requestTimeout: requestTimeoutSeconds * 1000,
    keepAliveTimeout: keepAliveTimeoutSeconds * 1000,
    // Node checks for expired requests this often (30 s by default, far coarser than the timeouts).
    connectionsCheckingInterval: Math.min(1000, headersTimeout / 2),
    // A request without Host gets a UCWA 400 from the onRequest hook, not Node's bare one.
    requireHostHeader: false,
  }
  const server = listener.tls
    ? createHttpsServer({ ...options, cert: listener.tls.cert, key: listener.tls.key }, handler)
    : createHttpServer(options, handler)
  server.on('connect', connectRefusal(log))
  return server
}

/** Further Node servers for the same listener, and those bound (see listen()). */
interface Twins {
  readonly make: () => Server
  readonly bound: Server[]
}
const twinsOf = new WeakMap<FastifyInstance, Twins>()

export function buildHttpServer(deps: HttpDeps, listener: Listener): FastifyInstance {
  const log = deps.logger.child({ listener: `${listener.kind}:${listener.port}` })
  let handler: RequestListener | undefined
  const options: FastifyServerOptions = {
    loggerInstance: log,
    serverFactory: (fastifyHandler: RequestListener) => {
      handler = fastifyHandler
      return nodeServer(listener, log, fastifyHandler)
    },
    clientErrorHandler,
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: deps.trustProxy,
    // Path segments carry SIP addresses (up to 256 characters) in later resources.
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: LIMITS.pathSegment,
    },
    frameworkErrors: frameworkError,
    // While closing, requests get a UCWA 503 from the hook below rather than Fastify's own body.
    return503OnClosing: false,
    // Only for the scheme in Fastify's own log lines: nodeServer() makes the TLS server.
    ...(listener.tls ? { https: true } : {}),
  } as FastifyServerOptions
  const app = Fastify(options) as unknown as FastifyInstance
  const twins: Twins = { make: () => nodeServer(listener, log, handler as RequestListener), bound: [] }
  twinsOf.set(app, twins)
  app.addHook('onClose', async () => {
    await Promise.all(
      twins.bound.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve())
            server.closeIdleConnections()
          }),
      ),
    )
  })
  installRequestContext(app, deps.topology, listener.kind)
  installErrorHandling(app)
  registerBodyParsers(app)
  installCompression(app)
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', (req, reply, done) => {
    if (closing) {
      reply.header('connection', 'close')
      done(
        new UcwaError('ServiceUnavailable', {
          message: 'The server is shutting down; retry.',
          retryAfterSeconds: 5,
        }),
      )
      return
    }
    if (req.headers.host === undefined && req.raw.httpVersion === '1.1') {
      done(new UcwaError('BadRequest', { message: 'An HTTP/1.1 request must carry a Host header.' }))
      return
    }
    const wanted = req.headers['x-ms-requiresminresourceversion']
    if (typeof wanted === 'string' && Number.parseFloat(wanted) > MAX_RESOURCE_VERSION) {
      done(new UcwaError('APIVersionNotSupported'))
      return
    }
    done()
  })
  registerRoutes(app, deps, listener.kind)
  return app
}

/**
 * Listens on `host`: an address, or a name bound on every address it resolves to (`localhost`:
 * 127.0.0.1 and ::1 where both exist), as Fastify does when it makes the Node servers itself —
 * nodeServer() makes them here. An address the machine cannot bind (no IPv6) is skipped, as
 * Fastify skips it. Returns the port bound.
 */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port })
  const { address: first, port: bound } = app.server.address() as AddressInfo
  const twins = twinsOf.get(app)
  if (!twins || isIP(host) !== 0) return bound
  for (const { address } of await lookup(host, { all: true })) {
    if (address === first) continue
    const server = twins.make()
    await new Promise<void>((resolve) => {
      server.once('error', () => resolve())
      server.listen(bound, address, () => resolve())
    })
    if (server.listening) twins.bound.push(server)
  }
  return bound
}
