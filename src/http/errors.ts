// Turning every failure into a UCWA `reason` body with the right status. One table maps codes to
// statuses (TypeScript rejects a missing code); one handler covers domain errors, framework
// errors and the unexpected (a generic 500 carrying the request id; details go to the log only).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError } from '../domain/auth/oauth-error.ts'
import { type ErrorName, type UcwaCode, UcwaError } from '../domain/errors.ts'
import { StoreUnavailableError } from '../domain/ports.ts'
import { challengeHeaders, sendChallenge } from './challenge.ts'
import { renderReasonXml } from './hal/xml.ts'
import { wantsXml } from './negotiation.ts'

export const STATUS_OF: Readonly<Record<UcwaCode, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  Gone: 410,
  PreconditionFailed: 412,
  EntityTooLarge: 413,
  UnsupportedMediaType: 415,
  PreconditionRequired: 428,
  TooManyRequests: 429,
  ServiceFailure: 500,
  ServiceUnavailable: 503,
}

// Fastify's own errors for bad input, mapped onto the catalogue.
export const FRAMEWORK_ERRORS: Readonly<Record<string, ErrorName>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UnsupportedMediaType',
  FST_ERR_CTP_BODY_TOO_LARGE: 'EntityTooLarge',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BadRequest',
  FST_ERR_CTP_INVALID_TYPE: 'UnsupportedMediaType',
  FST_ERR_CTP_EMPTY_TYPE: 'UnsupportedMediaType',
  FST_ERR_VALIDATION: 'ParameterValidationFailure',
  FST_ERR_BAD_URL: 'BadRequest',
  FST_ERR_ASYNC_CONSTRAINT: 'BadRequest',
  FST_ERR_MAX_PARAM_LENGTH: 'ResourceNotFound',
}

export function sendUcwaError(req: FastifyRequest, reply: FastifyReply, error: UcwaError): FastifyReply {
  const status = STATUS_OF[error.code]
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
  const body = {
    code: error.code,
    ...(error.subcode ? { subcode: error.subcode } : {}),
    message: error.message,
    ...(error.parameters ? { parameters: error.parameters } : {}),
  }
  reply.code(status)
  if (wantsXml(req)) return reply.type('application/xml; charset=utf-8').send(renderReasonXml(body))
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(body))
}

/** Seconds a client waits before retrying while the store is unreachable (a database restart). */
const STORE_RETRY_AFTER_SECONDS = 5

function frameworkRefusal(error: FastifyError | Error): UcwaError | undefined {
  const code = 'code' in error ? error.code : undefined
  const known = code ? FRAMEWORK_ERRORS[code] : undefined
  return known && new UcwaError(known, { cause: error })
}

const isStoreUnavailable = (error: Error) =>
  error instanceof StoreUnavailableError || error.cause instanceof StoreUnavailableError

// The database restarts or the network hiccups: the client retries soon (no 500, no error log).
function sendStoreUnavailable(req: FastifyRequest, reply: FastifyReply, error: Error): FastifyReply {
  req.log.warn({ code: 'ServiceUnavailable' }, 'store unavailable')
  return sendUcwaError(
    req,
    reply,
    new UcwaError('ServiceUnavailable', { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS, cause: error }),
  )
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, req, reply) => {
    if (isStoreUnavailable(error)) return sendStoreUnavailable(req, reply, error)
    if (error instanceof UcwaError) {
      if (error.code === 'Unauthorized') return sendUnauthorized(req, reply, error)
      req.log.info({ code: error.code, subcode: error.subcode }, 'request refused')
      return sendUcwaError(req, reply, error)
    }
    if (error instanceof OAuthError) return sendOAuthError(reply, error)
    const code = 'code' in error ? error.code : undefined
    const known = frameworkRefusal(error)
    if (known) {
      req.log.info({ code }, 'request refused')
      return sendUcwaError(req, reply, known)
    }
    const status = 'statusCode' in error ? (error.statusCode ?? 500) : 500
    if (status >= 400 && status < 500) {
      req.log.info({ code, status }, 'request refused')
      return sendUcwaError(req, reply, new UcwaError('BadRequest', { cause: error }))
    }
    req.log.error({ err: error }, 'request failed')
    return sendUcwaError(
      req,
      reply,
      new UcwaError('ServiceFailure', { message: `Internal server error (request ${req.id}).` }),
    )
  })
  app.setNotFoundHandler((req, reply) => {
    sendUcwaError(req, reply, new UcwaError('ResourceNotFound'))
  })
}

// UCWA clients asking for XML get the challenge with an XML reason body; everyone else the
// challenge's own body.
function sendUnauthorized(req: FastifyRequest, reply: FastifyReply, error: UcwaError): FastifyReply {
  if (!/^\/ucwa\//i.test(req.url) || !wantsXml(req)) return sendChallenge(req, reply)
  reply.header('www-authenticate', challengeHeaders(req)).header('cache-control', 'no-store')
  return sendUcwaError(req, reply, error)
}

/** The token endpoint's OAuth-shaped error; `status` overrides the default 400 (429 when throttled). */
export function sendOAuthError(reply: FastifyReply, error: OAuthError, status?: number): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds))
  return reply
    .code(status ?? (error.error === 'temporarily_unavailable' ? 429 : 400))
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: error.error, error_description: error.message }))
}

/** Fastify's `frameworkErrors` hook: routing-level refusals (bad URL encoding, over-long path
 * segments) answered in the UCWA shape like everything else. */
export function frameworkError(
  error: Error & { code?: string },
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  req.log.info({ code: error.code }, 'request refused')
  sendUcwaError(
    req,
    reply,
    new UcwaError(FRAMEWORK_ERRORS[error.code ?? ''] ?? 'BadRequest', { cause: error }),
  )
}
