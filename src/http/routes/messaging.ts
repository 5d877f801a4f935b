// Messaging resources of a conversation (docs/protocol.md §7): messaging itself, sendMessage (and
// a reply POSTed to a message's href), messages, typing, typingParticipants and a participant's
// messaging. The conversation, its invitations and participants are routes/conversations.ts.
// Paths follow the real layout (§13), with the aliases clients build themselves.
// See docs/messaging.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { UcwaError } from '../../domain/errors.ts'
import type { ContentType, Message, MessageContent } from '../../domain/messaging/messaging-types.ts'
import { requireSession } from '../context.ts'
import { renderParticipant } from '../hal/conversations.ts'
import { renderMessage, renderMessaging } from '../hal/messaging.ts'
import { hrefOf } from '../hal/refs.ts'
import { contextParam } from '../input.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, requireApp, type UcwaDeps } from './app-context.ts'
import { participantOf } from './conversations.ts'

type Params = { cid: string; seq: string }

export function messagingRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const { messaging } = deps

  app.get('/communication/conversations/:cid/messaging', async (req, reply) => {
    const { cid } = req.params as Params
    const data = await messaging.messaging(requireSession(req), requireApp(req), cid)
    return sendResource(req, reply, renderMessaging(data, pathsOf(req)))
  })

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

  app.get('/communication/conversations/:cid/participants/:sip/messaging', async (req, reply) => {
    const { view, participant } = await participantOf(deps.conversations, req)
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
