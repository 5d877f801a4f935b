// The one pino logger; every module logs through a child of it. Secrets are redacted here so no
// code path can leak them: tokens, cookies, passwords, push tokens, and query strings.
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

/**
 * Query parameters whose values are logged as sent: the event channel's numbers and UCWA's
 * `filter`. Every other value is censored, and so is every parameter without a value or with a
 * name that does not look like one (a bare token): a client may put a password or a token in any
 * query (`/WebTicket/oauthtoken?password=…`).
 */
const LOGGED_QUERY_VALUES: ReadonlySet<string> = new Set([
  'ack',
  'timeout',
  'priority',
  'low',
  'medium',
  'filter',
])
const QUERY_NAME = /^[A-Za-z][\w.-]{0,31}$/
const SHORT_PLAIN_VALUE = /^[\w.-]{0,32}$/

/** `url` with its query values (and anything but plain names) replaced by the censor; the path is kept. */
export function censorUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      if (pair === '') return pair
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      if (eq < 0 || !QUERY_NAME.test(name)) return CENSOR
      const value = pair.slice(eq + 1)
      const kept = LOGGED_QUERY_VALUES.has(name.toLowerCase()) && SHORT_PLAIN_VALUE.test(value)
      return `${name}=${kept ? value : CENSOR}`
    })
  return `${url.slice(0, q)}?${query.join('&')}`
}

/**
 * Requests in the log (Fastify's `incoming request` line): method, censored URL, host and peer,
 * as Fastify's own serializer gives them. A plain object logged under `req` keeps its fields.
 */
function serializeRequest(req: unknown): unknown {
  if (req === null || typeof req !== 'object') return req
  const r = req as Record<string, unknown> & { socket?: { remotePort?: number } }
  const url = typeof r.url === 'string' ? censorUrl(r.url) : r.url
  const proto = Object.getPrototypeOf(req)
  if (proto === Object.prototype || proto === null) return url === r.url ? req : { ...r, url }
  return { method: r.method, url, host: r.host, remoteAddress: r.ip, remotePort: r.socket?.remotePort }
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    // Fastify adds its own `req` serializer under this one, and this one wins.
    serializers: { req: serializeRequest },
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
 * by the censor, and every `url` string property censored by censorUrl: a copy where something
 * was censored, `value` itself otherwise. Other objects (errors, requests, buffers) are left to
 * pino's serializers.
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
    const censored = SECRET_KEYS.has(key)
      ? CENSOR
      : key === 'url' && typeof item === 'string'
        ? censorUrl(item)
        : censorSecrets(item, depth + 1)
    if (censored !== item) {
      copy ??= { ...record }
      copy[key] = censored
    }
  }
  return copy ?? value
}
