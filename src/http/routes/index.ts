// The whole HTTP surface in one table: what each listener kind serves.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../app/services.ts'
import type { ListenerKind } from '../../config/config.ts'
import { adminRoutes } from '../admin/admin-routes.ts'
import { UCWA_PREFIXES } from '../hal/ucwa-paths.ts'
import type { UcwaDeps } from './app-context.ts'
import { applicationRoutes } from './applications.ts'
import { makeAuthenticate } from './authenticate.ts'
import { autodiscoverRoutes } from './autodiscover.ts'
import { healthRoutes, type Readiness } from './health.ts'
import { webTicketRoutes } from './webticket.ts'

export interface RouteDeps
  extends Omit<UcwaDeps, 'authenticate' | 'root'>,
    Pick<Services, 'auth' | 'autodiscover'> {
  /** Serve the admin API on external listeners too (default: internal listeners only). */
  readonly adminOnExternal: boolean
  readonly ready: () => Promise<Readiness>
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps, listener: ListenerKind): void {
  const authenticate = makeAuthenticate(deps.auth)
  const discoveryOnly = listener === 'autodiscover-http'
  healthRoutes(app, deps)
  //   GET  /, /xframe (lyncdiscover names), /Autodiscover/AutodiscoverService.svc/root[/domain]
  //   GET  …/root/oauth/user, …/root/user                 (not on the plain-HTTP first hop)
  autodiscoverRoutes(app, { autodiscover: deps.autodiscover, authenticate, discoveryOnly })
  if (discoveryOnly) return
  //   POST /WebTicket/oauthtoken
  webTicketRoutes(app, deps)
  //   /admin/v1/… (admin API, docs/policies.md): internal listeners unless admin.exposeOnExternal
  if (listener === 'internal' || deps.adminOnExternal) {
    adminRoutes(app, { policies: deps.policies, authenticate })
  }
  //   POST {prefix}                  GET|DELETE {prefix}/:appId
  //   GET  {prefix}/:appId/policies|people|onlineMeetings|communication, PUT …/communication
  //   POST {prefix}/:appId/batch
  //   GET  {prefix}/:appId/events?ack=N
  //   GET  {prefix}/:appId/me; POST …/me/makeMeAvailable, …/me/reportMyActivity (+ aliases)
  //   GET|POST {prefix}/:appId/me/presence|note|location
  //   {prefix}/:appId/people/…: subscriptions (routes/subscriptions.ts), contacts (routes/people.ts)
  for (const prefix of UCWA_PREFIXES) {
    app.register(async (scoped) => applicationRoutes(scoped, { ...deps, authenticate, root: app }), {
      prefix,
    })
  }
}
