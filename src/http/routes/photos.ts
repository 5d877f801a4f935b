// Photos (docs/protocol.md §6): `…/photos/{sip}` (me's `photo` and every contact's `contactPhoto`)
// and the `…/photo` alias for the caller's own. Any Accept is fine (clients send image/png,
// image/jpeg or */*); the bearer token or, here only, the `cwt_ucwa` cookie authenticates
// (routes/authenticate.ts). See docs/contacts.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { addressOf } from '../../domain/users/sip-uri.ts'
import { requireSession } from '../context.ts'
import { ifMatchList } from '../hal/etag.ts'
import { DEFAULT_PHOTO_EDGE, placeholderPhoto } from '../hal/placeholder-photo.ts'
import type { UcwaDeps } from './app-context.ts'

/** How long clients may cache a photo (Lync answered `Cache-Control: private` with an Expires). */
export const PHOTO_MAX_AGE_SECONDS = 3600

/** `HR64X64` → 64 × 64; anything else asks for the default HR48X48, as an absent size does. */
function sizeOf(req: FastifyRequest): { width: number; height: number } {
  const query = req.query as Record<string, unknown>
  const key = Object.keys(query).find((k) => k.toLowerCase() === 'size')
  const value = key === undefined ? undefined : query[key]
  const text = Array.isArray(value) ? value.at(-1) : value
  const m = /^HR(\d{1,4})X(\d{1,4})$/i.exec(typeof text === 'string' ? text.trim() : '')
  if (!m) return { width: DEFAULT_PHOTO_EDGE, height: DEFAULT_PHOTO_EDGE }
  return { width: Number(m[1]), height: Number(m[2]) }
}

export function photoRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const { contacts } = deps

  const sendPhoto = async (req: FastifyRequest, reply: FastifyReply, address: string) => {
    const result = await contacts.photo(requireSession(req), address)
    // A user without a photo gets the placeholder (the photo link exists even when none is set).
    // Stored photos are served as they are; Parley does not resize.
    const { width, height } = sizeOf(req)
    const placeholder = result.photo ? undefined : placeholderPhoto(width, height)
    const etag = result.etag ?? placeholder?.etag ?? ''
    reply
      .header('etag', `"${etag}"`)
      .header('cache-control', `private, max-age=${PHOTO_MAX_AGE_SECONDS}`)
      .header('expires', new Date(Date.now() + PHOTO_MAX_AGE_SECONDS * 1000).toUTCString())
      .header('x-content-type-options', 'nosniff')
    const ifNoneMatch = ifMatchList(req.headers['if-none-match'])
    if (ifNoneMatch.includes(etag) || ifNoneMatch.includes('*')) return reply.code(304).send()
    const bytes = result.photo ? Buffer.from(result.photo.bytes) : (placeholder?.bytes ?? Buffer.alloc(0))
    const type = result.photo?.contentType ?? placeholder?.contentType ?? 'image/png'
    return reply.code(200).type(type).send(bytes)
  }

  app.get('/photos/:contact', (req, reply) =>
    sendPhoto(req, reply, (req.params as { contact: string }).contact),
  )
  app.get('/photo', (req, reply) => sendPhoto(req, reply, addressOf(requireSession(req).user.sipUri)))
}
