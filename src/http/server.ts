// One Fastify instance per listener, built without listening (tests and main both use it).
// See docs/architecture.md.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Logger } from 'pino'
import type { Listener } from '../config/config.ts'
import { UcwaError } from '../domain/errors.ts'
import type { Topology } from '../domain/topology/topology.ts'
import { registerBodyParsers } from './body-parsers.ts'
import { installCompression } from './compression.ts'
import { installRequestContext } from './context.ts'
import { frameworkError, installErrorHandling } from './errors.ts'
import { type RouteDeps, registerRoutes } from './routes/index.ts'

export interface HttpDeps extends RouteDeps {
  readonly topology: Topology
  readonly logger: Logger
  readonly bodyLimitBytes: number
  readonly trustProxy: string[] | boolean
}

// UCWA revisions Parley serves; clients send X-MS-RequiresMinResourceVersion: 2 (or 2.0).
const MAX_RESOURCE_VERSION = 2

export function buildHttpServer(deps: HttpDeps, listener: Listener): FastifyInstance {
  const options: FastifyServerOptions = {
    loggerInstance: deps.logger.child({ listener: `${listener.kind}:${listener.port}` }),
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: deps.trustProxy,
    // Path segments carry SIP addresses (up to 256 characters) in later resources.
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: 1024,
    },
    frameworkErrors: frameworkError,
    // While closing, requests get a UCWA 503 from the hook below rather than Fastify's own body.
    return503OnClosing: false,
    // Long-polls (the event channel) hold requests open; the socket must outlive them.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    ...(listener.tls ? { https: { cert: listener.tls.cert, key: listener.tls.key } } : {}),
  } as FastifyServerOptions
  const app = Fastify(options) as unknown as FastifyInstance
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
