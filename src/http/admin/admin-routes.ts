// The admin REST API (docs/policies.md): the policy CLI verbs over HTTP for users with the admin
// role, described by openapi.ts. JSON in and out; errors are `{code, subcode?, message,
// parameters?}`. Registered on internal listeners only unless admin.exposeOnExternal.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError } from '../../domain/auth/oauth-error.ts'
import { type InvalidParameter, UcwaError } from '../../domain/errors.ts'
import { POLICY_KINDS, type PolicyKind } from '../../domain/policies/kinds.ts'
import { PolicyError, type PolicyErrorReason } from '../../domain/policies/policy-errors.ts'
import type { PolicyService, PolicyView } from '../../domain/policies/policy-service.ts'
import type { AuditEntry } from '../../domain/policies/policy-types.ts'
import { STATUS_OF } from '../errors.ts'
import type { Authenticate } from '../routes/authenticate.ts'
import { ADMIN_PREFIX, OPENAPI_PATH, openApiDocument } from './openapi.ts'

export interface AdminDeps {
  readonly policies: PolicyService
  readonly authenticate: Authenticate
}

const POLICY_STATUS: Readonly<Record<PolicyErrorReason, [number, string, string | undefined]>> = {
  invalid: [400, 'BadRequest', 'ParameterValidationFailure'],
  'not-found': [404, 'NotFound', undefined],
  exists: [409, 'Conflict', 'AlreadyExists'],
  assigned: [409, 'Conflict', 'PolicyInUse'],
  forbidden: [403, 'Forbidden', undefined],
}

/** Bad request shape (not settings): a 400 naming the fields. */
class InputError extends Error {
  readonly parameters: readonly InvalidParameter[]
  constructor(message: string, parameters: readonly InvalidParameter[]) {
    super(message)
    this.parameters = parameters
  }
}

export function adminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const document = JSON.stringify(openApiDocument())
  app.register(
    async (admin) => {
      admin.setErrorHandler((error: FastifyError | Error, req, reply) => sendAdminError(req, reply, error))
      admin.get('/openapi.json', async (_req, reply) =>
        reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(document),
      )
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

function kindRoutes(app: FastifyInstance, policies: PolicyService, kind: PolicyKind): void {
  app.get(`/${kind}`, async (req) => {
    const { filter } = query(req, ['filter'])
    return { items: (await policies.get(kind, { filter })).map(view) }
  })
  app.post(`/${kind}`, async (req, reply) => {
    const body = object(req.body, ['identity', 'settings'])
    if (typeof body.identity !== 'string') {
      throw new InputError('identity is required', [{ name: 'identity', reason: 'must be a string' }])
    }
    const settings = settingsOf(body.settings, false)
    const created = await policies.create(kind, body.identity, settings, actorOf(req), { strictTypes: true })
    return reply.code(201).send(view(created))
  })
  app.get(`/${kind}/:identity`, async (req) => {
    const [found] = await policies.get(kind, { identity: identityOf(req) })
    return found && view(found)
  })
  app.patch(`/${kind}/:identity`, async (req) => {
    const body = object(req.body, ['settings'])
    const settings = settingsOf(body.settings, true)
    return view(await policies.set(kind, identityOf(req), settings, actorOf(req), { strictTypes: true }))
  })
  app.delete(`/${kind}/:identity`, async (req, reply) => {
    const { force } = query(req, ['force'])
    if (force !== undefined && force !== 'true' && force !== 'false') {
      throw new InputError('force must be true or false', [
        { name: 'force', reason: 'must be true or false' },
      ])
    }
    const result = await policies.remove(kind, identityOf(req), force === 'true', actorOf(req))
    return result ? view(result) : reply.code(204).send()
  })
}

function userRoutes(app: FastifyInstance, policies: PolicyService): void {
  app.put('/users/:user/mobility-policy', async (req) => {
    const body = object(req.body, ['policy'])
    if (!('policy' in body) || (body.policy !== null && typeof body.policy !== 'string')) {
      throw new InputError('policy is required', [{ name: 'policy', reason: 'must be a tag name or null' }])
    }
    return policies.grant(userOf(req), body.policy, actorOf(req))
  })
  app.get('/users/:user/effective-policy', async (req) => policies.effectiveFor(userOf(req)))
  app.get('/audit', async (req) => {
    const q = query(req, ['limit', 'before'])
    const limit = whole('limit', q.limit, 1000) ?? 50
    const before = whole('before', q.before, Number.MAX_SAFE_INTEGER)
    return { items: (await policies.audit({ limit, beforeSeq: before })).map(auditView) }
  })
  app.get('/admins', async () => ({ items: await policies.admins() }))
  app.put('/admins/:user', async (req) => {
    const user = userOf(req)
    return { user, admin: true, changed: await policies.setAdmin(user, true, actorOf(req)) }
  })
  app.delete('/admins/:user', async (req) => {
    const user = userOf(req)
    return { user, admin: false, changed: await policies.setAdmin(user, false, actorOf(req)) }
  })
}

// ---- input ---------------------------------------------------------------------------------

function object(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InputError('the body must be a JSON object', [])
  }
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k))
  if (unknown.length > 0) {
    throw new InputError(
      `unknown properties: ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`,
      unknown.map((name) => ({ name, reason: 'is not a known property' })),
    )
  }
  return body as Record<string, unknown>
}

function settingsOf(value: unknown, required: boolean): Record<string, unknown> {
  if (value === undefined && !required) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError('settings must be an object of Parameter: value', [
      { name: 'settings', reason: 'must be an object' },
    ])
  }
  return value as Record<string, unknown>
}

function query(req: FastifyRequest, allowed: readonly string[]): Record<string, string | undefined> {
  const q = (req.query ?? {}) as Record<string, unknown>
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(q)) {
    if (!allowed.includes(k) || typeof v !== 'string') {
      throw new InputError(`unknown or repeated query parameter ${k}`, [
        { name: k, reason: 'is not allowed here' },
      ])
    }
    out[k] = v
  }
  return out
}

function whole(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new InputError(`${name} must be a whole number from 1 to ${max}`, [
      { name, reason: 'is out of range' },
    ])
  }
  return Number(text)
}

const identityOf = (req: FastifyRequest): string => (req.params as { identity: string }).identity
const userOf = (req: FastifyRequest): string => (req.params as { user: string }).user

// ---- output --------------------------------------------------------------------------------

const view = (v: PolicyView) => ({
  kind: v.kind,
  identity: v.identity,
  settings: v.settings,
  ...(v.assignedUsers === undefined ? {} : { assignedUsers: v.assignedUsers }),
})

const auditView = (e: AuditEntry) => ({ ...e, at: new Date(e.at).toISOString() })

function sendAdminError(req: FastifyRequest, reply: FastifyReply, error: Error): FastifyReply {
  const send = (status: number, body: Record<string, unknown>) =>
    reply.code(status).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(body)
  if (error instanceof PolicyError) {
    const [status, code, subcode] = POLICY_STATUS[error.reason]
    const parameters = error.problems.map((p) => ({ name: p.parameter, reason: p.message }))
    return send(status, {
      code,
      ...(subcode ? { subcode } : {}),
      message: error.message,
      ...(parameters.length ? { parameters } : {}),
    })
  }
  if (error instanceof InputError) {
    return send(400, {
      code: 'BadRequest',
      subcode: 'ParameterValidationFailure',
      message: error.message,
      ...(error.parameters.length ? { parameters: error.parameters } : {}),
    })
  }
  if (error instanceof UcwaError) {
    if (error.code === 'Unauthorized') reply.header('www-authenticate', 'Bearer realm="Parley admin"')
    return send(STATUS_OF[error.code], {
      code: error.code,
      ...(error.subcode ? { subcode: error.subcode } : {}),
      message: error.message,
    })
  }
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
  if (status >= 400 && status < 500 && !(error instanceof OAuthError)) {
    return send(status, {
      code: status === 415 ? 'UnsupportedMediaType' : 'BadRequest',
      message: error.message,
    })
  }
  req.log.error({ err: error }, 'admin request failed')
  return send(500, { code: 'ServiceFailure', message: `Internal server error (request ${req.id}).` })
}
