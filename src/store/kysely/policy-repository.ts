// Policy objects, per-user grants, the admin role and the audit log (docs/policies.md).
import type { Kysely } from 'kysely'
import { type ApplicationId, asUserId, type UserId } from '../../domain/ids.ts'
import type { PolicyKind } from '../../domain/policies/kinds.ts'
import type { Settings } from '../../domain/policies/parameters.ts'
import type {
  AuditEntry,
  NetworkType,
  NewAuditEntry,
  PolicyAssignment,
  StoredPolicy,
} from '../../domain/policies/policy-types.ts'
import type { AdminStore, AuditStore, PolicyStore } from '../../domain/ports.ts'
import type { Database } from './database.ts'

export class KyselyPolicyStore implements PolicyStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async list(kind?: PolicyKind): Promise<StoredPolicy[]> {
    let query = this.#db.selectFrom('policies').selectAll()
    if (kind) query = query.where('kind', '=', kind)
    const rows = await query.orderBy('kind').orderBy('identity_key').execute()
    return rows.map(toPolicy)
  }

  async find(kind: PolicyKind, identity: string): Promise<StoredPolicy | undefined> {
    const row = await this.#db
      .selectFrom('policies')
      .selectAll()
      .where('kind', '=', kind)
      .where('identity_key', '=', identity.toLowerCase())
      .executeTakeFirst()
    return row && toPolicy(row)
  }

  async put(policy: StoredPolicy): Promise<void> {
    const values = {
      kind: policy.kind,
      identity_key: policy.identity.toLowerCase(),
      identity: policy.identity,
      settings: JSON.stringify(policy.settings),
      updated_at: policy.updatedAt,
    }
    await this.#db
      .insertInto('policies')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['kind', 'identity_key']).doUpdateSet({
          identity: values.identity,
          settings: values.settings,
          updated_at: values.updated_at,
        }),
      )
      .execute()
  }

  async remove(kind: PolicyKind, identity: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('policies')
      .where('kind', '=', kind)
      .where('identity_key', '=', identity.toLowerCase())
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async assignments(kind?: PolicyKind): Promise<PolicyAssignment[]> {
    let query = this.#db.selectFrom('policy_assignments').select(['user_id', 'kind', 'name'])
    if (kind) query = query.where('kind', '=', kind)
    const rows = await query.execute()
    return rows.map((r) => ({ userId: asUserId(r.user_id), kind: r.kind as PolicyKind, name: r.name }))
  }

  async assignment(userId: UserId, kind: PolicyKind): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('policy_assignments')
      .select('name')
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .executeTakeFirst()
    return row?.name
  }

  async assign(userId: UserId, kind: PolicyKind, name: string | null, now: number): Promise<void> {
    if (name === null) {
      await this.#db
        .deleteFrom('policy_assignments')
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .execute()
      return
    }
    const values = { user_id: userId, kind, name, name_key: name.toLowerCase(), assigned_at: now }
    await this.#db
      .insertInto('policy_assignments')
      .values(values)
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'kind'])
          .doUpdateSet({ name: values.name, name_key: values.name_key, assigned_at: now }),
      )
      .execute()
  }

  async assignedTo(kind: PolicyKind, name: string): Promise<UserId[]> {
    const rows = await this.#db
      .selectFrom('policy_assignments')
      .select('user_id')
      .where('kind', '=', kind)
      .where('name_key', '=', name.toLowerCase())
      .execute()
    return rows.map((r) => asUserId(r.user_id))
  }

  async unassignAll(kind: PolicyKind, name: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('policy_assignments')
      .where('kind', '=', kind)
      .where('name_key', '=', name.toLowerCase())
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async reportNetwork(app: ApplicationId, network: NetworkType, now: number): Promise<void> {
    await this.#db
      .insertInto('application_networks')
      .values({ app_id: app, network_type: network, reported_at: now })
      .onConflict((oc) => oc.column('app_id').doUpdateSet({ network_type: network, reported_at: now }))
      .execute()
  }

  async networkOf(app: ApplicationId): Promise<NetworkType | undefined> {
    const row = await this.#db
      .selectFrom('application_networks')
      .select('network_type')
      .where('app_id', '=', app)
      .executeTakeFirst()
    return row?.network_type as NetworkType | undefined
  }
}

function toPolicy(row: {
  kind: string
  identity: string
  settings: string
  updated_at: number
}): StoredPolicy {
  return {
    kind: row.kind as PolicyKind,
    identity: row.identity,
    settings: JSON.parse(row.settings) as Settings,
    updatedAt: Number(row.updated_at),
  }
}

export class KyselyAuditStore implements AuditStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const row = await this.#db
      .insertInto('audit_log')
      .values({
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        before: entry.before === undefined ? null : JSON.stringify(entry.before),
        after: entry.after === undefined ? null : JSON.stringify(entry.after),
      })
      .returning('seq')
      .executeTakeFirstOrThrow()
    return { ...entry, seq: Number(row.seq) }
  }

  async list(query: { limit: number; beforeSeq?: number | undefined }): Promise<AuditEntry[]> {
    let q = this.#db.selectFrom('audit_log').selectAll()
    if (query.beforeSeq !== undefined) q = q.where('seq', '<', query.beforeSeq)
    const rows = await q.orderBy('seq', 'desc').limit(query.limit).execute()
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: Number(r.at),
      actor: r.actor,
      action: r.action,
      target: r.target,
      before: r.before === null ? null : JSON.parse(r.before),
      after: r.after === null ? null : JSON.parse(r.after),
    }))
  }
}

export class KyselyAdminStore implements AdminStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async isAdmin(userId: UserId): Promise<boolean> {
    const row = await this.#db
      .selectFrom('admins')
      .select('user_id')
      .where('user_id', '=', userId)
      .executeTakeFirst()
    return row !== undefined
  }

  async set(userId: UserId, admin: boolean, now: number): Promise<boolean> {
    if (!admin) {
      const result = await this.#db.deleteFrom('admins').where('user_id', '=', userId).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    }
    const result = await this.#db
      .insertInto('admins')
      .values({ user_id: userId, granted_at: now })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async list(): Promise<UserId[]> {
    const rows = await this.#db.selectFrom('admins').select('user_id').orderBy('granted_at').execute()
    return rows.map((r) => asUserId(r.user_id))
  }
}
