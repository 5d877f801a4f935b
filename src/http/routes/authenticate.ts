// Reading the caller's token: `Authorization: Bearer cwt=…` (UCWA), or `X-MS-WebTicket: cwt=…`
// as WebTicket clients present it. The session is bound to the pool the Host header chose.
// On photo URLs only, the `cwt_ucwa` cookie set at application creation works too: browsers
// cannot put a bearer token on <img> requests (docs/protocol.md §6).
import type { FastifyRequest, onRequestHookHandler } from 'fastify'
import { type AuthService, digestOf, type Session } from '../../domain/auth/auth-service.ts'

export interface Authenticate {
  /** The caller's session (also set as `req.session`), or AuthenticationRequired. */
  (req: FastifyRequest): Promise<Session>
  /**
   * The same as a callback-style onRequest hook (it runs on every UCWA request): when this node
   * checked the token moments ago, no promise at all.
   */
  readonly hook: onRequestHookHandler
}

export function makeAuthenticate(auth: AuthService): Authenticate {
  const authenticate = async (req: FastifyRequest) => {
    const session = await auth.authenticate(tokenOf(req), req.parley.match.pool.fqdn)
    req.session = session
    return session
  }
  const cached = (req: FastifyRequest) => {
    const token = tokenOf(req)
    if (!token) return undefined
    const session = auth.cachedSession(digestOnSocket(req, token), req.parley.match.pool.fqdn)
    if (session) req.session = session
    return session
  }
  const hook: onRequestHookHandler = (req, _reply, done) => {
    if (cached(req)) {
      done()
      return
    }
    authenticate(req).then(() => done(), done)
  }
  return Object.assign(authenticate, { hook })
}

// A keep-alive connection presents the same token on every request: its SHA-256 digest (most
// of the cached check's cost) is computed once per connection and token, not per request.
const lastDigest = new WeakMap<object, { readonly token: string; readonly digest: string }>()

function digestOnSocket(req: FastifyRequest, token: string): string {
  const last = lastDigest.get(req.socket)
  if (last?.token === token) return last.digest
  const digest = digestOf(token)
  lastDigest.set(req.socket, { token, digest })
  return digest
}

function tokenOf(req: FastifyRequest): string | undefined {
  const authorization = req.headers.authorization
  if (authorization) {
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim())
    return m?.[1]
  }
  const ticket = req.headers['x-ms-webticket']
  if (typeof ticket === 'string') return ticket.trim().replace(/^opaque=/i, '')
  if ((req.method === 'GET' || req.method === 'HEAD') && isPhotoPath(req.url)) {
    return photoCookie(req.headers.cookie)
  }
  return undefined
}

// `{prefix}/{appId}/photos/{sip}` and the `{prefix}/{appId}/photo` alias; nothing else.
const PHOTO_PATH = /^\/ucwa\/(?:oauth\/)?v1\/applications\/\d{1,20}\/(?:photos\/[^/?#]+|photo)\/?(?:[?#]|$)/i

export function isPhotoPath(url: string): boolean {
  return PHOTO_PATH.test(url.replace(/\/{2,}/g, '/'))
}

/** The token in a `cwt_ucwa=cwt=…` cookie (tokens contain `=`, so only the first one splits). */
function photoCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const pair = part.trim()
    if (pair.toLowerCase().startsWith('cwt_ucwa=')) return pair.slice('cwt_ucwa='.length) || undefined
  }
  return undefined
}
