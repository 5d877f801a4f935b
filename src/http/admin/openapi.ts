// The admin API described as OpenAPI 3.1 (JSON Schema 2020-12): @fastify/swagger generates it
// from the admin routes' schemas; it is served at /admin/v1/openapi.json without a token.
// Registered inside the admin plugin, so it sees the admin routes only (never UCWA's).
// test/http/admin-api.test.ts checks every response against it.
import fastifySwagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'

export const ADMIN_PREFIX = '/admin/v1'
export const OPENAPI_PATH = `${ADMIN_PREFIX}/openapi.json`

/** Registers the generator (before the routes it describes) and the document's route. */
export async function openApiDocument(admin: FastifyInstance): Promise<void> {
  await admin.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley admin API',
        version: '1',
        description:
          'Mobility policies, Mcx and push configuration, per-user grants, effective policies, admins and the audit log (docs/policies.md). Served on internal listeners only unless admin.exposeOnExternal is set.',
      },
      servers: [{ url: '/' }],
      security: [{ bearer: [] }],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A WebTicket/OAuth token (cwt=…) of a user with the admin role.',
          },
        },
      },
    },
    convertConstToEnum: false, // (OpenAPI 3.1 has const)
    transformObject: (document) => ({
      ...('openapiObject' in document ? document.openapiObject : {}),
      jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    }),
    // Shared schemas keep their $id as their name under components.schemas.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  })
  let document: string | undefined
  admin.get('/openapi.json', { schema: { hide: true } }, async (_req, reply) => {
    document ??= JSON.stringify(admin.swagger())
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(document)
  })
}
