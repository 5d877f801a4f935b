import type { Kysely } from 'kysely'
import { type ApplicationId, asApplicationId, asUserId } from '../../domain/ids.ts'
import type { SubscriptionStore } from '../../domain/ports.ts'
import type { PresenceSubscription, Watcher } from '../../domain/presence/presence-types.ts'
import type { Database } from './database.ts'
import { prepare } from './prepared.ts'

const watchersOf = prepare<[string, number], { app_id: string; user_id: string; uri: string }>(
  (db, uri, now) =>
    db
      .selectFrom('presence_subscription_members as m')
      .innerJoin('presence_subscriptions as s', 's.id', 'm.subscription_id')
      .innerJoin('applications as a', 'a.id', 's.app_id')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select(['a.id as app_id', 'a.user_id as user_id', 'u.sip_uri as uri'])
      .distinct()
      .where('m.uri', '=', uri)
      .where('s.expires_at', '>', now)
      .where('a.expires_at', '>', now),
)

export class KyselySubscriptionStore implements SubscriptionStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async create(s: PresenceSubscription, uris: readonly string[]): Promise<void> {
    await this.#db
      .insertInto('presence_subscriptions')
      .values({ id: s.id, app_id: s.appId, expires_at: s.expiresAt, created_at: s.createdAt })
      .execute()
    await this.addMembers(s.id, uris)
  }

  async find(id: string): Promise<PresenceSubscription | undefined> {
    const row = await this.#db
      .selectFrom('presence_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toSubscription(row)
  }

  async listByApp(app: ApplicationId): Promise<PresenceSubscription[]> {
    const rows = await this.#db
      .selectFrom('presence_subscriptions')
      .selectAll()
      .where('app_id', '=', app)
      .orderBy('created_at')
      .execute()
    return rows.map(toSubscription)
  }

  async members(id: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('presence_subscription_members')
      .select('uri')
      .where('subscription_id', '=', id)
      .orderBy('uri')
      .execute()
    return rows.map((r) => r.uri)
  }

  async addMembers(id: string, uris: readonly string[]): Promise<string[]> {
    const existing = new Set(await this.members(id))
    const fresh = [...new Set(uris)].filter((u) => !existing.has(u))
    if (fresh.length > 0) {
      await this.#db
        .insertInto('presence_subscription_members')
        .values(fresh.map((uri) => ({ subscription_id: id, uri })))
        .execute()
    }
    return fresh
  }

  async removeMember(id: string, uri: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('presence_subscription_members')
      .where('subscription_id', '=', id)
      .where('uri', '=', uri)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async extend(id: string, expiresAt: number): Promise<void> {
    await this.#db
      .updateTable('presence_subscriptions')
      .set({ expires_at: expiresAt })
      .where('id', '=', id)
      .execute()
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('presence_subscriptions').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async watchers(uri: string, now: number): Promise<Watcher[]> {
    const { rows } = await watchersOf.run(this.#db, uri, now)
    return rows.map((r) => ({ appId: asApplicationId(r.app_id), userId: asUserId(r.user_id), uri: r.uri }))
  }

  async watchedBy(app: ApplicationId, now: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('presence_subscription_members as m')
      .innerJoin('presence_subscriptions as s', 's.id', 'm.subscription_id')
      .select('m.uri')
      .distinct()
      .where('s.app_id', '=', app)
      .where('s.expires_at', '>', now)
      .orderBy('m.uri')
      .execute()
    return rows.map((r) => r.uri)
  }

  async removeExpired(before: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('presence_subscriptions')
      .where('expires_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async expiringBefore(before: number, limit: number): Promise<PresenceSubscription[]> {
    const rows = await this.#db
      .selectFrom('presence_subscriptions')
      .selectAll()
      .where('expires_at', '<=', before)
      .orderBy('expires_at')
      .limit(limit)
      .execute()
    return rows.map(toSubscription)
  }
}

function toSubscription(row: {
  id: string
  app_id: string
  expires_at: number
  created_at: number
}): PresenceSubscription {
  return {
    id: row.id,
    appId: asApplicationId(row.app_id),
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
  }
}
