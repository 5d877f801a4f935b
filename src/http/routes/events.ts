// GET …/events?ack=N[&timeout=S&low=…&medium=…&priority=P]: the event channel (docs/protocol.md §4).
// See docs/events.md.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { UcwaError } from '../../domain/errors.ts'
import type { EventChannel, PollRequest, PollResult } from '../../domain/events/event-channel.ts'
import { type EmbeddedRenderer, renderEventBatch, renderResync, renderRetry } from '../hal/events.ts'
import { toUcwaJson } from '../reply.ts'
import { pathsOf, requireApp } from './app-context.ts'

export interface EventRouteDeps {
  readonly channel: EventChannel
  readonly renderers: Readonly<Record<string, EmbeddedRenderer>>
  /** Hold used when the client names no timeout (some HTTP stacks give up at 30 s). */
  readonly defaultTimeoutSeconds: number
  /** Longest hold a client may ask for. */
  readonly maxTimeoutSeconds: number
}

/** The query with its names lowercased (UCWA's are case-insensitive); itself when they are. */
function lowercased(query: Record<string, unknown>): Record<string, unknown> {
  for (const key in query) {
    if (key !== key.toLowerCase()) {
      return Object.fromEntries(Object.entries(query).map(([k, v]) => [k.toLowerCase(), v]))
    }
  }
  return query
}

/** Reads a non-negative integer parameter of a lowercased query; undefined when absent. */
function queryInt(query: Record<string, unknown>, name: string): number | undefined {
  const raw = query[name]
  if (raw === undefined) return undefined
  const text = Array.isArray(raw) ? raw.at(-1) : raw
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) {
    throw new UcwaError('ParameterValidationFailure', {
      message: `${name} must be a non-negative integer.`,
      parameters: [{ name, reason: 'must be a non-negative integer' }],
    })
  }
  return Number(text)
}

// The P-GET's parameters, validated (a UCWA error otherwise), and how it learns its client left.
function pollRequest(req: FastifyRequest, reply: FastifyReply, deps: EventRouteDeps): PollRequest {
  const query = lowercased(req.query as Record<string, unknown>)
  const ack = queryInt(query, 'ack')
  if (ack === undefined) {
    throw new UcwaError('ParameterValidationFailure', {
      message: 'ack is required: follow the events link or the previous response’s next link.',
      parameters: [{ name: 'ack', reason: 'is required' }],
    })
  }
  const asked = queryInt(query, 'timeout') ?? deps.defaultTimeoutSeconds
  const timeoutSeconds = Math.min(Math.max(asked, 1), deps.maxTimeoutSeconds)
  // `low` and `medium` bound how long medium/low events may wait; Parley releases every event
  // at once, so any value is honoured. They are still validated.
  queryInt(query, 'low')
  queryInt(query, 'medium')
  return {
    ack,
    timeoutMs: timeoutSeconds * 1000,
    priority: queryInt(query, 'priority') ?? 0,
    whenAbandoned: (abandon) => {
      const closed = () => {
        if (!reply.raw.writableFinished) abandon()
      }
      // `on`, not `once` (which wraps the listener): the poll takes it off when it settles.
      reply.raw.on('close', closed)
      return () => reply.raw.off('close', closed)
    },
  }
}

function answer(req: FastifyRequest, reply: FastifyReply, deps: EventRouteDeps, result: PollResult) {
  const paths = pathsOf(req)
  reply.header('cache-control', 'no-cache, no-store').type('application/json; charset=utf-8')
  switch (result.kind) {
    case 'batch':
      return reply.send(toUcwaJson(renderEventBatch(result.events, result.ack, paths, deps.renderers)))
    case 'resync':
      return reply.send(toUcwaJson(renderResync(result.ack, result.resync, paths)))
    case 'closing':
      return reply.header('connection', 'close').send(toUcwaJson(renderRetry(result.ack, paths)))
    case 'replaced':
      throw new UcwaError('PGetReplaced')
    case 'aborted':
      return reply.code(499).send()
  }
}

export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  // Not an async function: a parked P-GET holds one promise and one closure, not a suspended
  // handler (every young-generation collection copies what a parked P-GET holds).
  app.get('/events', (req, reply) => {
    const request = pollRequest(req, reply, deps)
    return deps.channel.poll(requireApp(req).id, request).then((result) => answer(req, reply, deps, result))
  })
}
