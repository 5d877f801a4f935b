// Writing UCWA resources: JSON (the default) or XML, a quoted ETag where the resource has one,
// and 304 for a matching If-None-Match.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ifMatchList } from './hal/etag.ts'
import type { HalResource } from './hal/resources.ts'
import { renderUcwaXml } from './hal/xml.ts'
import { wantsXml } from './negotiation.ts'

/** JSON as UCWA wrote it: ASP.NET dates with escaped slashes (`"\/Date(1364327898968)\/"`). */
export function toUcwaJson(value: unknown): string {
  return JSON.stringify(value).replace(/"\/Date\((-?\d+)\)\/"/g, '"\\/Date($1)\\/"')
}

export function sendResource(
  req: FastifyRequest,
  reply: FastifyReply,
  resource: HalResource,
  options: { status?: number; etag?: string } = {},
): FastifyReply {
  const etag = options.etag ?? (typeof resource.etag === 'string' ? resource.etag : undefined)
  if (etag !== undefined) {
    reply.header('etag', `"${etag}"`)
    if ((options.status ?? 200) === 200 && ifMatchList(req.headers['if-none-match']).includes(etag)) {
      return reply.code(304).send()
    }
  }
  reply.code(options.status ?? 200).header('vary', 'Accept')
  if (wantsXml(req)) return reply.type('application/xml; charset=utf-8').send(renderUcwaXml(resource))
  return reply.type('application/json; charset=utf-8').send(toUcwaJson(resource))
}
