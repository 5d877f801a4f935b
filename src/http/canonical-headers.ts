// Header names on the wire as IIS wrote them (`WWW-Authenticate`, `Content-Type`, `ETag`).
// Fastify keeps every name in lower case, and some UCWA clients look response headers up by their
// exact spelling (a case-sensitive `WWW-Authenticate` lookup never finds the token URL). One
// ServerResponse subclass, given to every listener's Node server, renames them as they are written.
import { type IncomingMessage, type OutgoingHttpHeader, ServerResponse } from 'node:http'

/**
 * Names whose IIS/Lync spelling the Title-Case rule below would not produce, as the public traces
 * show them (advocations/skype Skype/UCWA/CreateAnApplication.md, AuthenticationInUCWA.md).
 */
const IIS_SPELLING: Readonly<Record<string, string>> = {
  'www-authenticate': 'WWW-Authenticate',
  etag: 'ETag',
  p3p: 'P3P',
  'x-aspnet-version': 'X-AspNet-Version',
  // Lync's own headers: its diagnostics header kept the odd casing the traces show.
  'x-ms-diagnostics': 'X-Ms-diagnostics',
  'x-ms-server-fqdn': 'X-MS-Server-Fqdn',
  'x-ms-ucwaversion': 'X-MS-UcwaVersion',
  'x-ms-webticketurl': 'X-MS-WebTicketURL',
}

// Responses carry a few dozen distinct names; the bound only guards against a caller inventing
// names per request.
const MAX_CACHED = 512
const cache = new Map<string, string>(Object.entries(IIS_SPELLING))

const titleCase = (lower: string): string =>
  lower
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('-')

/** `content-type` → `Content-Type`, `etag` → `ETag`, `x-ms-foo` → `X-MS-Foo`. */
export function canonicalHeaderName(name: string): string {
  const cached = cache.get(name)
  if (cached !== undefined) return cached
  const lower = name.toLowerCase()
  const canonical =
    cache.get(lower) ?? (lower.startsWith('x-ms-') ? `X-MS-${titleCase(lower.slice(5))}` : titleCase(lower))
  if (cache.size < MAX_CACHED) cache.set(name, canonical)
  return canonical
}

type HeaderList = OutgoingHttpHeader[] | [string, OutgoingHttpHeader][] | Record<string, OutgoingHttpHeader>

/** The same headers under canonical names: an object, a flat `[name, value, …]` list or pairs. */
function canonicalHeaders(headers: HeaderList): HeaderList {
  if (Array.isArray(headers)) {
    if (Array.isArray(headers[0])) {
      return (headers as [string, OutgoingHttpHeader][]).map(
        ([name, value]): [string, OutgoingHttpHeader] => [canonicalHeaderName(name), value],
      )
    }
    return headers.map((item, i) => (i % 2 === 0 ? canonicalHeaderName(String(item)) : item)) as never
  }
  const out: Record<string, OutgoingHttpHeader> = {}
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value !== undefined) out[canonicalHeaderName(name)] = value
  }
  return out
}

/** Writes every header name in its canonical spelling; multi-valued headers stay separate lines. */
export class CanonicalResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  override setHeader(name: string, value: number | string | readonly string[]): this {
    return super.setHeader(canonicalHeaderName(name), value)
  }

  override appendHeader(name: string, value: string | readonly string[]): this {
    return super.appendHeader(canonicalHeaderName(name), value)
  }

  // writeHead(status[, reason][, headers]): Fastify passes its (lower-case) header object here.
  override writeHead(statusCode: number, ...rest: unknown[]): this {
    const last = rest.length - 1
    if (last >= 0 && rest[last] !== null && typeof rest[last] === 'object') {
      rest[last] = canonicalHeaders(rest[last] as HeaderList)
    }
    return (ServerResponse.prototype.writeHead as (...args: unknown[]) => this).call(
      this,
      statusCode,
      ...rest,
    )
  }
}
