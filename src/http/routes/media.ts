// Audio/video and phone audio (Call via Work) invitations, and Parley's network-type extension.
// Parley has no media yet: the invitation routes exist so that a user whose mobility policy
// forbids the modality gets the documented 403 (ModalityNotSupported) rather than a bare 404;
// everyone else gets 404, as before. See docs/policies.md.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { UcwaError } from '../../domain/errors.ts'
import { NETWORK_TYPES, type NetworkType } from '../../domain/policies/policy-types.ts'
import { requireSession } from '../context.ts'
import { readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { requireApp, type UcwaDeps } from './app-context.ts'

const NetworkInput = Type.Object({ networkType: Type.String({ maxLength: LIMITS.enumText }) })

export function mediaRoutes(app: FastifyInstance, deps: Pick<UcwaDeps, 'policies'>): void {
  app.post('/communication/audioVideoInvitations', async (req) => {
    await deps.policies.checkAudioVideo(requireSession(req).user, requireApp(req))
    throw new UcwaError('ResourceNotFound', {
      message: 'Audio and video are not available on this server yet.',
    })
  })
  app.post('/communication/phoneAudioInvitations', async (req) => {
    await deps.policies.checkPhoneAudio(requireSession(req).user)
    throw new UcwaError('ResourceNotFound', { message: 'Call via Work is not available on this server yet.' })
  })
  // The application's `reportNetworkType` link: `{"networkType":"WiFi|Wired|Cellular|Unknown"}`.
  app.post('/reportNetworkType', async (req, reply) => {
    const { networkType } = readInput(NetworkInput, req.body ?? {})
    const network = NETWORK_TYPES.find((n) => n.toLowerCase() === networkType.toLowerCase())
    if (!network) {
      throw new UcwaError('ParameterValidationFailure', {
        message: `networkType must be one of ${NETWORK_TYPES.join(', ')}.`,
        parameters: [{ name: 'networkType', reason: `is not one of ${NETWORK_TYPES.join(', ')}` }],
      })
    }
    await deps.policies.reportNetwork(requireApp(req), network as NetworkType)
    return reply.code(204).send()
  })
}
