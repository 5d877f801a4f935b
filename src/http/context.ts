// What every request carries once the onRequest hooks ran: which pool it is for and how it came
// in (from the Host header and the listener), and, on protected routes, the caller's session.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ListenerKind } from '../config/config.ts'
import type { Session } from '../domain/auth/auth-service.ts'
import type { AccessLocation, HostMatch, Topology } from '../domain/topology/topology.ts'

export interface RequestContext {
  readonly match: HostMatch
  readonly access: AccessLocation
  readonly listener: ListenerKind
  readonly topology: Topology
}

declare module 'fastify' {
  interface FastifyRequest {
    parley: RequestContext
    session: Session | null
  }
}

export function installRequestContext(
  app: FastifyInstance,
  topology: Topology,
  listener: ListenerKind,
): void {
  // The port-80 first hop always arrives from outside (Lync's 80 → 8080 bridge).
  const access: AccessLocation = listener === 'internal' ? 'Internal' : 'External'
  app.decorateRequest('parley', null as unknown as RequestContext)
  app.decorateRequest('session', null)
  // Callback-style hooks where nothing is awaited: an async hook costs a promise and a
  // microtask turn on every request.
  app.addHook('onRequest', (req, _reply, done) => {
    req.parley = { match: topology.matchHost(hostName(req)), access, listener, topology }
    done()
  })
}

/** The Host header without its port, lower case (IPv6 literals keep their brackets). */
export function hostName(req: FastifyRequest): string {
  const host = (req.headers.host ?? '').toLowerCase()
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1)
  const colon = host.indexOf(':')
  return colon < 0 ? host : host.slice(0, colon)
}

export function requireSession(req: FastifyRequest): Session {
  if (!req.session) throw new Error('route is missing the authentication hook')
  return req.session
}
