// Policies and administration (docs/policies.md): New/Set/Get/Grant/Remove of mobility policies,
// Mcx and push configurations, effective-policy lookup, the admin role and the audit log. Every
// change is one transaction with its audit entry and what it causes: the users whose effective
// mobility policy changed are handed to the PolicyHooks (their applications follow, in the same
// transaction).
import type { Application, EndpointKind } from '../applications/application-types.ts'
import { UcwaError } from '../errors.ts'
import { commitWithEvents, type EventChannel } from '../events/event-channel.ts'
import { Outbox } from '../events/outbox.ts'
import {
  AfterCommit,
  type EndpointRights,
  NO_POLICY_HOOKS,
  type PolicyChange,
  type PolicyHooks,
  type Tx,
} from '../hooks.ts'
import type { UserId } from '../ids.ts'
import type { Clock, Store } from '../ports.ts'
import type { AccessLocation, Topology } from '../topology/topology.ts'
import { parseSipUri } from '../users/sip-uri.ts'
import type { User } from '../users/user-types.ts'
import { allowedModalities, type ClientPolicies, clientPolicies, mediaRights } from './client-policies.ts'
import { GLOBAL, identityFilter, parseIdentity } from './identity.ts'
import { KINDS, type KindSpec, type PolicyKind } from './kinds.ts'
import { defaultsOf, readSettings, type Settings } from './parameters.ts'
import { PolicyError } from './policy-errors.ts'
import type { AuditEntry, NetworkType } from './policy-types.ts'
import type { Effective } from './resolution.ts'
import { checkedIdentity } from './scopes.ts'
import { PolicySnapshot } from './snapshot.ts'

/** `strictTypes`: JSON input (the admin API), where `"true"` is not a boolean. */
export interface InputOptions {
  readonly strictTypes?: boolean
}

/** What Get shows for one object. */
export interface PolicyView {
  readonly kind: PolicyKind
  readonly identity: string
  readonly settings: Settings
  /** Per-user policies: how many users it is granted to. */
  readonly assignedUsers?: number
}

/** What applies to one user (Get-CsEffectivePolicy). */
export interface EffectivePolicy {
  readonly user: string
  readonly homePool: string
  readonly site: string | undefined
  /** The per-user mobility policy granted, if any (even one that no longer exists). */
  readonly granted: string | null
  readonly mobility: Effective
  readonly mcx: Effective
  readonly push: Effective
  /** The UCWA `policies` resource this user's applications get. */
  readonly clientPolicies: ClientPolicies
}

const MOBILITY: PolicyKind = 'mobility-policy'

export class PolicyService {
  readonly #store: Store
  readonly #channel: EventChannel
  readonly #clock: Clock
  readonly #topology: Topology
  readonly #cacheMs: number
  readonly #hooks: PolicyHooks
  #snapshot: PolicySnapshot

  constructor(deps: {
    hooks?: PolicyHooks
    store: Store
    channel: EventChannel
    clock: Clock
    topology: Topology
    cacheSeconds?: number
  }) {
    this.#store = deps.store
    this.#channel = deps.channel
    this.#clock = deps.clock
    this.#topology = deps.topology
    this.#cacheMs = (deps.cacheSeconds ?? 5) * 1000
    this.#hooks = deps.hooks ?? NO_POLICY_HOOKS
    this.#snapshot = new PolicySnapshot(deps.topology)
  }

  /** Reads the objects and grants again (other processes' changes: the CLI). */
  async refresh(): Promise<void> {
    this.#snapshot = await this.#load(this.#store)
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** Get: every object of `kind` (Global always, defaults when never changed), or one, or a filter. */
  async get(
    kind: PolicyKind,
    options: { identity?: string | undefined; filter?: string | undefined } = {},
  ): Promise<PolicyView[]> {
    const spec = KINDS[kind]
    if (options.identity !== undefined && options.filter !== undefined) {
      throw new PolicyError('invalid', 'give an identity or --filter, not both')
    }
    const stored = await this.#store.policies.list(kind)
    const grants = await this.#store.policies.assignments(kind)
    const views: PolicyView[] = []
    if (!stored.some((p) => p.identity === GLOBAL.text)) {
      views.push({ kind, identity: GLOBAL.text, settings: defaultsOf(spec.parameters) })
    }
    for (const p of stored) {
      const tag = /^Tag:(.*)$/.exec(p.identity)?.[1]
      const count =
        tag === undefined
          ? undefined
          : grants.filter((g) => g.name.toLowerCase() === tag.toLowerCase()).length
      views.push({
        kind,
        identity: p.identity,
        settings: { ...defaultsOf(spec.parameters), ...p.settings },
        ...(count === undefined ? {} : { assignedUsers: count }),
      })
    }
    views.sort((a, b) => order(a.identity) - order(b.identity) || a.identity.localeCompare(b.identity))
    if (options.identity !== undefined) {
      const identity = this.#identity(spec, options.identity, 'any')
      const found = views.find((v) => v.identity.toLowerCase() === identity.text.toLowerCase())
      if (!found) throw new PolicyError('not-found', `no ${kind} ${identity.text}`)
      return [found]
    }
    if (options.filter !== undefined) {
      const matches = identityFilter(options.filter)
      return views.filter((v) => matches(v.identity))
    }
    return views
  }

  /** The effective policies of a user named by SIP address. */
  async effectiveFor(name: string): Promise<EffectivePolicy> {
    const user = await this.#user(name)
    await this.#fresh()
    const snapshot = this.#snapshot
    const mobility = snapshot.mobility(user)
    return {
      user: user.sipUri,
      homePool: user.homePool,
      site: snapshot.siteOf(user.homePool),
      granted: snapshot.granted(user) ?? null,
      mobility,
      mcx: snapshot.mcx(user.homePool),
      push: snapshot.push(user),
      clientPolicies: clientPolicies(user, mobility.settings),
    }
  }

  /** The user's effective mobility settings (cached up to cacheSeconds). */
  async mobilityOf(user: User): Promise<Settings> {
    await this.#fresh()
    return this.#snapshot.mobility(user).settings
  }

  /** The user's effective push configuration (which providers may be used): for the push issue. */
  async pushOf(user: User): Promise<Settings> {
    await this.#fresh()
    return this.#snapshot.push(user).settings
  }

  /** A pool's effective Mcx configuration (exposure, session lifetimes). */
  async mcxOf(pool: string): Promise<Settings> {
    await this.#fresh()
    return this.#snapshot.mcx(pool).settings
  }

  /** The same from the last snapshot, for synchronous callers (messaging history). */
  cachedMobilityOf(user: User): Settings {
    return this.#snapshot.mobility(user).settings
  }

  /** The `policies` resource of the user's applications. */
  async clientPoliciesOf(user: User): Promise<ClientPolicies> {
    return clientPolicies(user, await this.mobilityOf(user))
  }

  /** Modalities the user's endpoint may advertise (Audio/Video and PhoneAudio per policy). */
  async allowedModalities(user: User, modalities: readonly string[]): Promise<string[]> {
    return allowedModalities(modalities, mediaRights(user, await this.mobilityOf(user)))
  }

  /**
   * Whether `user` may create an application of `kind` on `pool` through a listener at `access`:
   * mobile endpoints need EnableMobility, and an Internal exposure (Mcx ExposedWebURL) keeps
   * them off external listeners. Browsers and desktops are not mobility clients.
   */
  async admit(user: User, pool: string, kind: EndpointKind, access: AccessLocation): Promise<void> {
    if (kind !== 'mobile') return
    await this.#fresh()
    if (this.#snapshot.mobility(user).settings.EnableMobility !== true) {
      throw new UcwaError('MobilityNotAllowed')
    }
    if (access === 'External' && this.#snapshot.mcx(pool).settings.ExposedWebURL === 'Internal') {
      throw new UcwaError('MobilityInternalOnly')
    }
  }

  /** Records the network an application reported (Parley's network-type extension). */
  async reportNetwork(app: Application, network: NetworkType): Promise<void> {
    await this.#store.policies.reportNetwork(app.id, network, this.#clock.now())
  }

  /**
   * Throws unless `user` may start audio/video from `app`: EnableIPAudioVideo, and — when the
   * policy requires Wi-Fi for VoIP — no cellular network reported by the application. Clients
   * that never report keep enforcing audioOnlyOnWifi themselves.
   */
  async checkAudioVideo(user: User, app: Application): Promise<void> {
    const mobility = await this.mobilityOf(user)
    if (!mediaRights(user, mobility).audioVideo) throw new UcwaError('AudioVideoNotAllowed')
    if (
      mobility.RequireWiFiForIPAudio === true &&
      (await this.#store.policies.networkOf(app.id)) === 'Cellular'
    ) {
      throw new UcwaError('WiFiRequired')
    }
  }

  /** Throws unless `user` may use Call via Work (a phone-audio invitation). */
  async checkPhoneAudio(user: User): Promise<void> {
    if (!mediaRights(user, await this.mobilityOf(user)).phoneAudio)
      throw new UcwaError('PhoneAudioNotAllowed')
  }

  async audit(query: { limit: number; beforeSeq?: number | undefined }): Promise<AuditEntry[]> {
    return this.#store.audit.list(query)
  }

  async isAdmin(userId: UserId): Promise<boolean> {
    return this.#store.admins.isAdmin(userId)
  }

  async admins(): Promise<string[]> {
    const ids = await this.#store.admins.list()
    const users = await Promise.all(ids.map((id) => this.#store.users.findById(id)))
    return users.flatMap((u) => (u ? [u.sipUri] : []))
  }

  // ---- changes -------------------------------------------------------------------------------

  /** New: creates a Site/Tag/Service object from the defaults and `input`. */
  async create(
    kind: PolicyKind,
    identityText: string,
    input: Record<string, unknown>,
    actor: string,
    options: InputOptions = {},
  ): Promise<PolicyView> {
    const spec = KINDS[kind]
    const identity = this.#identity(spec, identityText, 'new')
    const changes = this.#settings(spec, input, options)
    return this.#change(actor, `${kind}.new`, identity.text, async (tx) => {
      if (await tx.policies.find(kind, identity.text)) {
        throw new PolicyError('exists', `${kind} ${identity.text} already exists; change it with set`)
      }
      const settings = this.#complete(spec, { ...defaultsOf(spec.parameters), ...changes })
      await tx.policies.put({ kind, identity: identity.text, settings, updatedAt: this.#clock.now() })
      return {
        before: null,
        after: { identity: identity.text, settings },
        view: { kind, identity: identity.text, settings },
      }
    })
  }

  /** Set: changes the given parameters of an existing object (Global when no identity). */
  async set(
    kind: PolicyKind,
    identityText: string | undefined,
    input: Record<string, unknown>,
    actor: string,
    options: InputOptions = {},
  ): Promise<PolicyView> {
    const spec = KINDS[kind]
    const identity = this.#identity(spec, identityText ?? 'Global', 'any')
    const changes = this.#settings(spec, input, options)
    if (Object.keys(changes).length === 0)
      throw new PolicyError('invalid', 'set needs at least one Parameter=Value')
    return this.#change(actor, `${kind}.set`, identity.text, async (tx) => {
      const stored = await tx.policies.find(kind, identity.text)
      if (!stored && identity.scope !== 'global') {
        throw new PolicyError('not-found', `no ${kind} ${identity.text}; create it with new`)
      }
      const before = { ...defaultsOf(spec.parameters), ...stored?.settings }
      const settings = this.#complete(spec, { ...before, ...changes })
      await tx.policies.put({
        kind,
        identity: stored?.identity ?? identity.text,
        settings,
        updatedAt: this.#clock.now(),
      })
      return {
        before: { identity: identity.text, settings: before },
        after: { identity: identity.text, settings },
        view: { kind, identity: stored?.identity ?? identity.text, settings },
      }
    })
  }

  /**
   * Remove: a Site/Service object goes (its users fall back); Global resets to the defaults; a
   * per-user policy still granted to users needs `force`, and its grants go with it.
   */
  async remove(
    kind: PolicyKind,
    identityText: string,
    force: boolean,
    actor: string,
  ): Promise<PolicyView | null> {
    const spec = KINDS[kind]
    const identity = this.#identity(spec, identityText, 'any')
    return this.#change(actor, `${kind}.remove`, identity.text, async (tx) => {
      const stored = await tx.policies.find(kind, identity.text)
      if (identity.scope === 'global') {
        const settings = defaultsOf(spec.parameters)
        await tx.policies.remove(kind, identity.text)
        return {
          before: { identity: identity.text, settings: { ...settings, ...stored?.settings } },
          after: { identity: identity.text, settings },
          view: { kind, identity: identity.text, settings },
        }
      }
      if (!stored) throw new PolicyError('not-found', `no ${kind} ${identity.text}`)
      let unassigned = 0
      if (identity.scope === 'tag') {
        const users = await tx.policies.assignedTo(kind, identity.name)
        if (users.length > 0 && !force) {
          throw new PolicyError(
            'assigned',
            `${identity.text} is granted to ${users.length} user(s); grant them another policy, or remove with --force (their grants are removed too)`,
          )
        }
        unassigned = await tx.policies.unassignAll(kind, identity.name)
      }
      await tx.policies.remove(kind, identity.text)
      return {
        before: { identity: stored.identity, settings: stored.settings },
        after: unassigned > 0 ? { removed: true, grantsRemoved: unassigned } : null,
        view: null,
      }
    })
  }

  /** Grant: assigns a per-user mobility policy (by tag name, `tag:` tolerated), or none with null. */
  async grant(userName: string, policyName: string | null, actor: string): Promise<EffectivePolicy> {
    const user = await this.#user(userName)
    let name: string | null = null
    if (policyName !== null) {
      const identity = parseIdentity(policyName)
      if ('problem' in identity || identity.scope !== 'tag') {
        throw new PolicyError(
          'invalid',
          `"${policyName}": only per-user (Tag:) policies are granted; site and global policies apply by themselves`,
        )
      }
      name = identity.name
    }
    await this.#change(actor, `${MOBILITY}.grant`, user.sipUri, async (tx) => {
      let canonical = name
      if (name !== null) {
        const stored = await tx.policies.find(MOBILITY, `Tag:${name}`)
        if (!stored) throw new PolicyError('not-found', `no ${MOBILITY} Tag:${name}; create it with new`)
        canonical = stored.identity.slice('Tag:'.length)
      }
      const before = (await tx.policies.assignment(user.id, MOBILITY)) ?? null
      await tx.policies.assign(user.id, MOBILITY, canonical, this.#clock.now())
      return { before: { policy: before }, after: { policy: canonical }, view: null }
    })
    return this.effectiveFor(user.sipUri)
  }

  /** Grants or revokes the admin role. */
  async setAdmin(userName: string, admin: boolean, actor: string): Promise<boolean> {
    const user = await this.#user(userName)
    return this.#change(actor, admin ? 'admin.add' : 'admin.remove', user.sipUri, async (tx) => {
      const before = await tx.admins.isAdmin(user.id)
      const changed = await tx.admins.set(user.id, admin, this.#clock.now())
      return { before: { admin: before }, after: { admin }, view: changed }
    })
  }

  // One change: the work, its audit entry and what it causes for every user whose effective
  // mobility policy changed (the hooks: their applications and presence), in one transaction.
  async #change<T>(
    actor: string,
    action: string,
    target: string,
    work: (tx: Tx) => Promise<{ before: unknown; after: unknown; view: T }>,
  ): Promise<T> {
    const outbox = new Outbox()
    const afterCommit = new AfterCommit()
    const now = this.#clock.now()
    const view = await commitWithEvents(this.#store, this.#channel, outbox, async (tx) => {
      const before = await this.#load(tx)
      const result = await work(tx)
      await tx.audit.append({ at: now, actor, action, target, before: result.before, after: result.after })
      const changes = await this.#changedUsers(tx, before, await this.#load(tx))
      if (changes.length > 0) await this.#hooks.mobilityChanged(tx, outbox, afterCommit, changes)
      return result.view
    })
    await this.refresh()
    this.#hooks.changed()
    afterCommit.run()
    return view
  }

  // The users whose effective mobility policy differs between the two snapshots, with what it
  // now allows their applications.
  async #changedUsers(tx: Tx, before: PolicySnapshot, after: PolicySnapshot): Promise<PolicyChange[]> {
    const changed = (user: User) =>
      JSON.stringify(before.mobility(user).settings) !== JSON.stringify(after.mobility(user).settings)
    return (await tx.users.list()).filter(changed).map((user) => ({
      user,
      rights: endpointRights(user, after.mobility(user).settings),
    }))
  }

  // ---- helpers -------------------------------------------------------------------------------

  async #fresh(): Promise<void> {
    if (
      this.#clock.now() - this.#snapshot.loadedAt >= this.#cacheMs ||
      this.#snapshot.loadedAt > this.#clock.now()
    ) {
      await this.refresh()
    }
  }

  async #user(name: string): Promise<User> {
    const uri = parseSipUri(name)
    const user = uri && (await this.#store.users.findBySipUri(uri))
    if (!user) throw new PolicyError('not-found', `no user ${uri ?? name}`)
    return user
  }

  #identity(spec: KindSpec, text: string, use: 'new' | 'any') {
    return checkedIdentity(spec, text, use, this.#topology)
  }

  #load(store: Pick<Store, 'policies'>): Promise<PolicySnapshot> {
    return PolicySnapshot.load(store, this.#topology, this.#clock.now())
  }

  #settings(spec: KindSpec, input: Record<string, unknown>, options: InputOptions): Settings {
    const { settings, problems } = readSettings(spec.parameters, input, options)
    if (problems.length > 0) throw new PolicyError('invalid', `invalid ${spec.kind} settings:`, problems)
    return settings
  }

  #complete(spec: KindSpec, settings: Settings): Settings {
    const problems = spec.check(settings)
    if (problems.length > 0) throw new PolicyError('invalid', `invalid ${spec.kind} settings:`, problems)
    return settings
  }
}

/** What `mobility` lets `user`'s applications do: mobile ones need EnableMobility to stay signed in. */
function endpointRights(user: User, mobility: Settings): EndpointRights {
  const rights = mediaRights(user, mobility)
  return {
    keeps: (kind) => kind !== 'mobile' || mobility.EnableMobility === true,
    modalities: (offered) => allowedModalities(offered, rights),
  }
}

// Global first, then sites, services and tags.
const order = (identity: string): number =>
  identity === 'Global' ? 0 : identity.startsWith('Site:') ? 1 : identity.startsWith('Service:') ? 2 : 3
