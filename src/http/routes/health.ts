// Liveness and readiness probes for load balancers and orchestrators. Both name the running
// version (package.json, read once at start), so a rolling upgrade can be watched node by node.
import type { FastifyInstance } from 'fastify'
import pkg from '../../../package.json' with { type: 'json' }

const VERSION: string = pkg.version

export interface Readiness {
  /** Checks that must pass for the node to take traffic (the store). */
  readonly required: Readonly<Record<string, boolean>>
  /** Checks whose failure only degrades service (the cluster bus: events come late, not lost). */
  readonly optional?: Readonly<Record<string, boolean>>
}

export function healthRoutes(app: FastifyInstance, deps: { ready: () => Promise<Readiness> }): void {
  app.get('/health/live', async (_req, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok', version: VERSION }),
  )
  app.get('/health/ready', async (_req, reply) => {
    const { required, optional = {} } = await deps.ready()
    const ok = Object.values(required).every(Boolean)
    const whole = ok && Object.values(optional).every(Boolean)
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({
        status: whole ? 'ok' : ok ? 'degraded' : 'unavailable',
        version: VERSION,
        checks: { ...required, ...optional },
      })
  })
}
