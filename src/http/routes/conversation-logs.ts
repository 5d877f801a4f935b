// Missed items and conversation history (docs/protocol.md §7.4): missedItems, conversationLogs
// (?limit=N), conversationLog (GET, DELETE), its transcripts and recipients, markAsRead and
// continueMessaging. See docs/messaging.md.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { UcwaError } from '../../domain/errors.ts'
import type { ConversationLogService } from '../../domain/history/history-service.ts'
import { requireSession } from '../context.ts'
import {
  renderConversationLog,
  renderConversationLogs,
  renderMessageTranscript,
  renderMissedItems,
  renderRecipient,
  renderTranscript,
  renderTranscripts,
} from '../hal/conversation-logs.ts'
import { bare, hrefOf } from '../hal/refs.ts'
import { firstMessageOf, queryParam, readInput } from '../input.ts'
import { LIMITS } from '../limits.ts'
import { sendResource } from '../reply.ts'
import { pathsOf, requireApp, type UcwaDeps } from './app-context.ts'

/** conversationLogs without `limit` lists this many; `limit` may ask for 1 to MAX_LIMIT. */
export const DEFAULT_LOG_LIMIT = 100
export const MAX_LOG_LIMIT = 1000
/** Transcript entries per conversationLogTranscripts page (nextConversationLogTranscripts follows). */
export const TRANSCRIPT_PAGE = 200

const ContinueMessagingInput = Type.Object({
  operationId: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
  subject: Type.Optional(Type.String({ maxLength: LIMITS.subject })),
  importance: Type.Optional(Type.Union(['Normal', 'Urgent', 'Emergency'].map((v) => Type.Literal(v)))),
  threadId: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
  sessionContext: Type.Optional(Type.String({ maxLength: LIMITS.contextString })),
  _links: Type.Optional(Type.Object({ message: Type.Optional(Type.Object({ href: Type.String() })) })),
})

type Params = { id: string; key: string; sip: string }

/** A whole-number query parameter within [min, max], or a 400 naming it. */
function intParam(req: FastifyRequest, name: string, fallback: number, min: number, max: number): number {
  const text = queryParam(req, name)?.trim()
  if (text === undefined || text === '') return fallback
  const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN
  if (!(value >= min && value <= max)) {
    throw new UcwaError('ParameterValidationFailure', {
      message: `${name} must be a whole number from ${min} to ${max}.`,
      parameters: [{ name, reason: `must be ${min} to ${max}` }],
    })
  }
  return value
}

export function conversationLogRoutes(app: FastifyInstance, deps: UcwaDeps): void {
  const history = (): ConversationLogService => deps.conversationLogs
  const idOf = (req: FastifyRequest) => (req.params as Params).id

  app.get('/communication/missedItems', async (req, reply) => {
    const counts = await history().missedItems(requireSession(req))
    return sendResource(req, reply, renderMissedItems(counts, pathsOf(req)))
  })

  app.get('/communication/conversationLogs', async (req, reply) => {
    const limit = intParam(req, 'limit', DEFAULT_LOG_LIMIT, 1, MAX_LOG_LIMIT)
    const logs = await history().list(requireSession(req), limit)
    const paths = pathsOf(req)
    const base = hrefOf({ rel: 'conversationLogs' }, paths)
    const self = queryParam(req, 'limit')?.trim() ? `${base}?limit=${limit}` : base
    const resource = renderConversationLogs(logs, self, paths)
    const expand = queryParam(req, 'expand')?.trim().toLowerCase() !== 'false'
    return sendResource(req, reply, expand ? resource : { rel: resource.rel, _links: resource._links })
  })

  app.get('/communication/conversationLogs/:id', async (req, reply) => {
    const log = await history().log(requireSession(req), idOf(req))
    return sendResource(req, reply, renderConversationLog(log, pathsOf(req)))
  })
  app.delete('/communication/conversationLogs/:id', async (req, reply) => {
    await history().remove(requireSession(req), idOf(req))
    return reply.code(204).send()
  })
  app.post('/communication/conversationLogs/:id/markAsRead', async (req, reply) => {
    await history().markAsRead(requireSession(req), idOf(req))
    return reply.code(204).send()
  })

  // continueMessaging: a new messagingInvitation to the log's other party, in the same thread.
  app.post('/communication/conversationLogs/:id/continueMessaging', async (req, reply) => {
    const session = requireSession(req)
    const target = await history().continuation(session, idOf(req))
    const input = readInput(ContinueMessagingInput, req.body ?? {})
    const message = firstMessageOf(input)
    const invitation = await deps.conversations.start(session, requireApp(req), {
      modality: 'messaging',
      to: target.to,
      subject: input.subject ?? target.subject,
      importance: (input.importance as typeof target.importance | undefined) ?? target.importance,
      operationId: input.operationId,
      threadId: input.threadId ?? target.threadId,
      message,
    })
    return reply
      .code(201)
      .header('location', hrefOf({ rel: 'messagingInvitation', ids: [invitation] }, pathsOf(req)))
      .send()
  })

  app.get('/communication/conversationLogs/:id/conversationLogTranscripts', async (req, reply) => {
    const start = intParam(req, 'start', 0, 0, 1_000_000_000)
    const page = await history().transcript(requireSession(req), idOf(req), start, TRANSCRIPT_PAGE)
    return sendResource(req, reply, renderTranscripts(page.log, page.entries, page, pathsOf(req)))
  })
  app.get('/communication/conversationLogs/:id/conversationLogTranscripts/:key', async (req, reply) => {
    const { log, entry } = await history().entry(requireSession(req), idOf(req), (req.params as Params).key)
    return sendResource(req, reply, renderTranscript(log, entry, pathsOf(req)))
  })
  app.get(
    '/communication/conversationLogs/:id/conversationLogTranscripts/:key/messageTranscript',
    async (req, reply) => {
      const { log, entry } = await history().entry(requireSession(req), idOf(req), (req.params as Params).key)
      return sendResource(req, reply, renderMessageTranscript(log, entry, pathsOf(req)))
    },
  )
  app.get('/communication/conversationLogs/:id/conversationLogRecipients/:sip', async (req, reply) => {
    const log = await history().log(requireSession(req), idOf(req))
    const wanted = bare(decodeURIComponent((req.params as Params).sip))
    const party = log.recipients.find((p) => bare(p.uri) === wanted)
    if (!party) throw new UcwaError('ResourceNotFound')
    return sendResource(req, reply, renderRecipient(log.id, party, pathsOf(req)))
  })
}
