// Instant messaging resources (ucwa-protocol §7): startMessaging (messagingInvitations), the
// invitation with accept/decline, conversations, messaging with sendMessage / typing /
// terminate, participants and messages. Paths follow the real layout (§13), with the aliases
// clients build themselves. See docs/messaging.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { UcwaError } from '../../domain/errors.ts'
import { fromDataUri } from '../../domain/messaging/data-uri.ts'
import { conversationData, participantData } from '../../domain/messaging/messaging-events.ts'
import type { ContentType } from '../../domain/messaging/messaging-types.ts'
import { requireSession } from '../context.ts'
import {
  renderConversation,
  renderInvitation,
  renderMessage,
  renderMessaging,
  renderParticipant,
} from '../hal/messaging.ts'
import { bare, hrefOf } from '../hal/refs.ts'
import { readInput } from '../input.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, requireApp, type UcwaDeps } from './app-context.ts'

const Importance = Type.Union(['Normal', 'Urgent', 'Emergency'].map((v) => Type.Literal(v)))
const StartMessagingInput = Type.Object({
  to: Type.String({ minLength: 1, maxLength: 300 }),
  subject: Type.Optional(Type.String({ maxLength: 250 })),
  importance: Type.Optional(Importance),
  operationId: Type.Optional(Type.String({ maxLength: 50 })),
  threadId: Type.Optional(Type.String({ maxLength: 100 })),
  sessionContext: Type.Optional(Type.String({ maxLength: 50 })),
  telemetryId: Type.Optional(Type.Unknown()),
  _links: Type.Optional(Type.Object({ message: Type.Optional(Type.Object({ href: Type.String() })) })),
})

type Params = { cid: string; id: string; seq: string; sip: string }

/** A query parameter, any casing (`operationContext`, `OperationContext`, `operationId`). */
function queryValue(req: FastifyRequest, ...names: string[]): string | undefined {
  const query = req.query as Record<string, unknown>
  for (const [key, value] of Object.entries(query)) {
    if (names.includes(key.toLowerCase()) && typeof value === 'string') return value
  }
  return undefined
}

export function messagingRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const { messaging } = deps

  const start = async (req: FastifyRequest, reply: FastifyReply) => {
    const input = readInput(StartMessagingInput, req.body ?? {})
    const first = input._links?.message?.href
    const message = first === undefined ? undefined : fromDataUri(first)
    if (first !== undefined && !message) {
      throw new UcwaError('ParameterValidationFailure', {
        message: 'The first message must be a data:text/plain or data:text/html URI.',
        parameters: [{ name: '_links.message', reason: 'is not a text data URI' }],
      })
    }
    const id = await messaging.start(requireSession(req), requireApp(req), {
      to: input.to,
      subject: input.subject,
      importance: input.importance as 'Normal' | undefined,
      operationId: input.operationId,
      threadId: input.threadId,
      message,
    })
    return reply
      .code(201)
      .header('location', hrefOf({ rel: 'messagingInvitation', ids: [id] }, pathsOf(req)))
      .send()
  }
  app.post('/communication/messagingInvitations', start)
  app.post('/communication/startMessaging', start)

  app.get('/communication/messagingInvitations/:id', async (req, reply) => {
    const { id } = req.params as Params
    const data = await messaging.invitation(requireSession(req), requireApp(req), id)
    return sendResource(req, reply, renderInvitation(data, pathsOf(req)))
  })
  app.post('/communication/messagingInvitations/:id/accept', async (req, reply) => {
    const { id } = req.params as Params
    await messaging.accept(requireSession(req), requireApp(req), id)
    return reply.code(204).send()
  })
  app.post('/communication/messagingInvitations/:id/decline', async (req, reply) => {
    const { id } = req.params as Params
    await messaging.decline(requireSession(req), requireApp(req), id)
    return reply.code(204).send()
  })

  app.get('/communication/conversations', async (req, reply) => {
    const paths = pathsOf(req)
    const all = await messaging.conversations(requireSession(req), requireApp(req))
    const session = requireSession(req)
    return sendResource(req, reply, {
      rel: 'conversations',
      _links: { self: { href: `${paths.app}/communication/conversations` } },
      _embedded: {
        conversation: all.map(({ conversation, view, members }) =>
          renderConversation(
            conversationData(
              conversation,
              view.state,
              local(members, session.user.id),
              members.filter((m) => m.state !== 'left').length,
            ),
            paths,
          ),
        ),
      },
    })
  })

  const conversationOf = (req: FastifyRequest) =>
    messaging.conversation(requireSession(req), requireApp(req), (req.params as Params).cid)

  app.get('/communication/conversations/:cid', async (req, reply) => {
    const { conversation, view, members } = await conversationOf(req)
    const session = requireSession(req)
    const count = members.filter((m) => m.state !== 'left').length
    return sendResource(
      req,
      reply,
      renderConversation(
        conversationData(conversation, view.state, local(members, session.user.id), count),
        pathsOf(req),
      ),
    )
  })
  const leave = async (req: FastifyRequest, reply: FastifyReply) => {
    await messaging.leave(requireSession(req), requireApp(req), (req.params as Params).cid)
    return reply.code(204).send()
  }
  app.delete('/communication/conversations/:cid', leave)
  app.post('/communication/conversations/:cid/messaging/terminate', leave)
  app.post('/communication/conversations/:cid/messaging/stopMessaging', leave)

  app.get('/communication/conversations/:cid/messaging', async (req, reply) => {
    const { view } = await conversationOf(req)
    const data = messaging.messagingData(view.conversationId, view.messaging, requireApp(req))
    return sendResource(req, reply, renderMessaging(data, pathsOf(req)))
  })

  app.post('/communication/conversations/:cid/messaging/messages', async (req, reply) => {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (contentType !== 'text/plain' && contentType !== 'text/html') {
      throw new UcwaError('UnsupportedMediaType', { message: 'Send the message as text/plain or text/html.' })
    }
    const body = typeof req.body === 'string' ? req.body : ''
    const operationId = queryValue(req, 'operationcontext', 'operationid') ?? null
    const message = await messaging.send(
      requireSession(req),
      requireApp(req),
      (req.params as Params).cid,
      { contentType: contentType as ContentType, body },
      operationId,
    )
    return reply
      .code(201)
      .header(
        'location',
        hrefOf({ rel: 'message', ids: [message.conversationId, String(message.seq)] }, pathsOf(req)),
      )
      .send()
  })
  app.get('/communication/conversations/:cid/messaging/messages/:seq', async (req, reply) => {
    const { cid, seq } = req.params as Params
    if (!/^\d{1,15}$/.test(seq)) throw new UcwaError('ResourceNotFound')
    const data = await messaging.message(requireSession(req), requireApp(req), cid, Number(seq))
    return sendResource(req, reply, renderMessage(data, pathsOf(req)))
  })
  app.post('/communication/conversations/:cid/messaging/typing', async (req, reply) => {
    await messaging.typing(requireSession(req), requireApp(req), (req.params as Params).cid)
    return reply.code(204).send()
  })
  app.get('/communication/conversations/:cid/messaging/typingParticipants', async (req, reply) => {
    const { conversation, members } = await conversationOf(req)
    const paths = pathsOf(req)
    const typing = messaging.typingIn(requireSession(req), conversation.id, members)
    return sendResource(req, reply, {
      rel: 'typingParticipants',
      _links: { self: { href: hrefOf({ rel: 'typingParticipants', ids: [conversation.id] }, paths) } },
      _embedded: { participant: typing.map((p) => renderParticipant(conversation.id, p, paths)) },
    })
  })

  app.get('/communication/conversations/:cid/participants', async (req, reply) => {
    const { conversation, members } = await conversationOf(req)
    const paths = pathsOf(req)
    const session = requireSession(req)
    const present = members.filter((m) => m.state === 'connected')
    return sendResource(req, reply, {
      rel: 'participants',
      _links: { self: { href: hrefOf({ rel: 'participants', ids: [conversation.id] }, paths) } },
      _embedded: {
        participant: present.map((m) =>
          renderParticipant(conversation.id, participantData(m, m.userId === session.user.id), paths),
        ),
      },
    })
  })
  app.get('/communication/conversations/:cid/participants/:sip', async (req, reply) => {
    const { conversation, members } = await conversationOf(req)
    const session = requireSession(req)
    const wanted = bare(decodeURIComponent((req.params as Params).sip))
    const member = members.find((m) => bare(m.uri) === wanted && m.state !== 'left')
    if (!member) throw new UcwaError('ResourceNotFound')
    const data = participantData(member, member.userId === session.user.id)
    return sendResource(req, reply, renderParticipant(conversation.id, data, pathsOf(req)))
  })
  app.get('/communication/conversations/:cid/participants/:sip/messaging', async (req, reply) => {
    const { conversation, members } = await conversationOf(req)
    const paths = pathsOf(req)
    const wanted = bare(decodeURIComponent((req.params as Params).sip))
    const member = members.find((m) => bare(m.uri) === wanted && m.state === 'connected')
    if (!member) throw new UcwaError('ResourceNotFound')
    const participant = hrefOf({ rel: 'participant', ids: [conversation.id, member.uri] }, paths)
    return sendResource(req, reply, {
      rel: 'participantMessaging',
      _links: {
        self: { href: `${participant}/messaging` },
        participant: { href: participant, title: member.name },
      },
    })
  })
}

function local(members: readonly { userId: string; uri: string; name: string }[], userId: string) {
  const me = members.find((m) => m.userId === userId)
  return me && participantData(me, true)
}
