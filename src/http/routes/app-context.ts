// What routes under /applications/:appId share: the caller's application and its hrefs.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Services } from '../../app/services.ts'
import type { Application } from '../../domain/applications/application-types.ts'
import { AppPaths, prefixOf } from '../hal/ucwa-paths.ts'
import type { Authenticate } from './authenticate.ts'

/** The services (src/app/services.ts) the routes under /applications/:appId call. */
export type UcwaServices = Pick<
  Services,
  | 'applications'
  | 'presence'
  | 'subscriptions'
  | 'contacts'
  | 'conversations'
  | 'messaging'
  | 'conversationLogs'
  | 'policies'
  | 'channel'
>

export interface UcwaDeps extends UcwaServices {
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
