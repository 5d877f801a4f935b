// Instant messaging resources (docs/protocol.md §7): startMessaging (messagingInvitations), the
// invitation with accept/decline, addParticipant (participantInvitations), conversations,
// messaging with sendMessage / typing / terminate, participants and messages. Paths follow the
// real layout (§13), with the aliases clients build themselves and the doc samples use.
// See docs/messaging.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { UcwaError } from '../../domain/errors.ts'
import type { ContentType, Message, MessageContent } from '../../domain/messaging/messaging-types.ts'
import { requireSession } from '../context.ts'
import {
  renderConversation,
  renderDisconnectedModality,
  renderInvitation,
  renderMessage,
  renderMessaging,
  renderParticipant,
  UNSUPPORTED_MODALITIES,
} from '../hal/messaging.ts'
import { bare, hrefOf } from '../hal/refs.ts'
import { contextParam, firstMessageOf, queryParam, readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, requireApp, type UcwaDeps } from './app-context.ts'

const Importance = Type.Union(['Normal', 'Urgent', 'Emergency'].map((v) => Type.Literal(v)))
const StartMessagingInput = Type.Object({
  to: Type.String({ minLength: 1, maxLength: LIMITS.sipUri }),
  subject: Type.Optional(Type.String({ maxLength: LIMITS.subject })),
  importance: Type.Optional(Importance),
  operationId: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
  threadId: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
  sessionContext: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
  telemetryId: Type.Optional(Type.Unknown()),
  _links: Type.Optional(Type.Object({ message: Type.Optional(Type.Object({ href: Type.String() })) })),
})
const AddParticipantInput = Type.Object({
  to: Type.String({ minLength: 1, maxLength: LIMITS.sipUri }),
  operationId: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
})

type Params = { cid: string; id: string; seq: string; sip: string }

export function messagingRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const { messaging } = deps

  const start = async (req: FastifyRequest, reply: FastifyReply) => {
    const input = readInput(StartMessagingInput, req.body ?? {})
    const message = firstMessageOf(input)
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
    const data = await messaging.invitation(requireSession(req), requireApp(req), id, 'messagingInvitation')
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

  // addParticipant: the conversation's link is …/participantInvitations?conversation=<cid>; the
  // doc samples POST …/conversations/<cid>/addParticipant.
  const addParticipant = async (req: FastifyRequest, reply: FastifyReply, cid: string | undefined) => {
    if (!cid) {
      throw new UcwaError('ParameterValidationFailure', {
        message: 'Name the conversation: participantInvitations?conversation=<id>.',
        parameters: [{ name: 'conversation', reason: 'is required' }],
      })
    }
    const input = readInput(AddParticipantInput, req.body ?? {})
    const id = await messaging.addParticipant(requireSession(req), requireApp(req), cid, {
      to: input.to,
      operationId: input.operationId ?? contextParam(req, 'operationId'),
    })
    return reply
      .code(201)
      .header('location', hrefOf({ rel: 'participantInvitation', ids: [id] }, pathsOf(req)))
      .send()
  }
  app.post('/communication/participantInvitations', (req, reply) =>
    addParticipant(req, reply, queryParam(req, 'conversation')),
  )
  app.post('/communication/conversations/:cid/addParticipant', (req, reply) =>
    addParticipant(req, reply, (req.params as Params).cid),
  )
  app.get('/communication/participantInvitations/:id', async (req, reply) => {
    const { id } = req.params as Params
    const data = await messaging.invitation(requireSession(req), requireApp(req), id, 'participantInvitation')
    return sendResource(req, reply, renderInvitation(data, pathsOf(req)))
  })
  app.post('/communication/participantInvitations/:id/cancel', async (req, reply) => {
    await messaging.cancelParticipant(requireSession(req), requireApp(req), (req.params as Params).id)
    return reply.code(204).send()
  })

  app.get('/communication/conversations', async (req, reply) => {
    const paths = pathsOf(req)
    const all = await messaging.conversations(requireSession(req), requireApp(req))
    return sendResource(req, reply, {
      rel: 'conversations',
      _links: { self: { href: `${paths.app}/communication/conversations` } },
      _embedded: { conversation: all.map((v) => renderConversation(v.conversation, paths)) },
    })
  })

  const conversationOf = (req: FastifyRequest) =>
    messaging.conversation(requireSession(req), requireApp(req), (req.params as Params).cid)

  app.get('/communication/conversations/:cid', async (req, reply) => {
    const { conversation } = await conversationOf(req)
    return sendResource(req, reply, renderConversation(conversation, pathsOf(req)))
  })
  const leave = async (req: FastifyRequest, reply: FastifyReply) => {
    await messaging.leave(requireSession(req), requireApp(req), (req.params as Params).cid)
    return reply.code(204).send()
  }
  app.delete('/communication/conversations/:cid', leave)
  app.post('/communication/conversations/:cid/messaging/terminate', leave)
  app.post('/communication/conversations/:cid/messaging/stopMessaging', leave)

  app.get('/communication/conversations/:cid/messaging', async (req, reply) => {
    const view = await conversationOf(req)
    return sendResource(req, reply, renderMessaging(view.messaging, pathsOf(req)))
  })
  // The modalities Parley does not carry: every conversation links them, as on Lync, and they
  // answer Disconnected with no actions.
  for (const rel of UNSUPPORTED_MODALITIES) {
    app.get(`/communication/conversations/:cid/${rel}`, async (req, reply) => {
      const { conversation } = await conversationOf(req)
      return sendResource(req, reply, renderDisconnectedModality(rel, conversation.id, pathsOf(req)))
    })
  }

  // sendMessage: the body is the text; 201 with the new message's Location. `deliver` is the
  // service call (send, or reply for a POST to a message's own href).
  const sendMessage =
    (
      deliver: (req: FastifyRequest, content: MessageContent, operationId: string | null) => Promise<Message>,
    ) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
      if (contentType !== 'text/plain' && contentType !== 'text/html') {
        throw new UcwaError('UnsupportedMediaType', {
          message: 'Send the message as text/plain or text/html.',
        })
      }
      const body = typeof req.body === 'string' ? req.body : ''
      const operationId = contextParam(req, 'OperationContext', 'operationId') ?? null
      const message = await deliver(req, { contentType: contentType as ContentType, body }, operationId)
      return reply
        .code(201)
        .header(
          'location',
          hrefOf({ rel: 'message', ids: [message.conversationId, String(message.seq)] }, pathsOf(req)),
        )
        .send()
    }
  const send = sendMessage((req, content, operationId) =>
    messaging.send(requireSession(req), requireApp(req), (req.params as Params).cid, content, operationId),
  )
  app.post('/communication/conversations/:cid/messaging/messages', send)
  app.post('/communication/conversations/:cid/messaging/sendMessage', send)
  const seqOf = (req: FastifyRequest): number => {
    const { seq } = req.params as Params
    if (!/^\d{1,15}$/.test(seq)) throw new UcwaError('ResourceNotFound')
    return Number(seq)
  }
  app.get('/communication/conversations/:cid/messaging/messages/:seq', async (req, reply) => {
    const { cid } = req.params as Params
    const data = await messaging.message(requireSession(req), requireApp(req), cid, seqOf(req))
    return sendResource(req, reply, renderMessage(data, pathsOf(req)))
  })
  // A reply POSTed to the href of a message the caller can read: sendMessage into its
  // conversation (docs/messaging.md, "Replies to a message's href").
  app.post(
    '/communication/conversations/:cid/messaging/messages/:seq',
    sendMessage((req, content, operationId) =>
      messaging.reply(
        requireSession(req),
        requireApp(req),
        (req.params as Params).cid,
        seqOf(req),
        content,
        operationId,
      ),
    ),
  )
  const typing = async (req: FastifyRequest, reply: FastifyReply) => {
    await messaging.typing(requireSession(req), requireApp(req), (req.params as Params).cid)
    return reply.code(204).send()
  }
  app.post('/communication/conversations/:cid/messaging/typing', typing)
  app.post('/communication/conversations/:cid/messaging/setIsTyping', typing)
  app.get('/communication/conversations/:cid/messaging/typingParticipants', async (req, reply) => {
    const { cid } = req.params as Params
    const paths = pathsOf(req)
    const typists = await messaging.typingIn(requireSession(req), requireApp(req), cid)
    return sendResource(req, reply, {
      rel: 'typingParticipants',
      _links: { self: { href: hrefOf({ rel: 'typingParticipants', ids: [cid] }, paths) } },
      _embedded: { participant: typists.map((p) => renderParticipant(cid, p, paths)) },
    })
  })

  app.get('/communication/conversations/:cid/participants', async (req, reply) => {
    const { conversation, roster } = await conversationOf(req)
    const paths = pathsOf(req)
    return sendResource(req, reply, {
      rel: 'participants',
      _links: { self: { href: hrefOf({ rel: 'participants', ids: [conversation.id] }, paths) } },
      _embedded: { participant: roster.map((p) => renderParticipant(conversation.id, p, paths)) },
    })
  })
  // A participant the application sees, or one who took part and left (its final state).
  const participantOf = async (req: FastifyRequest) => {
    const view = await conversationOf(req)
    const wanted = bare(decodeURIComponent((req.params as Params).sip))
    const isWanted = (p: { uri: string }) => bare(p.uri) === wanted
    const participant = view.roster.find(isWanted) ?? view.departed.find(isWanted)
    if (!participant) throw new UcwaError('ResourceNotFound')
    return { view, participant }
  }
  app.get('/communication/conversations/:cid/participants/:sip', async (req, reply) => {
    const { view, participant } = await participantOf(req)
    return sendResource(req, reply, renderParticipant(view.conversation.id, participant, pathsOf(req)))
  })
  app.get('/communication/conversations/:cid/participants/:sip/messaging', async (req, reply) => {
    const { view, participant } = await participantOf(req)
    // participantMessaging exists exactly when the participant links it (added/deleted events).
    if (!participant.messaging) throw new UcwaError('ResourceNotFound')
    const paths = pathsOf(req)
    const self = hrefOf({ rel: 'participant', ids: [view.conversation.id, participant.uri] }, paths)
    return sendResource(req, reply, {
      rel: 'participantMessaging',
      _links: {
        self: { href: `${self}/messaging` },
        participant: { href: self, title: participant.name },
      },
    })
  })
}
