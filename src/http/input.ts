// Reading UCWA input bodies: property names match case-insensitively (clients send `UserAgent`
// and `userAgent` alike), unknown properties are ignored, and the result is checked against a
// TypeBox schema whose failures list the offending fields.

import type { FastifyRequest } from 'fastify'
import type Type from 'typebox'
import type { TObject } from 'typebox'
import Value from 'typebox/value'
import { type InvalidParameter, UcwaError } from '../domain/errors.ts'
import { fromDataUri } from '../domain/messaging/data-uri.ts'
import type { MessageContent } from '../domain/messaging/messaging-types.ts'
import { LIMITS } from './limits.ts'

export function readInput<S extends TObject>(schema: S, body: unknown): Type.Static<S> {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw new UcwaError('ParameterValidationFailure', { message: 'The request body must be an object.' })
  }
  const canonical = new Map(Object.keys(schema.properties).map((k) => [k.toLowerCase(), k]))
  const input: Record<string, unknown> = {}
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    const name = canonical.get(key.toLowerCase())
    if (name !== undefined && value !== null) input[name] = value
  }
  if (!Value.Check(schema, input)) {
    const parameters = invalidParameters(schema, input)
    const names = parameters.map((p) => p.name).join(', ')
    throw new UcwaError('ParameterValidationFailure', {
      message: `Invalid or missing: ${names}.`,
      parameters,
    })
  }
  return input as Type.Static<S>
}

// Property by property: Value.Errors stops after TypeBox's maxErrors (8), which would leave
// fields out of `parameters` when a body has several bad ones.
function invalidParameters(schema: TObject, input: Record<string, unknown>): InvalidParameter[] {
  const required = new Set<string>(schema.required ?? [])
  const out: InvalidParameter[] = []
  for (const [name, property] of Object.entries(schema.properties)) {
    if (!(name in input)) {
      if (required.has(name)) out.push({ name, reason: 'is required' })
    } else if (!Value.Check(property, input[name])) {
      out.push({ name, reason: Value.Errors(property, input[name])[0]?.message ?? 'is not valid' })
    }
  }
  return out
}

/** One query parameter, its name matched case-insensitively; the last one wins when repeated. */
export function queryParam(req: FastifyRequest, name: string): string | undefined {
  const query = req.query as Record<string, unknown>
  const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase())
  const value = key === undefined ? undefined : query[key]
  const text = Array.isArray(value) ? value.at(-1) : value
  return typeof text === 'string' ? text : undefined
}

/**
 * A client correlation id given in the query (`?OperationContext=`, `?operationId=`): the first of
 * `names` present, held to the same cap as in a body (LIMITS.contextString).
 */
export function contextParam(req: FastifyRequest, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = queryParam(req, name)
    if (value === undefined) continue
    if ([...value].length > LIMITS.contextString) {
      const reason = `must not have more than ${LIMITS.contextString} characters`
      throw new UcwaError('ParameterValidationFailure', {
        message: `${name} ${reason}.`,
        parameters: [{ name, reason }],
      })
    }
    return value
  }
  return undefined
}

/** The optional first message of an invitation (`_links.message`, a text data URI). */
export function firstMessageOf(input: {
  readonly _links?: { readonly message?: { readonly href: string } } | undefined
}): MessageContent | undefined {
  const first = input._links?.message?.href
  if (first === undefined) return undefined
  const message = fromDataUri(first)
  if (!message) {
    throw new UcwaError('ParameterValidationFailure', {
      message: 'The first message must be a data:text/plain or data:text/html URI.',
      parameters: [{ name: '_links.message', reason: 'is not a text data URI' }],
    })
  }
  return message
}
