// Request body parsers. UCWA clients send JSON (often with an empty body on action POSTs), the
// XML `<input>` form (Windows Store and mobile clients), plain text or HTML (sendMessage), and
// the token endpoint takes url-encoded or multipart forms. Every parse failure is a UCWA error.
// Bodies are read as bytes and decoded strictly: invalid UTF-8 is refused, never stored as U+FFFD.

import { XMLParser } from 'fast-xml-parser'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { UcwaError } from '../domain/errors.ts'

const JSON_TYPES = ['application/json', 'application/vnd.microsoft.com.ucwa+json']
const XML_TYPES = ['application/xml', 'text/xml', 'application/vnd.microsoft.com.ucwa+xml']
const TEXT_TYPES = ['text/plain', 'text/html']

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  isArray: (name) => name === 'property' || name === 'propertyList' || name === 'item',
  processEntities: true,
  parseTagValue: false,
})

type Parse = (body: Buffer, req: FastifyRequest) => unknown

/** A buffer parser whose UcwaErrors (thrown synchronously) reach the error handler. */
const parser =
  (parse: Parse) =>
  (req: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) => {
    let parsed: unknown
    try {
      parsed = parse(body as Buffer, req)
    } catch (error) {
      done(error as Error)
      return
    }
    done(null, parsed)
  }

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  const asBuffer = { parseAs: 'buffer' } as const
  app.addContentTypeParser(
    JSON_TYPES,
    asBuffer,
    parser((body) => parseJson(utf8(body))),
  )
  app.addContentTypeParser(
    XML_TYPES,
    asBuffer,
    parser((body) => parseUcwaXmlInput(utf8(body))),
  )
  app.addContentTypeParser(TEXT_TYPES, asBuffer, parser(decodeText))
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    asBuffer,
    parser((body) => parseForm(utf8(body))),
  )
  app.addContentTypeParser('multipart/form-data', asBuffer, (req, body, done) => {
    parseMultipart(req, body as Buffer).then(
      (fields) => done(null, fields),
      (error: unknown) => done(error as Error),
    )
  })
}

// Fatal: a malformed sequence throws instead of becoming U+FFFD. A leading byte order mark
// (some stacks send one) is dropped, as it is not part of the text.
const UTF8 = new TextDecoder('utf-8', { fatal: true })

const notUtf8 = () =>
  new UcwaError('DeserializationFailure', { message: 'The request body is not valid UTF-8.' })

function utf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes)
  } catch {
    throw notUtf8()
  }
}

/**
 * A text/plain or text/html message: in the charset its Content-Type names when the platform
 * knows it (`windows-1252`, `iso-8859-1`, `utf-16`), UTF-8 otherwise (docs/protocol.md §12 item 7).
 */
function decodeText(body: Buffer, req: FastifyRequest): string {
  const label = /;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]
  let decoder = UTF8
  if (label) {
    try {
      decoder = new TextDecoder(label, { fatal: true })
    } catch {
      // An unknown charset: read it as UTF-8, which most such clients send anyway.
    }
  }
  try {
    return decoder.decode(body)
  } catch {
    throw notUtf8()
  }
}

/** JSON that a UCWA input can be: an object, or nothing at all. */
function parseJson(text: string): unknown {
  // Clients POST actions (accept, reportMyActivity, typing) with a JSON content type and no body.
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UcwaError('DeserializationFailure', { message: 'The request body is not valid JSON.' })
  }
  // Every UCWA and admin input is an object (lists travel inside one: `{"contactUris":[…]}`).
  // `null` in particular must not read as `{}`, which would clear a note or a location.
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
    throw new UcwaError('ParameterValidationFailure', {
      message: `The request body must be a JSON object, not ${found}.`,
    })
  }
  return value
}

/**
 * `application/x-www-form-urlencoded` as URLSearchParams reads it (`+` is a space, the last of a
 * repeated name wins, a `%` without two hex digits stays as it is), except that percent-escapes
 * must spell valid UTF-8.
 */
export function parseForm(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = formDecode(eq < 0 ? pair : pair.slice(0, eq))
    fields[name] = eq < 0 ? '' : formDecode(pair.slice(eq + 1))
  }
  return fields
}

const isHex = (byte: number | undefined) =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66))

function formDecode(component: string): string {
  const text = component.replaceAll('+', ' ')
  if (!text.includes('%')) return text
  const bytes = Buffer.from(text, 'utf8')
  const out = Buffer.allocUnsafe(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number
    if (byte === 0x25 && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = Number.parseInt(bytes.toString('latin1', i + 1, i + 3), 16)
      i += 2
    } else {
      out[n++] = byte
    }
  }
  return utf8(out.subarray(0, n))
}

interface XmlProperty {
  '@name'?: string
  '#text'?: string
  item?: unknown[]
}

/** `<input><property name="x">v</property><propertyList name="y"><item>…</item></propertyList></input>`
 * → `{x: "v", y: [...]}`. */
export function parseUcwaXmlInput(text: string): Record<string, unknown> {
  if (text.trim() === '') return {}
  // No DTDs: UCWA input never has one, and entity expansion is a classic amplification attack.
  if (/<!DOCTYPE/i.test(text)) {
    throw new UcwaError('DeserializationFailure', {
      message: 'XML document type declarations are not accepted.',
    })
  }
  let doc: Record<string, unknown>
  try {
    doc = xml.parse(text, true) as Record<string, unknown>
  } catch {
    throw new UcwaError('DeserializationFailure', { message: 'The request body is not well-formed XML.' })
  }
  const root = Object.entries(doc).find(([k]) => !k.startsWith('?'))?.[1]
  if (!root || typeof root !== 'object') return {}
  const input = root as { property?: XmlProperty[]; propertyList?: XmlProperty[] }
  const out: Record<string, unknown> = {}
  for (const p of input.property ?? []) {
    if (p['@name']) out[p['@name']] = typeof p === 'object' ? (p['#text'] ?? '') : String(p)
  }
  for (const l of input.propertyList ?? []) {
    if (l['@name']) out[l['@name']] = (l.item ?? []).map((i) => (typeof i === 'object' ? '' : String(i)))
  }
  return out
}

// Only text fields are read (the token endpoint's), so the whole body must be UTF-8: the form
// parser would otherwise turn a malformed sequence in a password into U+FFFD.
async function parseMultipart(req: FastifyRequest, body: Buffer): Promise<Record<string, string>> {
  utf8(body)
  const contentType = req.headers['content-type'] ?? ''
  let form: FormData
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData()
  } catch {
    throw new UcwaError('DeserializationFailure', { message: 'The multipart/form-data body is malformed.' })
  }
  const fields: Record<string, string> = {}
  for (const [name, value] of form) if (typeof value === 'string') fields[name] = value
  return fields
}
