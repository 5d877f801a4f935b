// POST /WebTicket/oauthtoken: the token endpoint (docs/protocol.md §2). Form bodies, OAuth-shaped
// answers, `Cache-Control: no-store`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuthService } from '../../domain/auth/auth-service.ts'
import { OAuthError } from '../../domain/auth/oauth-error.ts'
import { TOKEN_PATH } from '../../domain/autodiscover/autodiscover-service.ts'
import { UcwaError } from '../../domain/errors.ts'
import { STATUS_OF, sendOAuthError } from '../errors.ts'

const KNOWN_UNSUPPORTED = [
  'urn:microsoft.rtc:windows',
  'urn:microsoft.rtc:anonmeeting',
  'urn:microsoft.rtc:passive',
]

export function webTicketRoutes(app: FastifyInstance, deps: { auth: AuthService }): void {
  app.post(TOKEN_PATH, { errorHandler: oauthErrors }, async (req, reply) => {
    const form = req.body
    if (!form || typeof form !== 'object' || Array.isArray(form)) {
      throw new OAuthError('invalid_request', 'Send grant_type, username and password as a form.')
    }
    const field = (name: string): string => {
      const value = (form as Record<string, unknown>)[name]
      return typeof value === 'string' ? value : ''
    }
    const grant = field('grant_type')
    if (grant !== 'password') {
      const message = KNOWN_UNSUPPORTED.includes(grant)
        ? `The grant ${grant} is not supported by this server; use grant_type=password.`
        : 'grant_type must be password.'
      throw new OAuthError(grant ? 'unsupported_grant_type' : 'invalid_request', message)
    }
    const token = await deps.auth.passwordGrant({
      username: field('username').trim(),
      password: field('password'),
      pool: req.parley.match.pool.fqdn,
      address: req.ip,
    })
    req.log.info({ user: token.user.sipUri }, 'token issued')
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .type('application/json; charset=utf-8')
      .send(
        JSON.stringify({
          access_token: token.accessToken,
          expires_in: token.expiresInSeconds,
          ms_rtc_identityscope: 'local',
          token_type: 'Bearer',
        }),
      )
  })
}

// The token endpoint answers every refusal in OAuth's shape, including bodies that could not be
// parsed (malformed, wrong content type, too large), which clients expect from it.
function oauthErrors(error: Error, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof OAuthError) return sendOAuthError(reply, error)
  const status =
    error instanceof UcwaError ? STATUS_OF[error.code] : (error as { statusCode?: number }).statusCode
  if (status === undefined || status >= 500 || status < 400) throw error
  const invalid = new OAuthError(
    'invalid_request',
    'Send grant_type, username and password as an application/x-www-form-urlencoded or multipart/form-data body.',
  )
  return sendOAuthError(reply, invalid, status === 401 ? 400 : status)
}
