// GET …/events?ack=N[&timeout=S&low=…&medium=…&priority=P]: the event channel (ucwa-protocol §4).
// See docs/events.md.
import type { FastifyInstance } from 'fastify'
import { UcwaError } from '../../domain/errors.ts'
import type { EventChannel, PollResult } from '../../domain/events/event-channel.ts'
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

/** Reads a non-negative integer query parameter, case-insensitively; undefined when absent. */
function queryInt(query: Record<string, unknown>, name: string): number | undefined {
  const key = Object.keys(query).find((k) => k.toLowerCase() === name)
  if (key === undefined) return undefined
  const raw = query[key]
  const text = Array.isArray(raw) ? raw.at(-1) : raw
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text)) {
    throw new UcwaError('ParameterValidationFailure', {
      message: `${name} must be a non-negative integer.`,
      parameters: [{ name, reason: 'must be a non-negative integer' }],
    })
  }
  return Number(text)
}

export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  app.get('/events', async (req, reply) => {
    const query = req.query as Record<string, unknown>
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
    const priority = queryInt(query, 'priority') ?? 0

    const application = requireApp(req)
    const result: PollResult = await deps.channel.poll(application.id, {
      ack,
      timeoutMs: timeoutSeconds * 1000,
      priority,
      whenAbandoned: (abandon) => {
        const closed = () => {
          if (!reply.raw.writableFinished) abandon()
        }
        // `on`, not `once` (which wraps the listener): the poll takes it off when it settles.
        reply.raw.on('close', closed)
        return () => reply.raw.off('close', closed)
      },
    })
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
  })
}
