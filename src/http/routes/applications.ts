// The UCWA application and its hub resources (docs/protocol.md §3, §10.1), under both
// /ucwa/oauth/v1/applications and /ucwa/v1/applications. See docs/applications.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { UcwaError } from '../../domain/errors.ts'
import { asApplicationId } from '../../domain/ids.ts'
import { batchRoute } from '../batch/batch-route.ts'
import { requireSession } from '../context.ts'
import { EMBEDDED_RENDERERS } from '../hal/embedded.ts'
import {
  renderApplication,
  renderCommunication,
  renderOnlineMeetings,
  renderPeople,
  renderPolicies,
} from '../hal/resources.ts'
import { AppPaths, prefixOf } from '../hal/ucwa-paths.ts'
import { readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, requireApp, type UcwaDeps } from './app-context.ts'
import { communicationRoutes } from './communication.ts'
import { contactsSubscriptionRoutes } from './contacts-subscription.ts'
import { conversationLogRoutes } from './conversation-logs.ts'
import { conversationRoutes } from './conversations.ts'
import { eventRoutes } from './events.ts'
import { meRoutes } from './me.ts'
import { mediaRoutes } from './media.ts'
import { messagingRoutes } from './messaging.ts'
import { peopleRoutes } from './people.ts'
import { subscriptionRoutes } from './subscriptions.ts'

const ApplicationInputSchema = Type.Object({
  userAgent: Type.String({ minLength: 1, maxLength: LIMITS.userAgent }),
  endpointId: Type.String({ minLength: 1, maxLength: LIMITS.endpointId }),
  culture: Type.String({ minLength: 1, maxLength: LIMITS.culture }),
  type: Type.Optional(Type.String({ maxLength: LIMITS.applicationType })),
  instanceId: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
})

const APP_ID = /^\d{1,20}$/

/** Routes under one UCWA prefix; registered once per prefix. */
export function applicationRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  app.decorateRequest('application', null)
  app.addHook('onRequest', deps.authenticate.hook)

  app.post('/', async (req, reply) => {
    const session = requireSession(req)
    const input = readInput(ApplicationInputSchema, req.body)
    const { app: created, created: isNew } = await deps.applications.create(
      session,
      req.parley.match.pool.fqdn,
      input,
      req.parley.access,
    )
    const paths = new AppPaths(prefixOf(req.url), created.id)
    setPhotoCookie(req, reply, paths)
    return sendResource(req, reply, renderApplication(created, session.user, paths), {
      status: isNew ? 201 : 200,
    })
  })

  app.register(
    async (scoped) => {
      // Callback-style: on every request, and the cached application costs no promise.
      scoped.addHook('preHandler', (req, _reply, done) => {
        const { appId } = req.params as { appId: string }
        if (!APP_ID.test(appId)) {
          done(new UcwaError('ApplicationNotFound'))
          return
        }
        const session = requireSession(req)
        const id = asApplicationId(appId)
        const cached = deps.applications.cachedUse(session, id)
        if (cached) {
          req.application = cached
          done()
          return
        }
        deps.applications.use(session, id).then((app) => {
          req.application = app
          done()
        }, done)
      })
      scoped.get('/', (req, reply) => {
        const paths = pathsOf(req)
        setPhotoCookie(req, reply, paths)
        return sendResource(req, reply, renderApplication(requireApp(req), requireSession(req).user, paths))
      })
      scoped.delete('/', async (req, reply) => {
        await deps.applications.remove(requireSession(req), requireApp(req).id)
        return reply.code(204).send()
      })
      scoped.get('/policies', async (req, reply) =>
        sendResource(
          req,
          reply,
          renderPolicies(await deps.policies.clientPoliciesOf(requireSession(req).user), pathsOf(req)),
        ),
      )
      scoped.get('/people', (req, reply) => sendResource(req, reply, renderPeople(pathsOf(req))))
      scoped.get('/onlineMeetings', (req, reply) =>
        sendResource(req, reply, renderOnlineMeetings(pathsOf(req))),
      )
      scoped.get('/communication', (req, reply) =>
        sendResource(req, reply, renderCommunication(requireApp(req), pathsOf(req))),
      )
      communicationRoutes(scoped, deps)
      batchRoute(scoped, deps.root)
      meRoutes(scoped, deps)
      mediaRoutes(scoped, deps)
      subscriptionRoutes(scoped, deps)
      contactsSubscriptionRoutes(scoped)
      peopleRoutes(scoped, deps)
      conversationRoutes(scoped, deps)
      messagingRoutes(scoped, deps)
      conversationLogRoutes(scoped, deps)
      eventRoutes(scoped, { channel: deps.channel, renderers: EMBEDDED_RENDERERS, ...deps.events })
    },
    { prefix: '/:appId' },
  )
}

// Browsers cannot put a bearer token on <img> requests: Lync set the token as a cookie scoped to
// the application's photos path (docs/protocol.md §2.3).
function setPhotoCookie(req: FastifyRequest, reply: FastifyReply, paths: AppPaths): void {
  const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]
  if (!token) return
  // SameSite=None (needed inside the XFrame) is only valid on Secure cookies.
  const cross = req.protocol === 'https' ? '; Secure; SameSite=None' : ''
  reply.header('set-cookie', `cwt_ucwa=${token}; Path=${paths.app}/photos; HttpOnly${cross}`)
}
