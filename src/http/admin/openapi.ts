// The admin REST API described as OpenAPI 3.1 (JSON Schema 2020-12), served at
// /admin/v1/openapi.json. Settings schemas come from the parameter lists, so the document and
// the server cannot disagree on a parameter. test/http/admin-api.test.ts checks every response
// against it.
import { KINDS, POLICY_KINDS, type PolicyKind } from '../../domain/policies/kinds.ts'
import type { ParameterSpec } from '../../domain/policies/parameters.ts'

export const ADMIN_PREFIX = '/admin/v1'
export const OPENAPI_PATH = `${ADMIN_PREFIX}/openapi.json`

type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: Schema) => ({ 'application/json': { schema } })
const response = (description: string, schema?: Schema) => ({
  description,
  ...(schema ? { content: json(schema) } : {}),
})
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/E${s}` }]))

const schemaName = (kind: PolicyKind): string =>
  ({
    'mobility-policy': 'MobilityPolicy',
    'mcx-config': 'McxConfiguration',
    'push-config': 'PushConfiguration',
  })[kind]

function parameterSchema(p: ParameterSpec): Schema {
  const description = `${p.description}${p.enforced ? '' : ' (accepted and stored; not enforced by Parley)'}`
  switch (p.type) {
    case 'boolean':
      return { type: 'boolean', default: p.default, description }
    case 'seconds':
      return { type: 'integer', minimum: p.min, maximum: p.max, default: p.default, description }
    case 'enum':
      return { type: 'string', enum: p.values, default: p.default, description }
    case 'sipUri':
      return { type: 'string', pattern: '^sip:[^@\\s]+@[^@\\s]+$', default: p.default, description }
    case 'string':
      return { type: 'string', maxLength: p.max ?? 1024, default: p.default, description }
  }
}

function settingsSchema(kind: PolicyKind, complete: boolean): Schema {
  const params = KINDS[kind].parameters
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, parameterSchema(p)])),
    additionalProperties: false,
    ...(complete ? { required: params.map((p) => p.name) } : {}),
  }
}

const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'BadRequest, Unauthorized, Forbidden, NotFound, Conflict, …' },
    subcode: { type: 'string' },
    message: { type: 'string' },
    parameters: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'reason'],
        properties: { name: { type: 'string' }, reason: { type: 'string' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
}

const EFFECTIVE = (settings: string): Schema => ({
  type: 'object',
  required: ['source', 'settings'],
  properties: { source: { type: 'string' }, settings: ref(settings) },
  additionalProperties: false,
})

function components(): Schema {
  const schemas: Record<string, Schema> = { Error: ERROR_SCHEMA }
  for (const kind of POLICY_KINDS) {
    const name = schemaName(kind)
    schemas[`${name}Settings`] = settingsSchema(kind, true)
    schemas[`${name}Changes`] = settingsSchema(kind, false)
    schemas[name] = {
      type: 'object',
      required: ['kind', 'identity', 'settings'],
      properties: {
        kind: { const: kind },
        identity: {
          type: 'string',
          examples: [kind === 'mcx-config' ? 'Service:WebServer:pool01.contoso.com' : 'Site:Redmond'],
        },
        settings: ref(`${name}Settings`),
        assignedUsers: {
          type: 'integer',
          minimum: 0,
          description: 'Per-user (Tag:) policies: users it is granted to.',
        },
      },
      additionalProperties: false,
    }
    schemas[`${name}List`] = {
      type: 'object',
      required: ['items'],
      properties: { items: { type: 'array', items: ref(name) } },
      additionalProperties: false,
    }
    schemas[`New${name}`] = {
      type: 'object',
      required: ['identity'],
      properties: {
        identity: { type: 'string', description: `One of ${KINDS[kind].newScopes.join(', ')} scope` },
        settings: ref(`${name}Changes`),
      },
      additionalProperties: false,
    }
  }
  schemas.EffectivePolicy = {
    type: 'object',
    required: ['user', 'homePool', 'granted', 'mobility', 'mcx', 'push', 'clientPolicies'],
    properties: {
      user: { type: 'string' },
      homePool: { type: 'string' },
      site: { type: 'string' },
      granted: {
        type: ['string', 'null'],
        description: 'The per-user mobility policy granted (tag name), or null.',
      },
      mobility: EFFECTIVE('MobilityPolicySettings'),
      mcx: EFFECTIVE('McxConfigurationSettings'),
      push: EFFECTIVE('PushConfigurationSettings'),
      clientPolicies: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: "The UCWA `policies` resource the user's applications get.",
      },
    },
    additionalProperties: false,
  }
  schemas.Grant = {
    type: 'object',
    required: ['policy'],
    properties: {
      policy: { type: ['string', 'null'], description: 'Tag name (`Tag:` optional); null unassigns.' },
    },
    additionalProperties: false,
  }
  schemas.AuditEntry = {
    type: 'object',
    required: ['seq', 'at', 'actor', 'action', 'target', 'before', 'after'],
    properties: {
      seq: { type: 'integer', minimum: 1 },
      at: { type: 'string', format: 'date-time' },
      actor: { type: 'string' },
      action: { type: 'string' },
      target: { type: 'string' },
      before: {},
      after: {},
    },
    additionalProperties: false,
  }
  schemas.AuditLog = {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref('AuditEntry') } },
    additionalProperties: false,
  }
  schemas.AdminList = {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: { type: 'string' } } },
    additionalProperties: false,
  }
  schemas.AdminChange = {
    type: 'object',
    required: ['user', 'admin', 'changed'],
    properties: { user: { type: 'string' }, admin: { type: 'boolean' }, changed: { type: 'boolean' } },
    additionalProperties: false,
  }
  const responses = Object.fromEntries(
    [
      [400, 'Invalid input: unknown identity or parameter, wrong scope, wrong type; nothing changed.'],
      [401, 'No valid bearer token (get one from /WebTicket/oauthtoken).'],
      [403, 'The caller lacks the admin role.'],
      [404, 'No such object or user.'],
      [409, 'The object exists already, or a per-user policy is still granted (use force=true).'],
    ].map(([status, description]) => [`E${status}`, response(String(description), ref('Error'))]),
  )
  return {
    schemas,
    responses,
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A WebTicket/OAuth token (cwt=…) of a user with the admin role.',
      },
    },
  }
}

const identityParam = {
  name: 'identity',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'Global, Site:<site>, Tag:<name> or Service:WebServer:<fqdn> (case-insensitive)',
}
const userParam = {
  name: 'user',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'SIP address (alice@contoso.com)',
}

function kindPaths(kind: PolicyKind): Record<string, Schema> {
  const name = schemaName(kind)
  const noun = KINDS[kind].noun
  return {
    [`${ADMIN_PREFIX}/${kind}`]: {
      get: {
        operationId: `list-${kind}`,
        summary: `Get-${noun}: every object (Global always)`,
        parameters: [
          {
            name: 'filter',
            in: 'query',
            schema: { type: 'string' },
            description: "Identity wildcard (* and ?), e.g. 'site:*'",
          },
        ],
        responses: { 200: response('The objects', ref(`${name}List`)), ...errors(400, 401, 403) },
      },
      post: {
        operationId: `new-${kind}`,
        summary: `New-${noun}`,
        requestBody: { required: true, content: json(ref(`New${name}`)) },
        responses: { 201: response('Created', ref(name)), ...errors(400, 401, 403, 409) },
      },
    },
    [`${ADMIN_PREFIX}/${kind}/{identity}`]: {
      parameters: [identityParam],
      get: {
        operationId: `get-${kind}`,
        summary: `Get-${noun} -Identity`,
        responses: { 200: response('The object', ref(name)), ...errors(400, 401, 403, 404) },
      },
      patch: {
        operationId: `set-${kind}`,
        summary: `Set-${noun}: change the given parameters`,
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['settings'],
            properties: { settings: ref(`${name}Changes`) },
            additionalProperties: false,
          }),
        },
        responses: { 200: response('Changed', ref(name)), ...errors(400, 401, 403, 404) },
      },
      delete: {
        operationId: `remove-${kind}`,
        summary: `Remove-${noun}: Global is reset to the defaults`,
        parameters: [
          {
            name: 'force',
            in: 'query',
            schema: { type: 'boolean' },
            description: 'Remove a per-user policy that is still granted (and its grants).',
          },
        ],
        responses: {
          200: response('Global reset to the defaults', ref(name)),
          204: response('Removed'),
          ...errors(400, 401, 403, 404, 409),
        },
      },
    },
  }
}

/** The whole document. */
export function openApiDocument(): Schema {
  const paths: Record<string, Schema> = {}
  for (const kind of POLICY_KINDS) Object.assign(paths, kindPaths(kind))
  paths[`${ADMIN_PREFIX}/users/{user}/mobility-policy`] = {
    parameters: [userParam],
    put: {
      operationId: 'grant-mobility-policy',
      summary: 'Grant-CsMobilityPolicy (policy null unassigns)',
      requestBody: { required: true, content: json(ref('Grant')) },
      responses: {
        200: response("The user's effective policies after the change", ref('EffectivePolicy')),
        ...errors(400, 401, 403, 404),
      },
    },
  }
  paths[`${ADMIN_PREFIX}/users/{user}/effective-policy`] = {
    parameters: [userParam],
    get: {
      operationId: 'effective-policy',
      summary: 'Get-CsEffectivePolicy: the mobility, Mcx and push settings that apply',
      responses: { 200: response('Effective policies', ref('EffectivePolicy')), ...errors(401, 403, 404) },
    },
  }
  paths[`${ADMIN_PREFIX}/audit`] = {
    get: {
      operationId: 'audit-log',
      summary: 'The append-only audit log, newest first',
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        {
          name: 'before',
          in: 'query',
          schema: { type: 'integer', minimum: 1 },
          description: 'Only entries with a smaller seq (paging)',
        },
      ],
      responses: { 200: response('Entries', ref('AuditLog')), ...errors(400, 401, 403) },
    },
  }
  paths[`${ADMIN_PREFIX}/admins`] = {
    get: {
      operationId: 'list-admins',
      summary: 'Users with the admin role',
      responses: { 200: response('SIP URIs', ref('AdminList')), ...errors(401, 403) },
    },
  }
  paths[`${ADMIN_PREFIX}/admins/{user}`] = {
    parameters: [userParam],
    put: {
      operationId: 'add-admin',
      summary: 'Grant the admin role',
      responses: { 200: response('Done', ref('AdminChange')), ...errors(401, 403, 404) },
    },
    delete: {
      operationId: 'remove-admin',
      summary: 'Revoke the admin role',
      responses: { 200: response('Done', ref('AdminChange')), ...errors(401, 403, 404) },
    },
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley admin API',
      version: '1',
      description:
        'Mobility policies, Mcx and push configuration, per-user grants, effective policies, admins and the audit log (docs/policies.md). Served on internal listeners only unless admin.exposeOnExternal is set.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: components(),
  }
}
