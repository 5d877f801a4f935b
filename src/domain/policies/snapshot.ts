// Everything scope resolution reads, loaded at once (the tables are small: the objects, and one
// row per user with a per-user grant), and the effective objects it gives. Pure once loaded.
import type { UserId } from '../ids.ts'
import type { Store } from '../ports.ts'
import type { Topology } from '../topology/topology.ts'
import type { User } from '../users/user-types.ts'
import { parseIdentity } from './identity.ts'
import { KINDS, type PolicyKind } from './kinds.ts'
import type { StoredPolicy } from './policy-types.ts'
import {
  type Effective,
  mcxCandidates,
  mobilityCandidates,
  type PolicyObject,
  pushCandidates,
  resolve,
} from './resolution.ts'

export class PolicySnapshot {
  readonly loadedAt: number
  readonly #objects: readonly StoredPolicy[]
  readonly #grants: ReadonlyMap<UserId, string>
  readonly #topology: Topology

  constructor(
    topology: Topology,
    objects: readonly StoredPolicy[] = [],
    grants: ReadonlyMap<UserId, string> = new Map(),
    loadedAt = Number.NEGATIVE_INFINITY,
  ) {
    this.#topology = topology
    this.#objects = objects
    this.#grants = grants
    this.loadedAt = loadedAt
  }

  static async load(
    store: Pick<Store, 'policies'>,
    topology: Topology,
    now: number,
  ): Promise<PolicySnapshot> {
    const objects = await store.policies.list()
    const grants = await store.policies.assignments('mobility-policy')
    return new PolicySnapshot(topology, objects, new Map(grants.map((g) => [g.userId, g.name])), now)
  }

  /** The site of a pool in the topology. */
  siteOf(poolFqdn: string): string | undefined {
    return this.#topology.pool(poolFqdn)?.site
  }

  /** The per-user mobility policy granted to the user (by tag name), even one that is gone. */
  granted(user: User): string | undefined {
    return this.#grants.get(user.id)
  }

  /** Granted tag → home site → Global. */
  mobility(user: User): Effective {
    const candidates = mobilityCandidates(this.granted(user), this.siteOf(user.homePool))
    return resolve(KINDS['mobility-policy'], this.#of('mobility-policy'), candidates)
  }

  /** The pool's web server → its site → Global. */
  mcx(pool: string): Effective {
    return resolve(KINDS['mcx-config'], this.#of('mcx-config'), mcxCandidates(pool, this.siteOf(pool)))
  }

  /** Home site → Global. */
  push(user: User): Effective {
    return resolve(KINDS['push-config'], this.#of('push-config'), pushCandidates(this.siteOf(user.homePool)))
  }

  #of(kind: PolicyKind): PolicyObject[] {
    return this.#objects.flatMap((p) => {
      if (p.kind !== kind) return []
      const identity = parseIdentity(p.identity)
      return 'problem' in identity ? [] : [{ identity, settings: p.settings }]
    })
  }
}
