// The UCWA XML representation (docs/protocol.md §10.4), rendered from the same JSON resource
// objects the routes build: properties become <property>/<propertyList>, `_links` become <link>,
// `_embedded` resources nest as <resource>.

export const UCWA_NS = 'http://schemas.microsoft.com/rtc/2012/03/ucwa'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
interface Link {
  href: string
  title?: string
  revision?: string
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  )
}

const ASP_NET_DATE = /^\/Date\((-?\d+)\)\/$/

// Dates are ASP.NET `/Date(ms)/` strings in the JSON resources; XML carries them as ISO 8601.
const scalar = (v: Json): string => {
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  const date = typeof v === 'string' ? ASP_NET_DATE.exec(v) : null
  if (date) return new Date(Number(date[1])).toISOString()
  return String(v ?? '')
}

function renderResource(resource: Record<string, Json>, rel: string, root: boolean, indent: string): string {
  const links = (resource._links ?? {}) as unknown as Record<string, Link | Link[]>
  // An embedded resource without a self link of its own (a participant of an invitation whose
  // conversation is gone for the reader) gets no href attribute rather than an empty one.
  const self = (links.self as Link | undefined)?.href
  const href = self === undefined ? '' : ` href="${escapeXml(self)}"`
  const ns = root ? ` xmlns="${UCWA_NS}"` : ''
  return [
    `${indent}<resource rel="${escapeXml(rel)}"${href}${ns}>`,
    ...renderLinks(links, `${indent}  `),
    ...renderProperties(resource, `${indent}  `),
    ...renderEmbedded((resource._embedded ?? {}) as Record<string, Json>, `${indent}  `),
    `${indent}</resource>`,
  ].join('\n')
}

function renderLinks(links: Record<string, Link | Link[]>, indent: string): string[] {
  const out: string[] = []
  for (const [name, value] of Object.entries(links)) {
    if (name === 'self') continue
    for (const link of Array.isArray(value) ? value : [value]) {
      const title = link.title === undefined ? '' : ` title="${escapeXml(link.title)}"`
      const revision = link.revision === undefined ? '' : ` revision="${escapeXml(link.revision)}"`
      out.push(`${indent}<link rel="${escapeXml(name)}" href="${escapeXml(link.href)}"${title}${revision} />`)
    }
  }
  return out
}

function renderProperties(resource: Record<string, Json>, indent: string): string[] {
  const out: string[] = []
  for (const [name, value] of Object.entries(resource)) {
    // `rel` is the <resource> element's attribute, not a property.
    if (name === '_links' || name === '_embedded' || name === 'rel') continue
    if (Array.isArray(value)) {
      out.push(`${indent}<propertyList name="${escapeXml(name)}">`)
      for (const item of value) out.push(`${indent}  <item>${escapeXml(scalar(item))}</item>`)
      out.push(`${indent}</propertyList>`)
    } else if (value === null || typeof value !== 'object') {
      out.push(`${indent}<property name="${escapeXml(name)}">${escapeXml(scalar(value))}</property>`)
    }
  }
  return out
}

function renderEmbedded(embedded: Record<string, Json>, indent: string): string[] {
  const out: string[] = []
  for (const [name, value] of Object.entries(embedded)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === 'object' && !Array.isArray(child))
        out.push(renderResource(child, name, false, indent))
    }
  }
  return out
}

/** A UCWA resource (the JSON object a route built) as an XML document. */
export function renderUcwaXml(resource: object): string {
  const r = resource as Record<string, Json>
  const rel = typeof r.rel === 'string' ? r.rel : 'resource'
  return `<?xml version="1.0" encoding="utf-8"?>\n${renderResource(r, rel, true, '')}\n`
}

/** A UCWA error (`reason`) as XML. */
export function renderReasonXml(reason: Record<string, unknown>): string {
  const props = Object.entries(reason)
    .filter(([, v]) => typeof v === 'string')
    .map(([k, v]) => `  <property name="${escapeXml(k)}">${escapeXml(String(v))}</property>`)
  return `<?xml version="1.0" encoding="utf-8"?>\n<reason xmlns="${UCWA_NS}">\n${props.join('\n')}\n</reason>\n`
}
