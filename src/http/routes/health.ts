// Liveness and readiness probes for load balancers and orchestrators.
import type { FastifyInstance } from 'fastify'

export function healthRoutes(
  app: FastifyInstance,
  deps: { ready: () => Promise<Record<string, boolean>> },
): void {
  app.get('/health/live', async (_req, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  )
  app.get('/health/ready', async (_req, reply) => {
    const checks = await deps.ready()
    const ok = Object.values(checks).every(Boolean)
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ok ? 'ok' : 'unavailable', checks })
  })
}
