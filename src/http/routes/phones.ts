// me/phones and me/phones/{type}: the user's phone lines, from the directory (docs/me.md).
// Read-only: directory numbers have no changeNumber / changeVisibility on Lync either.
import type { FastifyInstance } from 'fastify'
import { UcwaError } from '../../domain/errors.ts'
import { phoneLineOf, phoneLinesOf } from '../../domain/users/phones.ts'
import { requireSession } from '../context.ts'
import { renderPhone, renderPhones } from '../hal/me-resources.ts'
import { sendResource } from '../reply.ts'
import { pathsOf } from './app-context.ts'

export function phoneRoutes(app: FastifyInstance): void {
  app.get('/me/phones', (req, reply) =>
    sendResource(req, reply, renderPhones(phoneLinesOf(requireSession(req).user), pathsOf(req))),
  )
  app.get('/me/phones/:type', (req, reply) => {
    const { type } = req.params as { type: string }
    const line = phoneLineOf(requireSession(req).user, type)
    if (!line) throw new UcwaError('ResourceNotFound')
    return sendResource(req, reply, renderPhone(line, pathsOf(req)))
  })
}
