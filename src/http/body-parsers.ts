// Request body parsers. UCWA clients send JSON (often with an empty body on action POSTs), the
// XML `<input>` form (Windows Store and mobile clients), plain text or HTML (sendMessage), and
// the token endpoint takes url-encoded or multipart forms. Every parse failure is a UCWA error.

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

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseJson(body as string))
  })
  app.addContentTypeParser(XML_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseUcwaXmlInput(body as string))
    } catch (error) {
      done(error as Error)
    }
  })
  app.addContentTypeParser(TEXT_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
    parseMultipart(req, body as Buffer).then(
      (fields) => done(null, fields),
      (error: unknown) => done(error as Error),
    )
  })
}

function parseJson(raw: string): unknown {
  // Some stacks prefix a UTF-8 byte order mark; it is not part of the JSON text.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
  // Clients POST actions (accept, reportMyActivity, typing) with a JSON content type and no body.
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new UcwaError('DeserializationFailure', { message: 'The request body is not valid JSON.' })
  }
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

async function parseMultipart(req: FastifyRequest, body: Buffer): Promise<Record<string, string>> {
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
