// Content negotiation. JSON is the default (no Accept, `*/*`); XML only when asked for.
import type { FastifyRequest } from 'fastify'

const XML_ACCEPT = /application\/(?:vnd\.microsoft\.com\.ucwa\+)?xml|text\/xml/i

/** True when the client asked for the UCWA XML representation rather than JSON. */
export function wantsXml(req: FastifyRequest): boolean {
  const accept = req.headers.accept
  if (!accept || !XML_ACCEPT.test(accept)) return false
  return (
    !/application\/(?:vnd\.microsoft\.com\.ucwa\+)?json/i.test(accept) ||
    accept.search(XML_ACCEPT) < accept.search(/json/i)
  )
}

export type AutodiscoverFormat = 'json' | 'xml' | 'vnd-json'

/** Autodiscover's three representations (docs/protocol.md §1.3). */
export function autodiscoverFormat(req: FastifyRequest): AutodiscoverFormat {
  const accept = req.headers.accept ?? ''
  if (/application\/vnd\.microsoft\.rtc\.autodiscover\+xml/i.test(accept)) return 'xml'
  if (/application\/vnd\.microsoft\.rtc\.autodiscover\+json/i.test(accept)) return 'vnd-json'
  if (/(?:application|text)\/xml/i.test(accept) && !/json/i.test(accept)) return 'xml'
  return 'json'
}
