// POST …/batch: several UCWA requests in one (docs/protocol.md §10.2). Each part runs through the
// same server (Fastify inject) with the caller's credentials and Host, so every rule — auth,
// ownership, validation — applies to it exactly as to a direct request.
import { randomBytes } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { UcwaError } from '../../domain/errors.ts'
import { LIMITS } from '../limits.ts'
import {
  type BatchRequest,
  type BatchResponse,
  boundaryOf,
  parseBatch,
  serializeBatch,
} from './multipart-batching.ts'

// Headers a part may carry into its sub-request; credentials and Host always come from the batch.
const PASSED_HEADERS = [
  'accept',
  'content-type',
  'if-match',
  'if-none-match',
  'x-ms-requiresminresourceversion',
]
// Headers of a part's response that are worth relaying.
const KEPT_HEADERS = ['content-type', 'etag', 'location', 'www-authenticate']
// Inside a batch: no nested batch, no photos (binary), no event channel (long-poll).
const FORBIDDEN_TARGET = /\/(?:batch|events|photos)(?:[/?]|$)/i

export function batchRoute(app: FastifyInstance, root: FastifyInstance): void {
  app.addContentTypeParser(/^multipart\/batching/i, { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  )
  app.post('/batch', async (req, reply) => {
    const boundary = boundaryOf(req.headers['content-type'])
    const parts = boundary && typeof req.body === 'string' ? parseBatch(req.body, boundary) : undefined
    if (!parts) {
      throw new UcwaError('DeserializationFailure', {
        message: 'The body must be multipart/batching with a boundary and application/http parts.',
      })
    }
    if (parts.length > LIMITS.batchParts) {
      throw new UcwaError('TooManyRequests', {
        message: `A batch may hold at most ${LIMITS.batchParts} requests; this one has ${parts.length}.`,
      })
    }
    const responses: BatchResponse[] = []
    // One at a time, in order: parts may depend on each other (a PUT after a GET).
    for (const part of parts) responses.push(await runPart(root, req, part))
    const out = randomBytes(8).toString('hex')
    return reply.type(`multipart/batching; boundary="${out}"`).send(serializeBatch(responses, out))
  })
}

async function runPart(
  root: FastifyInstance,
  outer: FastifyRequest,
  part: BatchRequest,
): Promise<BatchResponse> {
  if (!part.target.toLowerCase().startsWith('/ucwa/') || FORBIDDEN_TARGET.test(part.target)) {
    return refused(part.target)
  }
  const headers: Record<string, string> = {}
  for (const name of PASSED_HEADERS) {
    const value = part.headers[name]
    if (value !== undefined) headers[name] = value
  }
  if (part.body && !headers['content-type']) headers['content-type'] = 'application/json'
  if (outer.headers.authorization) headers.authorization = outer.headers.authorization
  if (outer.headers.host) headers.host = outer.headers.host
  const res = await root.inject({
    method: part.method as 'GET',
    url: part.target,
    headers,
    ...(part.body ? { payload: part.body } : {}),
    remoteAddress: outer.ip,
  })
  const kept: Record<string, string | string[]> = {}
  for (const name of KEPT_HEADERS) {
    const value = res.headers[name]
    if (typeof value === 'string' || Array.isArray(value)) kept[name] = value
  }
  return {
    status: res.statusCode,
    statusText: STATUS_CODES[res.statusCode] ?? '',
    headers: kept,
    body: res.body,
  }
}

function refused(target: string): BatchResponse {
  return {
    status: 400,
    statusText: 'Bad Request',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({
      code: 'BadRequest',
      message: `${target} cannot be requested inside a batch (batch, events and photos are excluded).`,
    }),
  }
}
