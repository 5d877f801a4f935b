// me, makeMeAvailable, reportMyActivity and the user's own presence, note and location
// (docs/protocol.md §5.1–5.2), with the doc-sample aliases clients build themselves (§13).
// See docs/presence.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { PREFERRED_AVAILABILITIES, type PreferredAvailability } from '../../domain/presence/presence-rules.ts'
import { requireSession } from '../context.ts'
import { renderLocation, renderNote, renderPresence } from '../hal/presence-resources.ts'
import { renderMe } from '../hal/resources.ts'
import { readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, requireApp, type UcwaDeps } from './app-context.ts'
import { callForwardingRoutes } from './call-forwarding.ts'
import { phoneRoutes } from './phones.ts'

const MODALITIES = [
  'Messaging',
  'PhoneAudio',
  'Audio',
  'Video',
  'ApplicationSharing',
  'DataCollaboration',
  'PanoramicVideo',
]
const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)))

const MakeMeAvailableInput = Type.Object({
  signInAs: Type.Optional(literals(PREFERRED_AVAILABILITIES)),
  supportedModalities: Type.Optional(Type.Array(literals(MODALITIES), { maxItems: LIMITS.enumList })),
  supportedMessageFormats: Type.Optional(
    Type.Array(literals(['Plain', 'Html']), { maxItems: LIMITS.enumList }),
  ),
  audioPreference: Type.Optional(literals(['PhoneAudio', 'VoipAudio'])),
  phoneNumber: Type.Optional(Type.String({ maxLength: LIMITS.phoneNumber })),
  inactiveTimeout: Type.Optional(Type.Unknown()),
  voipFallbackToPhoneAudioTimeOut: Type.Optional(Type.Unknown()),
})
const PresenceInput = Type.Object({ availability: Type.Optional(literals(PREFERRED_AVAILABILITIES)) })
const NoteInput = Type.Object({ message: Type.Optional(Type.String({ maxLength: LIMITS.note })) })
const LocationInput = Type.Object({ location: Type.Optional(Type.String({ maxLength: LIMITS.location })) })

/** Query parameters may carry the input too (`?message=…`); the body wins. */
function inputOf(req: FastifyRequest): Record<string, unknown> {
  const body = req.body
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
    return body as never
  return { ...(req.query as Record<string, unknown>), ...((body as Record<string, unknown>) ?? {}) }
}

export function meRoutes(app: FastifyInstance, deps: Pick<UcwaDeps, 'presence'>): void {
  const { presence } = deps

  app.get('/me', (req, reply) => {
    const application = requireApp(req)
    return sendResource(req, reply, renderMe(requireSession(req).user, pathsOf(req), application.available))
  })
  // The children `me` links to in every state (lurker or available).
  phoneRoutes(app)
  callForwardingRoutes(app)

  const makeMeAvailable = async (req: FastifyRequest, reply: FastifyReply) => {
    const input = readInput(MakeMeAvailableInput, req.body ?? {})
    await presence.makeMeAvailable(requireSession(req), requireApp(req), input)
    return reply.code(204).send()
  }
  app.post('/me/makeMeAvailable', makeMeAvailable)
  app.post('/communication/makeMeAvailable', makeMeAvailable)

  const reportMyActivity = async (req: FastifyRequest, reply: FastifyReply) => {
    await presence.reportActivity(requireSession(req), requireApp(req))
    return reply.code(204).send()
  }
  app.post('/me/reportMyActivity', reportMyActivity)
  app.post('/reportMyActivity', reportMyActivity)

  app.get('/me/presence', async (req, reply) => {
    const { view } = await presence.own(requireSession(req), requireApp(req))
    return sendResource(req, reply, renderPresence(view, pathsOf(req)))
  })
  app.post('/me/presence', async (req, reply) => {
    const { availability } = readInput(PresenceInput, inputOf(req))
    await presence.setAvailability(
      requireSession(req),
      requireApp(req),
      (availability as PreferredAvailability | undefined) ?? null,
    )
    return reply.code(204).send()
  })

  app.get('/me/note', async (req, reply) => {
    const { view } = await presence.own(requireSession(req), requireApp(req))
    return sendResource(req, reply, renderNote(view, pathsOf(req)))
  })
  app.post('/me/note', async (req, reply) => {
    const { message } = readInput(NoteInput, inputOf(req))
    await presence.setNote(requireSession(req), requireApp(req), message?.trim() || null)
    return reply.code(204).send()
  })

  app.get('/me/location', async (req, reply) => {
    const { view } = await presence.own(requireSession(req), requireApp(req))
    return sendResource(req, reply, renderLocation(view, pathsOf(req)))
  })
  app.post('/me/location', async (req, reply) => {
    const { location } = readInput(LocationInput, inputOf(req))
    await presence.setLocation(requireSession(req), requireApp(req), location?.trim() || null)
    return reply.code(204).send()
  })
}
