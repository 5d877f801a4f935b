// Requests the way Python's `requests` library sends them (the HTTP stack of the Python UCWA
// clients): its default headers first (User-Agent, Accept-Encoding: gzip, deflate, Accept: */*,
// Connection), then the caller's; `json=` bodies serialised by json.dumps (", " and ": "
// separators), `data=` dicts form-encoded, `params=` appended to the query; gzip decoded only
// when the response says Content-Encoding: gzip; no time limit unless the caller sets one.
import { type Dns, send, type Wire } from './wire.ts'

export interface PyOptions {
  readonly headers?: Record<string, string>
  readonly json?: unknown
  readonly data?: Record<string, string> | string
  readonly params?: Record<string, string>
}

const DEFAULTS: ReadonlyArray<readonly [string, string]> = [
  ['User-Agent', 'python-requests/2.31.0'],
  ['Accept-Encoding', 'gzip, deflate'],
  ['Accept', '*/*'],
  ['Connection', 'keep-alive'],
]

/** json.dumps(value) with Python's default separators. */
export function pyDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pyDumps(v)}`).join(', ')}}`
  }
  // json.dumps escapes non-ASCII by default (ensure_ascii=True).
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

export function pyRequest(dns: Dns, method: string, url: string, options: PyOptions = {}): Promise<Wire> {
  const headers = new Map<string, string>(DEFAULTS.map(([k, v]) => [k, v]))
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    const existing = [...headers.keys()].find((name) => name.toLowerCase() === k.toLowerCase())
    headers.set(existing ?? k, v)
  }
  let body: string | undefined
  const setDefault = (name: string, value: string) => {
    if (![...headers.keys()].some((k) => k.toLowerCase() === name.toLowerCase())) headers.set(name, value)
  }
  if (options.json !== undefined) {
    body = pyDumps(options.json)
    setDefault('Content-Type', 'application/json')
  } else if (typeof options.data === 'string') {
    body = options.data
  } else if (options.data) {
    body = new URLSearchParams(options.data).toString()
    setDefault('Content-Type', 'application/x-www-form-urlencoded')
  }
  let target = url
  if (options.params)
    target += (url.includes('?') ? '&' : '?') + new URLSearchParams(options.params).toString()
  return send(dns, target, { method, headers: [...headers], body, gunzip: 'if-encoded' })
}

/**
 * str(r.headers): the repr of requests' CaseInsensitiveDict — one entry per header name, repeated
 * headers joined with ", " (urllib3), names as the server sent them.
 */
export function headersRepr(res: Wire): string {
  const merged = new Map<string, string[]>()
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i] ?? ''
    const key = [...merged.keys()].find((k) => k.toLowerCase() === name.toLowerCase()) ?? name
    merged.set(key, [...(merged.get(key) ?? []), res.rawHeaders[i + 1] ?? ''])
  }
  return `{${[...merged].map(([k, v]) => `'${k}': '${v.join(', ')}'`).join(', ')}}`
}
