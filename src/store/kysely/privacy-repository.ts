import type { Kysely } from 'kysely'
import type { UserId } from '../../domain/ids.ts'
import type { PrivacyStore } from '../../domain/ports.ts'
import type { PrivacyLevel } from '../../domain/presence/presence-rules.ts'
import type { PrivacyRelationship } from '../../domain/presence/presence-types.ts'
import type { Database } from './database.ts'

export class KyselyPrivacyStore implements PrivacyStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async level(owner: UserId, contactUri: string): Promise<PrivacyLevel | undefined> {
    const row = await this.#db
      .selectFrom('privacy_relationships')
      .select('level')
      .where('owner_id', '=', owner)
      .where('contact_uri', '=', contactUri)
      .executeTakeFirst()
    return row?.level as PrivacyLevel | undefined
  }

  async list(owner: UserId): Promise<PrivacyRelationship[]> {
    const rows = await this.#db
      .selectFrom('privacy_relationships')
      .select(['contact_uri', 'level'])
      .where('owner_id', '=', owner)
      .orderBy('contact_uri')
      .execute()
    return rows.map((r) => ({ contactUri: r.contact_uri, level: r.level as PrivacyLevel }))
  }

  async set(owner: UserId, contactUri: string, level: PrivacyLevel): Promise<void> {
    await this.#db
      .insertInto('privacy_relationships')
      .values({ owner_id: owner, contact_uri: contactUri, level })
      .onConflict((oc) => oc.columns(['owner_id', 'contact_uri']).doUpdateSet({ level }))
      .execute()
  }

  async reset(owner: UserId, contactUri: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('privacy_relationships')
      .where('owner_id', '=', owner)
      .where('contact_uri', '=', contactUri)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }
}
