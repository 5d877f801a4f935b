// Reading UCWA input bodies: property names match case-insensitively (clients send `UserAgent`
// and `userAgent` alike), unknown properties are ignored, and the result is checked against a
// TypeBox schema whose failures list the offending fields.

import type Type from 'typebox'
import type { TObject } from 'typebox'
import Value from 'typebox/value'
import { type InvalidParameter, UcwaError } from '../domain/errors.ts'

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
