// PUT communication: the PUT rules every PUT-able UCWA resource follows (docs/protocol.md §3.4) —
// If-Match required (428) and current (412), the whole resource sent back including the
// "please pass this in a PUT request" GUID property (400 without it).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { Application } from '../../domain/applications/application-types.ts'
import { UcwaError } from '../../domain/errors.ts'
import { requireSession } from '../context.ts'
import { etagOf, ifMatchList, PUT_GUID_VALUE, putGuid } from '../hal/etag.ts'
import { communicationProperties } from '../hal/resources.ts'
import { readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { requireApp, type UcwaDeps } from './app-context.ts'

const Modality = Type.Union(
  [
    'Audio',
    'Video',
    'PhoneAudio',
    'ApplicationSharing',
    'Messaging',
    'DataCollaboration',
    'PanoramicVideo',
  ].map((m) => Type.Literal(m)),
)
const Policy = Type.Union([Type.Literal('Enabled'), Type.Literal('Disabled'), Type.Literal('None')])

const CommunicationInput = Type.Object({
  audioPreference: Type.Optional(Type.Union([Type.Literal('PhoneAudio'), Type.Literal('VoipAudio')])),
  conversationHistory: Type.Optional(Policy),
  phoneNumber: Type.Optional(Type.String({ maxLength: LIMITS.phoneNumber })),
  // The XML <input> form carries every value as text; GET renders booleans as True/False.
  publishEndpointLocation: Type.Optional(
    Type.Union([Type.Boolean(), ...['True', 'False', 'true', 'false'].map((b) => Type.Literal(b))]),
  ),
  supportedMessageFormats: Type.Optional(
    Type.Array(Type.Union([Type.Literal('Plain'), Type.Literal('Html')]), { maxItems: LIMITS.enumList }),
  ),
  supportedModalities: Type.Optional(Type.Array(Modality, { maxItems: LIMITS.enumList })),
  videoBasedScreenSharing: Type.Optional(Policy),
})

export function communicationRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  app.put('/communication', async (req, reply) => {
    const current = await matchingApplication(req, deps)
    const guid = putGuid(current.id, 'communication')
    const body = (req.body ?? {}) as Record<string, unknown>
    if (typeof body !== 'object' || body[guid] !== PUT_GUID_VALUE) {
      throw new UcwaError('ParameterValidationFailure', {
        message: `Send the whole resource back, including the "${guid}" property.`,
        parameters: [{ name: guid, reason: 'is required' }],
      })
    }
    const input = readInput(CommunicationInput, body)
    // A PUT sends the whole resource: a phone number it leaves out is cleared.
    const updated = await deps.applications.setCommunication(requireSession(req), current, {
      audioPreference: input.audioPreference,
      conversationHistory: input.conversationHistory && enabled(input.conversationHistory),
      phoneNumber: input.phoneNumber ?? null,
      publishEndpointLocation:
        input.publishEndpointLocation === undefined
          ? undefined
          : String(input.publishEndpointLocation).toLowerCase() === 'true',
      supportedMessageFormats: input.supportedMessageFormats,
      supportedModalities: input.supportedModalities,
      videoBasedScreenSharing: input.videoBasedScreenSharing && enabled(input.videoBasedScreenSharing),
    })
    return reply
      .code(204)
      .header('etag', `"${etagOf(communicationProperties(updated))}"`)
      .send()
  })
}

/** The caller's application if the request's If-Match names its communication ETag (428, 412). */
async function matchingApplication(req: FastifyRequest, deps: UcwaDeps): Promise<Application> {
  const ifMatch = ifMatchList(req.headers['if-match'])
  if (ifMatch.length === 0) throw new UcwaError('PreconditionRequired')
  const matches = (app: Application) =>
    ifMatch.includes('*') || ifMatch.includes(etagOf(communicationProperties(app)))
  const cached = requireApp(req)
  if (matches(cached)) return cached
  // This node's copy may predate a PUT made through another node a moment ago: ask the store.
  const current = await deps.applications.reread(requireSession(req), cached.id)
  if (!matches(current)) throw new UcwaError('PreconditionFailed')
  return current
}

const enabled = (p: 'Enabled' | 'Disabled' | 'None'): 'Enabled' | 'Disabled' =>
  p === 'Enabled' ? 'Enabled' : 'Disabled'
