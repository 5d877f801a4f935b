// people/contactsAndGroupsSubscription: the people hub links to it, and clients start or refresh
// it before they expect contact-list events. Parley sends those events to every application
// anyway, so the subscription is always on (docs/applications.md).
import type { FastifyInstance } from 'fastify'
import { UcwaError } from '../../domain/errors.ts'
import { renderContactsAndGroupsSubscription } from '../hal/contact.ts'
import { queryParam } from '../input.ts'
import { sendResource } from '../reply.ts'
import { pathsOf } from './app-context.ts'

export function contactsSubscriptionRoutes(app: FastifyInstance): void {
  const path = '/people/contactsAndGroupsSubscription'
  app.get(path, (req, reply) => sendResource(req, reply, renderContactsAndGroupsSubscription(pathsOf(req))))
  // `duration` (minutes, 10–60 on Lync) has nothing to extend here, but a value that is not a
  // number is still bad input and refused.
  app.post(`${path}/startOrRefreshSubscriptionToContactsAndGroups`, (req, reply) => {
    const duration = queryParam(req, 'duration')
    if (duration !== undefined && !/^\s*\d+\s*$/.test(duration)) {
      throw new UcwaError('ParameterValidationFailure', {
        message: 'duration must be a number of minutes.',
        parameters: [{ name: 'duration', reason: 'must be a whole number' }],
      })
    }
    return sendResource(req, reply, renderContactsAndGroupsSubscription(pathsOf(req)), { status: 201 })
  })
}
