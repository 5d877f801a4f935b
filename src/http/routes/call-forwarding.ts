// me/callForwardingSettings and its three children, read-only until Parley carries calls: every
// user is shown with forwarding off and no action links (docs/me.md).
import type { FastifyInstance } from 'fastify'
import { callForwardingOf } from '../../domain/users/call-forwarding.ts'
import { requireSession } from '../context.ts'
import {
  FORWARDING_CHILDREN,
  renderCallForwardingSettings,
  renderForwardingChild,
} from '../hal/me-resources.ts'
import { sendResource } from '../reply.ts'
import { pathsOf } from './app-context.ts'

export function callForwardingRoutes(app: FastifyInstance): void {
  app.get('/me/callForwardingSettings', (req, reply) =>
    sendResource(
      req,
      reply,
      renderCallForwardingSettings(callForwardingOf(requireSession(req).user), pathsOf(req)),
    ),
  )
  for (const child of FORWARDING_CHILDREN) {
    app.get(`/me/callForwardingSettings/${child}`, (req, reply) =>
      sendResource(
        req,
        reply,
        renderForwardingChild(child, callForwardingOf(requireSession(req).user), pathsOf(req)),
      ),
    )
  }
}
