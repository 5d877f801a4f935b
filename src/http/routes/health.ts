// Liveness and readiness probes for load balancers and orchestrators.
import type { FastifyInstance } from 'fastify'

export interface Readiness {
  /** Checks that must pass for the node to take traffic (the store). */
  readonly required: Readonly<Record<string, boolean>>
  /** Checks whose failure only degrades service (the cluster bus: events come late, not lost). */
  readonly optional?: Readonly<Record<string, boolean>>
}

export function healthRoutes(app: FastifyInstance, deps: { ready: () => Promise<Readiness> }): void {
  app.get('/health/live', async (_req, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  )
  app.get('/health/ready', async (_req, reply) => {
    const { required, optional = {} } = await deps.ready()
    const ok = Object.values(required).every(Boolean)
    const whole = ok && Object.values(optional).every(Boolean)
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: whole ? 'ok' : ok ? 'degraded' : 'unavailable', checks: { ...required, ...optional } })
  })
}
