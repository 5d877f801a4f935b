// Where the domain's hooks (src/domain/hooks.ts) meet what reacts to them — the one place to read
// "what happens when an application goes, a policy or a user changes". In-transaction reactions
// (presence, applications) commit with the change; what other processes keep is told over the
// cluster bus once it committed (invalidation.ts), and this process listens for theirs.
import type { ApplicationHooks, PolicyHooks, UserHooks } from '../domain/hooks.ts'
import type { User } from '../domain/users/user-types.ts'
import type { Adapters } from './adapters.ts'
import { applicationKey, forgetWhatOthersChange, POLICIES_KEY, userKey } from './invalidation.ts'
import type { Services } from './services.ts'

export interface Hooks {
  readonly applications: ApplicationHooks
  readonly policies: PolicyHooks
  readonly users: UserHooks
  /** Whether a user's conversations are kept (missed conversations, history): AllowSaveIMHistory
   * of their effective mobility policy. */
  readonly saveHistory: (user: User) => boolean
}

/**
 * The hooks, each calling the services that react. Services and hooks refer to each other (the
 * removal of an application changes presence, and presence reads applications), so a hook looks
 * the services up when it runs — never while they are being built.
 */
export function connectHooks(services: () => Services, adapters: Pick<Adapters, 'cluster'>): Hooks {
  const tellOthers = (keys: readonly string[]) => adapters.cluster?.invalidate(keys)
  return {
    applications: {
      leaving: (user, app) => services().conversations.endpointGone(user, app),
      endpointsChanged: (tx, outbox, user) => services().presence.endpointsChanged(tx, outbox, user),
      stale: (ids) => tellOthers(ids.map(applicationKey)),
    },
    policies: {
      // Applications follow the new policy (expire, drop modalities); presence follows them.
      mobilityChanged: (tx, outbox, after, changes) =>
        services().applications.applyPolicies(tx, outbox, after, changes),
      // Every node re-reads the policies at once (without a cluster bus: within 5 seconds).
      changed: () => tellOthers([POLICIES_KEY]),
    },
    users: {
      changed: async (tx, outbox, after, user, previous) => {
        await services().presence.directoryChanged(tx, outbox, user, previous)
        after.add(() => {
          services().auth.forgetUser(user.id)
          tellOthers([userKey(user.id)])
        })
      },
      sessionsRevoked: async (_tx, _outbox, after, user) => {
        after.add(() => {
          services().auth.forgetUser(user.id)
          services().applications.forgetUser(user.id)
          tellOthers([userKey(user.id)])
        })
      },
    },
    saveHistory: (user) => services().policies.cachedMobilityOf(user).AllowSaveIMHistory === true,
  }
}

/** Makes a server drop (or re-read) what other processes — nodes, CLI commands — say they changed. */
export function hearOtherProcesses(services: Services, adapters: Pick<Adapters, 'cluster' | 'logger'>): void {
  if (!adapters.cluster) return
  forgetWhatOthersChange(adapters.cluster, services, (error) =>
    adapters.logger.error({ err: error }, 'policy refresh failed'),
  )
}
