// A raw HTTP(S) client that behaves like the HTTP stacks of published UCWA clients, not like
// fetch(): request headers go out with the exact names and order the client uses (or none at
// all — no Accept, no User-Agent added), response header names are kept as the server wrote them
// (`rawHeaders`) so a case-sensitive lookup can fail the way .NET dictionaries and `==` compares
// do, bodies are gunzipped only the way the client would, and a client-side time limit aborts
// the request as the client's own HTTP stack would.
//
// DNS is emulated: every absolute URL a client follows (`https://pool01.example.test:PORT/…`,
// `http://lyncdiscover.example.test`) is sent to 127.0.0.1 with the URL's host in the Host
// header; a URL without a port goes to the listener a real deployment would publish there.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { gunzipSync } from 'node:zlib'

/** Where a host name resolves: the local port serving it (by scheme when the URL has no port). */
export interface Dns {
  portFor(url: URL): number
}

export type Gunzip = 'if-encoded' | 'never'

export interface WireOptions {
  readonly method?: string
  /** Request headers in the client's order and spelling. Host and Content-Length are added. */
  readonly headers?: ReadonlyArray<readonly [string, string]>
  readonly body?: string | Buffer
  /** 'if-encoded': decode when Content-Encoding says gzip (requests, browsers); 'never': raw. */
  readonly gunzip?: Gunzip
  /** The client's own limit: the request is aborted after this many ms (the client gives up). */
  readonly clientTimeoutMs?: number
  /** Abort the request once it is on the wire (resolves with status 0). */
  readonly abortAfterSend?: boolean
}

export interface Wire {
  readonly status: number
  /** Header names and values as the server sent them, alternating (node's rawHeaders). */
  readonly rawHeaders: readonly string[]
  readonly body: Buffer
  /** Bytes on the wire (before any gunzip). */
  readonly rawLength: number
  readonly text: string
  /** The body parsed as JSON, undefined when it is not JSON. */
  readonly json: any
  /** Values of the header spelled exactly `name` (a case-sensitive dictionary lookup). */
  exact(name: string): string[]
  /** Values of the header named `name` in any casing. */
  any(name: string): string[]
  /** The raw header block as a client printing it would see it (`Name: value` lines). */
  block(): string
}

export class ClientTimeout extends Error {}

export function send(dns: Dns, url: string, options: WireOptions = {}): Promise<Wire> {
  const target = new URL(url)
  const secure = target.protocol === 'https:'
  const body = options.body
  const headers: string[] = ['Host', target.host]
  for (const [name, value] of options.headers ?? []) headers.push(name, value)
  if (body !== undefined) headers.push('Content-Length', String(Buffer.byteLength(body)))
  else if (options.method && !['GET', 'HEAD', 'DELETE'].includes(options.method)) {
    headers.push('Content-Length', '0')
  }
  const open = secure ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const req = open(
      {
        host: '127.0.0.1',
        port: dns.portFor(target),
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers,
        setHost: false,
        agent: false,
        rejectUnauthorized: false,
        servername: secure ? target.hostname : undefined,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          if (timer) clearTimeout(timer)
          resolve(toWire(res, Buffer.concat(chunks), options.gunzip ?? 'never'))
        })
        res.on('error', reject)
      },
    )
    req.on('error', (error) => {
      if (timer) clearTimeout(timer)
      if (!options.abortAfterSend) reject(error)
    })
    if (options.abortAfterSend) req.on('close', () => resolve(toWire(undefined, Buffer.alloc(0), 'never')))
    if (options.clientTimeoutMs !== undefined) {
      timer = setTimeout(() => {
        req.destroy(new ClientTimeout(`client gave up after ${options.clientTimeoutMs} ms on ${url}`))
        reject(new ClientTimeout(`client gave up after ${options.clientTimeoutMs} ms on ${url}`))
      }, options.clientTimeoutMs)
    }
    if (options.abortAfterSend) req.on('finish', () => setImmediate(() => req.destroy()))
    if (body !== undefined) req.write(body)
    req.end()
  })
}

function toWire(res: IncomingMessage | undefined, raw: Buffer, gunzip: Gunzip): Wire {
  const rawHeaders = res?.rawHeaders ?? []
  const pairs: Array<[string, string]> = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    pairs.push([rawHeaders[i] ?? '', rawHeaders[i + 1] ?? ''])
  const encoded = pairs.some(([n, v]) => n.toLowerCase() === 'content-encoding' && /gzip/i.test(v))
  const body = gunzip === 'if-encoded' && encoded ? gunzipSync(raw) : raw
  const text = body.toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return {
    status: res?.statusCode ?? 0,
    rawHeaders,
    body,
    rawLength: raw.length,
    text,
    json,
    exact: (name) => pairs.filter(([n]) => n === name).map(([, v]) => v),
    any: (name) => pairs.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v),
    block: () =>
      [
        `HTTP/1.1 ${res?.statusCode ?? 0} ${res?.statusMessage ?? ''}`,
        ...pairs.map(([n, v]) => `${n}: ${v}`),
      ].join('\r\n'),
  }
}

/** A multipart/form-data body the way PHP's curl builds one from an array of POST fields. */
export function multipart(fields: Record<string, string>): { contentType: string; body: string } {
  const boundary = '------------------------a1b2c3d4e5f60718'
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  )
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: `${parts.join('')}--${boundary}--\r\n`,
  }
}
