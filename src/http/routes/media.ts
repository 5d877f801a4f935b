// Audio/video and phone audio (Call via Work) invitations. Parley has no media yet: these routes
// exist so that a user whose mobility policy forbids the modality gets the documented 403
// (ModalityNotSupported) rather than a bare 404; everyone else gets 404, as before.
// See docs/policies.md.
import type { FastifyInstance } from 'fastify'
import { UcwaError } from '../../domain/errors.ts'
import { mediaRights } from '../../domain/policies/client-policies.ts'
import { requireSession } from '../context.ts'
import type { UcwaDeps } from './app-context.ts'

export function mediaRoutes(app: FastifyInstance, deps: Pick<UcwaDeps, 'policies'>): void {
  const rights = async (req: Parameters<typeof requireSession>[0]) => {
    const user = requireSession(req).user
    return mediaRights(user, await deps.policies.mobilityOf(user))
  }
  app.post('/communication/audioVideoInvitations', async (req) => {
    if (!(await rights(req)).audioVideo) throw new UcwaError('AudioVideoNotAllowed')
    throw new UcwaError('ResourceNotFound', {
      message: 'Audio and video are not available on this server yet.',
    })
  })
  app.post('/communication/phoneAudioInvitations', async (req) => {
    if (!(await rights(req)).phoneAudio) throw new UcwaError('PhoneAudioNotAllowed')
    throw new UcwaError('ResourceNotFound', { message: 'Call via Work is not available on this server yet.' })
  })
}
