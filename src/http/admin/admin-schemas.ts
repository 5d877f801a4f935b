// The admin API's shared TypeBox schemas (they become the OpenAPI document's
// components.schemas, named by their $id). Settings schemas come from the parameter lists, so
// the document and the server cannot disagree on a parameter.
import Type, { type TSchema } from 'typebox'
import { KINDS, POLICY_KINDS, type PolicyKind } from '../../domain/policies/kinds.ts'
import type { ParameterSpec } from '../../domain/policies/parameters.ts'

/** A reference to a shared schema (resolved to #/components/schemas/<name> in the document). */
export const ref = (name: string, options: Record<string, unknown> = {}) => Type.Ref(name, options)

export const schemaName = (kind: PolicyKind): string =>
  ({
    'mobility-policy': 'MobilityPolicy',
    'mcx-config': 'McxConfiguration',
    'push-config': 'PushConfiguration',
  })[kind]

/**
 * Marks a request schema the policy service checks: Fastify only checks the value is an object
 * (admin-validation.ts), because the service names every problem in one 400 (unknown parameter,
 * JSON type, range, rules across parameters). The document shows the schema in full.
 */
export const CHECKED_BY_SERVICE = 'x-checked-by-policy-service'

/** The settings a request may change (any subset of the kind's parameters). */
export const settingsInput = (kind: PolicyKind) =>
  Type.Unsafe<Record<string, unknown>>(ref(`${schemaName(kind)}Changes`, { [CHECKED_BY_SERVICE]: true }))

function parameterSchema(p: ParameterSpec): TSchema {
  const description = `${p.description}${p.enforced ? '' : ' (accepted and stored; not enforced by Parley)'}`
  switch (p.type) {
    case 'boolean':
      return Type.Boolean({ default: p.default, description })
    case 'seconds':
      return Type.Integer({ minimum: p.min, maximum: p.max, default: p.default, description })
    case 'enum':
      return Type.String({ enum: p.values, default: p.default, description })
    case 'sipUri':
      return Type.String({ pattern: '^sip:[^@\\s]+@[^@\\s]+$', default: p.default, description })
    case 'string':
      return Type.String({ maxLength: p.max ?? 1024, default: p.default, description })
  }
}

function settingsSchema(kind: PolicyKind, complete: boolean, $id: string): TSchema {
  const params = KINDS[kind].parameters
  return Type.Unsafe({
    $id,
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, parameterSchema(p)])),
    additionalProperties: false,
    ...(complete ? { required: params.map((p) => p.name) } : {}),
  })
}

const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'BadRequest, Unauthorized, Forbidden, NotFound, Conflict, …' }),
    subcode: Type.Optional(Type.String()),
    message: Type.String(),
    parameters: Type.Optional(
      Type.Array(
        Type.Object({ name: Type.String(), reason: Type.String() }, { additionalProperties: false }),
      ),
    ),
  },
  { $id: 'Error', additionalProperties: false },
)

const effective = (settings: string) =>
  Type.Object({ source: Type.String(), settings: ref(settings) }, { additionalProperties: false })

function kindSchemas(kind: PolicyKind): TSchema[] {
  const name = schemaName(kind)
  return [
    settingsSchema(kind, true, `${name}Settings`),
    settingsSchema(kind, false, `${name}Changes`),
    Type.Object(
      {
        kind: Type.Literal(kind),
        identity: Type.String({
          examples: [kind === 'mcx-config' ? 'Service:WebServer:pool01.contoso.com' : 'Site:Redmond'],
        }),
        settings: ref(`${name}Settings`),
        assignedUsers: Type.Optional(
          Type.Integer({ minimum: 0, description: 'Per-user (Tag:) policies: users it is granted to.' }),
        ),
      },
      { $id: name, additionalProperties: false },
    ),
    Type.Object({ items: Type.Array(ref(name)) }, { $id: `${name}List`, additionalProperties: false }),
  ]
}

const EffectivePolicy = Type.Object(
  {
    user: Type.String(),
    homePool: Type.String(),
    site: Type.Optional(Type.String()),
    granted: Type.Union([Type.String(), Type.Null()], {
      description: 'The per-user mobility policy granted (tag name), or null.',
    }),
    mobility: effective('MobilityPolicySettings'),
    mcx: effective('McxConfigurationSettings'),
    push: effective('PushConfigurationSettings'),
    clientPolicies: Type.Object(
      {},
      {
        additionalProperties: Type.String(),
        description: "The UCWA `policies` resource the user's applications get.",
      },
    ),
  },
  { $id: 'EffectivePolicy', additionalProperties: false },
)

const AuditEntry = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String(),
    action: Type.String(),
    target: Type.String(),
    before: Type.Unknown(),
    after: Type.Unknown(),
  },
  { $id: 'AuditEntry', additionalProperties: false },
)

const AuditLog = Type.Object(
  { items: Type.Array(ref('AuditEntry')) },
  { $id: 'AuditLog', additionalProperties: false },
)

const AdminList = Type.Object(
  { items: Type.Array(Type.String()) },
  { $id: 'AdminList', additionalProperties: false },
)

const AdminChange = Type.Object(
  { user: Type.String(), admin: Type.Boolean(), changed: Type.Boolean() },
  { $id: 'AdminChange', additionalProperties: false },
)

/** Every shared schema, for admin.addSchema(). */
export const SHARED_SCHEMAS: readonly TSchema[] = [
  ErrorBody,
  ...POLICY_KINDS.flatMap(kindSchemas),
  EffectivePolicy,
  AuditEntry,
  AuditLog,
  AdminList,
  AdminChange,
]
