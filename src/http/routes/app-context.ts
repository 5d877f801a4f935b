// What routes under /applications/:appId share: the caller's application and its hrefs.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApplicationService } from '../../domain/applications/application-service.ts'
import type { Application } from '../../domain/applications/application-types.ts'
import type { ContactService } from '../../domain/contacts/contact-service.ts'
import type { EventChannel } from '../../domain/events/event-channel.ts'
import type { ConversationLogService } from '../../domain/messaging/history-service.ts'
import type { MessagingService } from '../../domain/messaging/messaging-service.ts'
import type { PolicyService } from '../../domain/policies/policy-service.ts'
import type { PresenceService } from '../../domain/presence/presence-service.ts'
import type { SubscriptionService } from '../../domain/presence/subscription-service.ts'
import { AppPaths, prefixOf } from '../hal/ucwa-paths.ts'
import type { Authenticate } from './authenticate.ts'

export interface UcwaDeps {
  readonly applications: ApplicationService
  readonly presence: PresenceService
  readonly subscriptions: SubscriptionService
  readonly contacts: ContactService
  readonly messaging: MessagingService
  readonly conversationLogs: ConversationLogService
  readonly policies: PolicyService
  readonly channel: EventChannel
  readonly events: { readonly defaultTimeoutSeconds: number; readonly maxTimeoutSeconds: number }
  readonly authenticate: Authenticate
  /** The listener's root instance: batch parts are injected there, through every hook. */
  readonly root: FastifyInstance
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's application, on routes under /applications/:appId. */
    application: Application | null
  }
}

export function requireApp(req: FastifyRequest): Application {
  if (!req.application) throw new Error('route is missing the application hook')
  return req.application
}

export function pathsOf(req: FastifyRequest): AppPaths {
  return new AppPaths(prefixOf(req.url), requireApp(req).id)
}
