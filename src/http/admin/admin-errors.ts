// The admin API's error answers: `{code, subcode?, message, parameters?}` (docs/policies.md).
// Policy errors by reason, request-schema failures as 400 ParameterValidationFailure naming
// each field, UCWA errors (authentication, admin role) by the catalogue's status.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError } from '../../domain/auth/oauth-error.ts'
import { type InvalidParameter, UcwaError } from '../../domain/errors.ts'
import { PolicyError, type PolicyErrorReason } from '../../domain/policies/policy-errors.ts'
import { STATUS_OF } from '../errors.ts'
import { invalidRequest } from './admin-validation.ts'

const POLICY_STATUS: Readonly<Record<PolicyErrorReason, [number, string, string | undefined]>> = {
  invalid: [400, 'BadRequest', 'ParameterValidationFailure'],
  'not-found': [404, 'NotFound', undefined],
  exists: [409, 'Conflict', 'AlreadyExists'],
  assigned: [409, 'Conflict', 'PolicyInUse'],
  forbidden: [403, 'Forbidden', undefined],
}

export function sendAdminError(req: FastifyRequest, reply: FastifyReply, error: FastifyError | Error) {
  const send = (status: number, body: Record<string, unknown>) =>
    reply.code(status).type('application/json; charset=utf-8').header('cache-control', 'no-store').send(body)
  const badRequest = (message: string, parameters: readonly InvalidParameter[]) =>
    send(400, {
      code: 'BadRequest',
      subcode: 'ParameterValidationFailure',
      message,
      ...(parameters.length ? { parameters } : {}),
    })
  if (error instanceof PolicyError) {
    const [status, code, subcode] = POLICY_STATUS[error.reason]
    const parameters = error.problems.map((p) => ({ name: p.parameter, reason: p.message }))
    return send(status, {
      code,
      ...(subcode ? { subcode } : {}),
      message: error.message,
      ...(parameters.length ? { parameters } : {}),
    })
  }
  if ('validation' in error && error.validation) {
    const { message, parameters } = invalidRequest(req, error.validation, error.validationContext)
    return badRequest(message, parameters)
  }
  if (error instanceof UcwaError) {
    if (error.code === 'Unauthorized') reply.header('www-authenticate', 'Bearer realm="Parley admin"')
    return send(STATUS_OF[error.code], {
      code: error.code,
      ...(error.subcode ? { subcode: error.subcode } : {}),
      message: error.message,
    })
  }
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
  if (status >= 400 && status < 500 && !(error instanceof OAuthError)) {
    return send(status, {
      code: status === 415 ? 'UnsupportedMediaType' : 'BadRequest',
      message: error.message,
    })
  }
  req.log.error({ err: error }, 'admin request failed')
  return send(500, { code: 'ServiceFailure', message: `Internal server error (request ${req.id}).` })
}
