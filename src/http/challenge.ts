// The 401 challenge. Its exact shape matters (docs/protocol.md §1.4, §12 item 3): clients regex
// `MsRtcOAuth href="…"`, some take the first URL anywhere in the headers, one splits on `,` and
// `=`, one takes everything after `grant_type=`. Hence: the token URL quoted, without `,` or `=`,
// in its own header line, `grant_type` last, and no other header carrying a URL.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { TOKEN_PATH } from '../domain/autodiscover/autodiscover-service.ts'
import { ERRORS } from '../domain/errors.ts'

/** Grants the token endpoint accepts; advertise only what works. */
export const SUPPORTED_GRANTS = ['password'] as const

// Lync's well-known OAuth principal ids (the Bearer challenge is informative; clients use MsRtcOAuth).
const ISSUER = '00000002-0000-0ff1-ce00-000000000000'
const CLIENT_ID = '00000004-0000-0ff1-ce00-000000000000'

export function challengeHeaders(req: FastifyRequest): string[] {
  const { match, access, topology } = req.parley
  const tokenUrl = topology.origin(match.pool, access) + TOKEN_PATH
  // The Host header is client input: only a configured SIP domain may reach the header (a raw
  // lyncdiscover.<anything> name could inject quotes, attributes or URLs into the challenge).
  const named = match.discoveryDomain ? topology.domain(match.discoveryDomain) : undefined
  const domain = (named ?? topology.defaultDomain).name
  return [
    `Bearer trusted_issuers="${ISSUER}@${domain}", client_id="${CLIENT_ID}"`,
    `MsRtcOAuth href="${tokenUrl}",grant_type="${SUPPORTED_GRANTS.join(',')}"`,
  ]
}

export function sendChallenge(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.code(401).header('www-authenticate', challengeHeaders(req)).header('cache-control', 'no-store')
  if (/^\/ucwa\//i.test(req.url)) {
    return reply
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ code: 'Unauthorized', message: ERRORS.AuthenticationRequired.message }))
  }
  return reply.type('text/html; charset=utf-8').send(UNAUTHORIZED_PAGE)
}

const UNAUTHORIZED_PAGE =
  '<!DOCTYPE html><html><head><title>401 - Unauthorized</title></head>' +
  '<body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1>' +
  '<p>Get a token from the endpoint the MsRtcOAuth challenge names and try again.</p></body></html>'
