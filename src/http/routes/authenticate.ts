// Reading the caller's token: `Authorization: Bearer cwt=…` (UCWA), or `X-MS-WebTicket: cwt=…`
// as WebTicket clients present it. The session is bound to the pool the Host header chose.
import type { FastifyRequest } from 'fastify'
import type { AuthService, Session } from '../../domain/auth/auth-service.ts'

export type Authenticate = (req: FastifyRequest) => Promise<Session>

export function makeAuthenticate(auth: AuthService): Authenticate {
  return async (req) => {
    const session = await auth.authenticate(tokenOf(req), req.parley.match.pool.fqdn)
    req.session = session
    return session
  }
}

function tokenOf(req: FastifyRequest): string | undefined {
  const authorization = req.headers.authorization
  if (authorization) {
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim())
    return m?.[1]
  }
  const ticket = req.headers['x-ms-webticket']
  if (typeof ticket === 'string') return ticket.trim().replace(/^opaque=/i, '')
  return undefined
}
