// How Fastify checks the admin routes' request schemas: TypeBox, every problem at once (the
// admin error handler answers them as one 400 naming each field, admin-errors.ts).
// Query values are text: a whole number is read as an integer and true/false as a boolean where
// the schema asks for one — nothing looser ("5.0", "0x10" or "1" stay text and fail).
// Set on the admin plugin only: UCWA routes read their input themselves (src/http/input.ts).
import type { FastifyRequest, FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import type { InvalidParameter } from '../../domain/errors.ts'
import { CHECKED_BY_SERVICE } from './admin-schemas.ts'

export const adminValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(checkedHere(schema) as TSchema)
  const read = httpPart === 'querystring' ? queryReader(schema) : (value: unknown) => value
  return (value) => {
    const input = read(value)
    if (validator.Check(input)) return { value: input }
    return { error: validator.Errors(input) as unknown as FastifySchemaValidationError[] }
  }
}

/** What this layer checks of `schema`: parts the policy service checks need only be objects. */
function checkedHere(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(checkedHere)
  if (schema === null || typeof schema !== 'object') return schema
  if (CHECKED_BY_SERVICE in schema) return { type: 'object' }
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, checkedHere(value)]))
}

function queryReader(schema: TSchema): (value: unknown) => unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  return (value) => {
    if (value === null || typeof value !== 'object') return value
    const read: Record<string, unknown> = { ...value }
    for (const [name, text] of Object.entries(read)) {
      const type = properties[name]?.type
      if (type === 'integer' && typeof text === 'string' && /^\d+$/.test(text)) read[name] = Number(text)
      if (type === 'boolean' && (text === 'true' || text === 'false')) read[name] = text === 'true'
    }
    return read
  }
}

// ---- a failure in words ---------------------------------------------------------------------

interface Found {
  readonly sentence: string
  readonly parameters: readonly InvalidParameter[]
}

/** A request-schema failure in words: one sentence and one parameter per field. */
export function invalidRequest(
  req: FastifyRequest,
  problems: readonly FastifySchemaValidationError[],
  part: string | undefined,
): { message: string; parameters: InvalidParameter[] } {
  const found: Found[] = []
  const reasons = new Map<string, string[]>()
  for (const problem of problems) {
    if (problem.keyword === 'additionalProperties') found.push(unknownNames(req, problem, part))
    else if (problem.keyword === 'required') found.push(...missingNames(problem))
    else if (problem.instancePath === '') found.push(wholePart(problem, part))
    else if (!saysLess(problem)) {
      const name = problem.instancePath.slice(1).replaceAll('/', '.')
      reasons.set(name, [...(reasons.get(name) ?? []), reasonOf(problem, part)])
    }
  }
  for (const [name, said] of reasons) found.push(field(req, name, said, part))
  return { message: found.map((f) => f.sentence).join('; '), parameters: found.flatMap((f) => f.parameters) }
}

/** An unknown property's own "schema is false" (its additionalProperties problem says it) and
 * anyOf's "must match a schema" (its branches say what). */
const saysLess = (problem: FastifySchemaValidationError): boolean =>
  problem.schemaPath.endsWith('/additionalProperties') || problem.keyword === 'anyOf'

function unknownNames(req: FastifyRequest, problem: FastifySchemaValidationError, part?: string): Found {
  const names = (problem.params as { additionalProperties?: string[] }).additionalProperties ?? []
  const schema = (req.routeOptions.schema as Record<string, { properties?: object }> | undefined)?.[
    part ?? ''
  ]
  const allowed = Object.keys(schema?.properties ?? {}).join(', ')
  const query = part === 'querystring'
  const noun = !query ? 'properties:' : names.length > 1 ? 'query parameters' : 'query parameter'
  const reason = query ? 'is not allowed here' : 'is not a known property'
  return {
    sentence: `unknown ${noun} ${names.join(', ')} (allowed: ${allowed})`,
    parameters: names.map((name) => ({ name, reason })),
  }
}

const missingNames = (problem: FastifySchemaValidationError): Found[] =>
  ((problem.params as { requiredProperties?: string[] }).requiredProperties ?? []).map((name) => ({
    sentence: `${name} is required`,
    parameters: [{ name, reason: 'is required' }],
  }))

const wholePart = (problem: FastifySchemaValidationError, part?: string): Found => ({
  sentence: part === 'body' ? 'the body must be a JSON object' : `the ${part} ${problem.message}`,
  parameters: [],
})

function field(req: FastifyRequest, name: string, said: readonly string[], part?: string): Found {
  const repeated = part === 'querystring' && Array.isArray((req.query as Record<string, unknown>)[name])
  const reason = repeated ? 'is given more than once' : said.join(' or ').replaceAll(' or must be ', ' or ')
  return { sentence: `${name} ${reason}`, parameters: [{ name, reason }] }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  object: 'an object',
  array: 'an array',
  null: 'null',
}

function reasonOf(problem: FastifySchemaValidationError, part?: string): string {
  if (problem.keyword !== 'type') return problem.message ?? 'is not valid'
  const type = String((problem.params as { type?: unknown }).type)
  if (type === 'boolean') return part === 'querystring' ? 'must be true or false' : 'must be a JSON boolean'
  return `must be ${TYPE_WORDS[type] ?? type}`
}
