// The admin REST API (docs/policies.md): the policy CLI verbs over HTTP for users with the admin
// role. Each route declares its TypeBox schema: Fastify checks requests with it
// (admin-validation.ts) and @fastify/swagger makes the OpenAPI document from it (openapi.ts).
// JSON in and out; errors are `{code, subcode?, message, parameters?}` (admin-errors.ts).
// Registered on internal listeners only unless admin.exposeOnExternal.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify'
import Type from 'typebox'
import { UcwaError } from '../../domain/errors.ts'
import { KINDS, POLICY_KINDS, type PolicyKind } from '../../domain/policies/kinds.ts'
import type { PolicyService, PolicyView } from '../../domain/policies/policy-service.ts'
import type { AuditEntry } from '../../domain/policies/policy-types.ts'
import type { Authenticate } from '../routes/authenticate.ts'
import { sendAdminError } from './admin-errors.ts'
import { ref, SHARED_SCHEMAS, schemaName, settingsInput } from './admin-schemas.ts'
import { adminValidatorCompiler } from './admin-validation.ts'
import { ADMIN_PREFIX, OPENAPI_PATH, openApiDocument } from './openapi.ts'

export interface AdminDeps {
  readonly policies: PolicyService
  readonly authenticate: Authenticate
}

type Admin = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>

export function adminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.register(
    async (scope) => {
      const admin = scope.withTypeProvider<TypeBoxTypeProvider>()
      admin.setValidatorCompiler(adminValidatorCompiler)
      // Responses are described, not filtered: sent as JSON.stringify makes them.
      admin.setSerializerCompiler(() => (data) => JSON.stringify(data))
      admin.setErrorHandler((error: FastifyError | Error, req, reply) => sendAdminError(req, reply, error))
      for (const schema of SHARED_SCHEMAS) admin.addSchema(schema)
      await openApiDocument(admin)
      admin.addHook('onRequest', async (req) => {
        if (req.url.split('?')[0]?.toLowerCase() === OPENAPI_PATH.toLowerCase()) return
        const session = await deps.authenticate(req)
        if (!(await deps.policies.isAdmin(session.user.id))) throw new UcwaError('AdminRequired')
      })
      for (const kind of POLICY_KINDS) kindRoutes(admin, deps.policies, kind)
      userRoutes(admin, deps.policies)
    },
    { prefix: ADMIN_PREFIX },
  )
}

const actorOf = (req: FastifyRequest): string => req.session?.user.sipUri ?? 'api:unknown'

// ---- schemas of the parts ------------------------------------------------------------------

const ERRORS = {
  400: 'Invalid input: unknown identity or parameter, wrong scope, wrong type; nothing changed.',
  401: 'No valid bearer token (get one from /WebTicket/oauthtoken).',
  403: 'The caller lacks the admin role.',
  404: 'No such object or user.',
  409: 'The object exists already, or a per-user policy is still granted (use force=true).',
} as const

const errors = (...statuses: (keyof typeof ERRORS)[]) =>
  Object.fromEntries(statuses.map((s) => [s, ref('Error', { description: ERRORS[s] })]))

const IdentityParams = Type.Object({
  identity: Type.String({
    description: 'Global, Site:<site>, Tag:<name> or Service:WebServer:<fqdn> (case-insensitive)',
  }),
})
const UserParams = Type.Object({ user: Type.String({ description: 'SIP address (alice@contoso.com)' }) })

// ---- routes --------------------------------------------------------------------------------

function kindRoutes(admin: Admin, policies: PolicyService, kind: PolicyKind): void {
  const name = schemaName(kind)
  const noun = KINDS[kind].noun
  admin.get(
    `/${kind}`,
    {
      schema: {
        operationId: `list-${kind}`,
        summary: `Get-${noun}: every object (Global always)`,
        querystring: Type.Object(
          {
            filter: Type.Optional(Type.String({ description: "Identity wildcard (* and ?), e.g. 'site:*'" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ref(`${name}List`, { description: 'The objects' }), ...errors(400, 401, 403) },
      },
    },
    async (req) => ({ items: (await policies.get(kind, { filter: req.query.filter })).map(view) }),
  )
  admin.post(
    `/${kind}`,
    {
      schema: {
        operationId: `new-${kind}`,
        summary: `New-${noun}`,
        body: Type.Object(
          {
            identity: Type.String({ description: `One of ${KINDS[kind].newScopes.join(', ')} scope` }),
            settings: Type.Optional(settingsInput(kind)),
          },
          { additionalProperties: false },
        ),
        response: { 201: ref(name, { description: 'Created' }), ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const { identity, settings = {} } = req.body
      const created = await policies.create(kind, identity, settings, actorOf(req), { strictTypes: true })
      return reply.code(201).send(view(created))
    },
  )
  admin.get(
    `/${kind}/:identity`,
    {
      schema: {
        operationId: `get-${kind}`,
        summary: `Get-${noun} -Identity`,
        params: IdentityParams,
        response: { 200: ref(name, { description: 'The object' }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const [found] = await policies.get(kind, { identity: req.params.identity })
      return found && view(found)
    },
  )
  admin.patch(
    `/${kind}/:identity`,
    {
      schema: {
        operationId: `set-${kind}`,
        summary: `Set-${noun}: change the given parameters`,
        params: IdentityParams,
        body: Type.Object({ settings: settingsInput(kind) }, { additionalProperties: false }),
        response: { 200: ref(name, { description: 'Changed' }), ...errors(400, 401, 403, 404) },
      },
    },
    async (req) =>
      view(
        await policies.set(kind, req.params.identity, req.body.settings, actorOf(req), { strictTypes: true }),
      ),
  )
  admin.delete(
    `/${kind}/:identity`,
    {
      schema: {
        operationId: `remove-${kind}`,
        summary: `Remove-${noun}: Global is reset to the defaults`,
        params: IdentityParams,
        querystring: Type.Object(
          {
            force: Type.Optional(
              Type.Boolean({
                description: 'Remove a per-user policy that is still granted (and its grants).',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: ref(name, { description: 'Global reset to the defaults' }),
          204: Type.Unsafe<undefined>({ type: 'null', description: 'Removed' }), // (no body)
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
    async (req, reply) => {
      const result = await policies.remove(kind, req.params.identity, req.query.force === true, actorOf(req))
      return result ? view(result) : reply.code(204).send()
    },
  )
}

function userRoutes(admin: Admin, policies: PolicyService): void {
  admin.put(
    '/users/:user/mobility-policy',
    {
      schema: {
        operationId: 'grant-mobility-policy',
        summary: 'Grant-CsMobilityPolicy (policy null unassigns)',
        params: UserParams,
        body: Type.Object(
          {
            policy: Type.Union([Type.String(), Type.Null()], {
              description: 'Tag name (`Tag:` optional); null unassigns.',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: ref('EffectivePolicy', { description: "The user's effective policies after the change" }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req) => policies.grant(req.params.user, req.body.policy, actorOf(req)),
  )
  admin.get(
    '/users/:user/effective-policy',
    {
      schema: {
        operationId: 'effective-policy',
        summary: 'Get-CsEffectivePolicy: the mobility, Mcx and push settings that apply',
        params: UserParams,
        response: {
          200: ref('EffectivePolicy', { description: 'Effective policies' }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (req) => policies.effectiveFor(req.params.user),
  )
  admin.get(
    '/audit',
    {
      schema: {
        operationId: 'audit-log',
        summary: 'The append-only audit log, newest first',
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
            before: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: Number.MAX_SAFE_INTEGER,
                description: 'Only entries with a smaller seq (paging)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: ref('AuditLog', { description: 'Entries' }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, before } = req.query
      return { items: (await policies.audit({ limit, beforeSeq: before })).map(auditView) }
    },
  )
  admin.get(
    '/admins',
    {
      schema: {
        operationId: 'list-admins',
        summary: 'Users with the admin role',
        response: { 200: ref('AdminList', { description: 'SIP URIs' }), ...errors(401, 403) },
      },
    },
    async () => ({ items: await policies.admins() }),
  )
  const adminChange = (operationId: string, summary: string) => ({
    schema: {
      operationId,
      summary,
      params: UserParams,
      response: { 200: ref('AdminChange', { description: 'Done' }), ...errors(401, 403, 404) },
    },
  })
  admin.put('/admins/:user', adminChange('add-admin', 'Grant the admin role'), async (req) => {
    const { user } = req.params
    return { user, admin: true, changed: await policies.setAdmin(user, true, actorOf(req)) }
  })
  admin.delete('/admins/:user', adminChange('remove-admin', 'Revoke the admin role'), async (req) => {
    const { user } = req.params
    return { user, admin: false, changed: await policies.setAdmin(user, false, actorOf(req)) }
  })
}

// ---- output --------------------------------------------------------------------------------

const view = (v: PolicyView) => ({
  kind: v.kind,
  identity: v.identity,
  settings: v.settings,
  ...(v.assignedUsers === undefined ? {} : { assignedUsers: v.assignedUsers }),
})

const auditView = (e: AuditEntry) => ({ ...e, at: new Date(e.at).toISOString() })
