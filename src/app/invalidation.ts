// What one process tells the others to forget (RedisBus.invalidate). A node keeps applications,
// users' sign-in state and the policies in memory for a few seconds; a change made elsewhere —
// on another node, or by a CLI command — names what changed, and every node re-reads it at once
// instead of when its copy ages out.
import type { RedisBus } from '../bus/redis/redis-bus.ts'
import type { ApplicationService } from '../domain/applications/application-service.ts'
import type { AuthService } from '../domain/auth/auth-service.ts'
import type { ApplicationId, UserId } from '../domain/ids.ts'
import type { PolicyService } from '../domain/policies/policy-service.ts'

export const userKey = (id: UserId): string => `user:${id}`
export const applicationKey = (id: ApplicationId): string => `app:${id}`
/** The policy objects, grants or admins changed: re-read them. */
export const POLICIES_KEY = 'policies'

export interface Caches {
  readonly applications: Pick<ApplicationService, 'forget' | 'forgetUser'>
  readonly auth: Pick<AuthService, 'forgetUser'>
  readonly policies: Pick<PolicyService, 'refresh'>
}

/** Makes this node drop (or re-read) what other processes say they changed. */
export function forgetWhatOthersChange(
  cluster: Pick<RedisBus, 'onInvalidate'>,
  caches: Caches,
  onError: (error: unknown) => void,
): void {
  cluster.onInvalidate((keys) => {
    for (const key of keys) {
      const colon = key.indexOf(':')
      const kind = colon < 0 ? key : key.slice(0, colon)
      const id = colon < 0 ? '' : key.slice(colon + 1)
      if (kind === 'app') caches.applications.forget([id as ApplicationId])
      else if (kind === 'user') {
        caches.auth.forgetUser(id as UserId)
        caches.applications.forgetUser(id as UserId)
      } else if (kind === POLICIES_KEY) caches.policies.refresh().catch(onError)
    }
  })
}
