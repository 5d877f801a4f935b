// The one pino logger; every module logs through a child of it. Secrets are redacted here so no
// code path can leak them: tokens, cookies, passwords, push tokens.
import pino, { type Logger } from 'pino'

/** Request and response headers that carry credentials (pino's redaction, by path). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-ms-webticket"]',
  'res.headers["set-cookie"]',
]

/** Properties censored wherever they appear in a logged object, at any depth. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'access_token', 'token', 'pushToken'])

const CENSOR = '[redacted]'
// Deep enough for any object Parley logs; also what stops a cycle.
const MAX_DEPTH = 8

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    // Secret keys are censored per log call here rather than by wildcard redact paths
    // (`*.password`): pino runs those over the bindings of every child logger, and Fastify makes
    // one per request (≈ 1 KB of garbage each, for nothing: bindings carry no secrets).
    formatters: { log: (object) => censorSecrets(object) as Record<string, unknown> },
  }
  return destination ? pino(options, destination) : pino(options)
}

/**
 * `value` with every SECRET_KEYS property of its plain objects and arrays, at any depth, replaced
 * by the censor: a copy where something was censored, `value` itself otherwise. Other objects
 * (errors, requests, buffers) are left to pino's serializers.
 */
export function censorSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    value.forEach((item, i) => {
      const censored = censorSecrets(item, depth + 1)
      if (censored !== item) {
        copy ??= [...value]
        copy[i] = censored
      }
    })
    return copy ?? value
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const record = value as Record<string, unknown>
  let copy: Record<string, unknown> | undefined
  for (const key of Object.keys(record)) {
    const item = record[key]
    const censored = SECRET_KEYS.has(key) ? CENSOR : censorSecrets(item, depth + 1)
    if (censored !== item) {
      copy ??= { ...record }
      copy[key] = censored
    }
  }
  return copy ?? value
}
