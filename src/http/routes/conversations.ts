// Conversation resources (docs/protocol.md §7): startMessaging (messagingInvitations), the
// invitation with accept/decline, addParticipant (participantInvitations), conversations, the
// conversation (GET, DELETE = leave), its participants and the modalities Parley does not carry.
// Messaging's own resources (messages, typing) are routes/messaging.ts. Paths follow the real
// layout (§13), with the aliases clients build themselves and the doc samples use.
// See docs/messaging.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { InvitationRel } from '../../domain/conversations/conversation-events.ts'
import type { ConversationService } from '../../domain/conversations/conversation-service.ts'
import { UcwaError } from '../../domain/errors.ts'
import { requireSession } from '../context.ts'
import {
  renderConversation,
  renderDisconnectedModality,
  renderInvitation,
  renderParticipant,
  UNSUPPORTED_MODALITIES,
} from '../hal/conversations.ts'
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

type Params = { cid: string; id: string; sip: string }

/** The caller's view of the conversation `:cid`, or 404. */
export const conversationOf = (conversations: ConversationService, req: FastifyRequest) =>
  conversations.conversation(requireSession(req), requireApp(req), (req.params as Params).cid)

/** The participant `:sip` the caller sees in `:cid`, or one who took part and left (its final state). */
export async function participantOf(conversations: ConversationService, req: FastifyRequest) {
  const view = await conversationOf(conversations, req)
  const wanted = bare(decodeURIComponent((req.params as Params).sip))
  const isWanted = (p: { uri: string }) => bare(p.uri) === wanted
  const participant = view.roster.find(isWanted) ?? view.departed.find(isWanted)
  if (!participant) throw new UcwaError('ResourceNotFound')
  return { view, participant }
}

export function conversationRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const { conversations } = deps

  // An invitation as the caller's endpoint sees it (each rel has its own path).
  const invitation = (rel: InvitationRel) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { id } = req.params as Params
    const data = await conversations.invitation(requireSession(req), requireApp(req), id, rel)
    return sendResource(req, reply, renderInvitation(data, pathsOf(req)))
  }

  const start = async (req: FastifyRequest, reply: FastifyReply) => {
    const input = readInput(StartMessagingInput, req.body ?? {})
    const message = firstMessageOf(input)
    const id = await conversations.start(requireSession(req), requireApp(req), {
      modality: 'messaging',
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

  app.get('/communication/messagingInvitations/:id', invitation('messagingInvitation'))
  app.post('/communication/messagingInvitations/:id/accept', async (req, reply) => {
    const { id } = req.params as Params
    await conversations.accept(requireSession(req), requireApp(req), id)
    return reply.code(204).send()
  })
  app.post('/communication/messagingInvitations/:id/decline', async (req, reply) => {
    const { id } = req.params as Params
    await conversations.decline(requireSession(req), requireApp(req), id)
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
    const id = await conversations.addParticipant(requireSession(req), requireApp(req), cid, {
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
  app.get('/communication/participantInvitations/:id', invitation('participantInvitation'))
  app.post('/communication/participantInvitations/:id/cancel', async (req, reply) => {
    await conversations.cancelParticipant(requireSession(req), requireApp(req), (req.params as Params).id)
    return reply.code(204).send()
  })

  app.get('/communication/conversations', async (req, reply) => {
    const paths = pathsOf(req)
    const all = await conversations.conversations(requireSession(req), requireApp(req))
    return sendResource(req, reply, {
      rel: 'conversations',
      _links: { self: { href: `${paths.app}/communication/conversations` } },
      _embedded: { conversation: all.map((v) => renderConversation(v.conversation, paths)) },
    })
  })

  app.get('/communication/conversations/:cid', async (req, reply) => {
    const { conversation } = await conversationOf(conversations, req)
    return sendResource(req, reply, renderConversation(conversation, pathsOf(req)))
  })
  const leave = async (req: FastifyRequest, reply: FastifyReply) => {
    await conversations.leave(requireSession(req), requireApp(req), (req.params as Params).cid)
    return reply.code(204).send()
  }
  app.delete('/communication/conversations/:cid', leave)
  // Messaging is the only modality Parley carries: stopping it leaves the conversation.
  app.post('/communication/conversations/:cid/messaging/terminate', leave)
  app.post('/communication/conversations/:cid/messaging/stopMessaging', leave)

  // The modalities Parley does not carry: every conversation links them, as on Lync, and they
  // answer Disconnected with no actions.
  for (const rel of UNSUPPORTED_MODALITIES) {
    app.get(`/communication/conversations/:cid/${rel}`, async (req, reply) => {
      const { conversation } = await conversationOf(conversations, req)
      return sendResource(req, reply, renderDisconnectedModality(rel, conversation.id, pathsOf(req)))
    })
  }

  app.get('/communication/conversations/:cid/participants', async (req, reply) => {
    const { conversation, roster } = await conversationOf(conversations, req)
    const paths = pathsOf(req)
    return sendResource(req, reply, {
      rel: 'participants',
      _links: { self: { href: hrefOf({ rel: 'participants', ids: [conversation.id] }, paths) } },
      _embedded: { participant: roster.map((p) => renderParticipant(conversation.id, p, paths)) },
    })
  })
  app.get('/communication/conversations/:cid/participants/:sip', async (req, reply) => {
    const { view, participant } = await participantOf(conversations, req)
    return sendResource(req, reply, renderParticipant(view.conversation.id, participant, pathsOf(req)))
  })
}
