// The `multipart/batching` wire format of UCWA's batch resource (docs/protocol.md §10.2).
// Lenient in: parts with or without the blank line after their header, `msgtype` with or without
// a space, LF or CRLF, and the MS Batch.js habit of sending a POST body as a fake `Data: <json>`
// header. Strict out: exactly `Content-Type: application/http; msgtype=response`, CRLF, and each
// body on a single line (one client parses the last non-empty line of a part as the body).
import { canonicalHeaderName } from '../canonical-headers.ts'

export interface BatchRequest {
  readonly method: string
  /** Path and query, as in the request line (`/ucwa/oauth/v1/applications/1/me`). */
  readonly target: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface BatchResponse {
  readonly status: number
  readonly statusText: string
  /** A header sent several times (a 401's two WWW-Authenticate challenges) keeps one line each. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  readonly body: string
}

/** The boundary of a `multipart/batching; boundary="…"` content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '')
  return m?.[1] ?? m?.[2]
}

/** Splits a batch body into its HTTP requests; undefined when it is not a batch at all. */
export function parseBatch(body: string, boundary: string): BatchRequest[] | undefined {
  const delimiter = `--${boundary}`
  const start = body.indexOf(delimiter)
  if (start < 0) return undefined
  const parts: BatchRequest[] = []
  for (const chunk of body.slice(start + delimiter.length).split(delimiter)) {
    if (chunk.startsWith('--')) break
    const part = parsePart(chunk)
    if (part === null) return undefined
    if (part) parts.push(part)
  }
  return parts
}

// undefined: an empty chunk (skip); null: malformed.
function parsePart(chunk: string): BatchRequest | null | undefined {
  const lines = chunk.replace(/^\r?\n/, '').split(/\r?\n/)
  let i = 0
  // Part headers (Content-Type: application/http; msgtype=request), up to the request line.
  while (i < lines.length && !/^[A-Z]+ \S+ HTTP\/\d\.\d$/.test(lines[i] ?? '')) i++
  if (i >= lines.length) return lines.every((l) => l.trim() === '') ? undefined : null
  const [method = '', target = ''] = (lines[i] ?? '').split(' ')
  i++
  const headers: Record<string, string> = {}
  let dataHeader: string | undefined
  for (; i < lines.length && (lines[i] ?? '') !== ''; i++) {
    const line = lines[i] ?? ''
    const colon = line.indexOf(':')
    if (colon <= 0) return null
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (name === 'data') dataHeader = value
    else headers[name] = value
  }
  const body = lines
    .slice(i + 1)
    .join('\r\n')
    .replace(/(\r\n)+$/, '')
  return { method, target, headers, body: body || dataHeader || '' }
}

/** The batch response body for `responses`, in request order. */
export function serializeBatch(responses: readonly BatchResponse[], boundary: string): string {
  const out: string[] = []
  for (const r of responses) {
    out.push(`--${boundary}`, 'Content-Type: application/http; msgtype=response', '')
    out.push(`HTTP/1.1 ${r.status} ${r.statusText}`)
    // Names as IIS wrote them (`Content-Type`, `ETag`), like the headers of every other response.
    for (const [name, value] of Object.entries(r.headers)) {
      for (const line of typeof value === 'string' ? [value] : value) {
        out.push(`${canonicalHeaderName(name)}: ${line}`)
      }
    }
    out.push('', r.body.replace(/\r?\n/g, ''))
  }
  out.push(`--${boundary}--`, '')
  return out.join('\r\n')
}
