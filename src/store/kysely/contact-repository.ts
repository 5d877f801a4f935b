import { type Kysely, type Selectable, sql } from 'kysely'
import type { ContactGroup, GroupKind, GroupMembership } from '../../domain/contacts/contact-types.ts'
import { asUserId, type SipUri, type UserId } from '../../domain/ids.ts'
import type { ContactStore } from '../../domain/ports.ts'
import type { ContactGroupsTable, Database } from './database.ts'
import { type EntityLock, NO_LOCK } from './locks.ts'

const KIND_ORDER: Readonly<Record<string, number>> = { default: 0, pinned: 1, user: 2 }

export class KyselyContactStore implements ContactStore {
  readonly #db: Kysely<Database>
  readonly #lock: EntityLock

  constructor(db: Kysely<Database>, lock: EntityLock = NO_LOCK) {
    this.#db = db
    this.#lock = lock
  }

  async groups(owner: UserId): Promise<ContactGroup[]> {
    // Every change to a contact list reads the groups first (and creates the default ones when
    // missing): one owner's changes wait for each other, so the default groups are made once.
    await this.#lock(`contacts:${owner}`)
    const rows = await this.#db
      .selectFrom('contact_groups')
      .selectAll()
      .where('owner_id', '=', owner)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toGroup).sort((a, b) => (KIND_ORDER[a.kind] ?? 2) - (KIND_ORDER[b.kind] ?? 2))
  }

  async group(owner: UserId, id: string): Promise<ContactGroup | undefined> {
    const row = await this.#db
      .selectFrom('contact_groups')
      .selectAll()
      .where('owner_id', '=', owner)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toGroup(row)
  }

  async insertGroup(group: ContactGroup): Promise<void> {
    await this.#db
      .insertInto('contact_groups')
      .values({
        id: group.id,
        owner_id: group.ownerId,
        kind: group.kind,
        name: group.name,
        created_at: group.createdAt,
      })
      .execute()
  }

  async renameGroup(owner: UserId, id: string, name: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('contact_groups')
      .set({ name })
      .where('owner_id', '=', owner)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async removeGroup(owner: UserId, id: string): Promise<boolean> {
    // Explicitly, not only through the foreign key's cascade (a dialect may have it off).
    await this.#db
      .deleteFrom('contact_group_members')
      .where('owner_id', '=', owner)
      .where('group_id', '=', id)
      .execute()
    const result = await this.#db
      .deleteFrom('contact_groups')
      .where('owner_id', '=', owner)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async memberships(owner: UserId, groupId?: string): Promise<GroupMembership[]> {
    let query = this.#db
      .selectFrom('contact_group_members')
      .select(['group_id', 'contact_uri', 'created_at'])
      .where('owner_id', '=', owner)
    if (groupId !== undefined) query = query.where('group_id', '=', groupId)
    const rows = await query.orderBy('created_at').orderBy('contact_uri').execute()
    return rows.map((r) => ({
      groupId: r.group_id,
      contactUri: r.contact_uri as SipUri,
      createdAt: Number(r.created_at),
    }))
  }

  async groupsOf(owner: UserId, contactUri: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('contact_group_members')
      .select('group_id')
      .where('owner_id', '=', owner)
      .where('contact_uri', '=', contactUri)
      .orderBy('created_at')
      .execute()
    return rows.map((r) => r.group_id)
  }

  async countContacts(owner: UserId): Promise<number> {
    const row = await this.#db
      .selectFrom('contact_group_members')
      .select((eb) => eb.fn.count<number>('contact_uri').distinct().as('n'))
      .where('owner_id', '=', owner)
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async addMember(owner: UserId, groupId: string, contactUri: string, now: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('contact_group_members')
      .values({ group_id: groupId, owner_id: owner, contact_uri: contactUri, created_at: now })
      .onConflict((oc) => oc.columns(['group_id', 'contact_uri']).doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async removeMember(owner: UserId, groupId: string, contactUri: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('contact_group_members')
      .where('owner_id', '=', owner)
      .where('group_id', '=', groupId)
      .where('contact_uri', '=', contactUri)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async searchDirectory(text: string, digits: string | undefined, limit: number): Promise<UserId[]> {
    const pattern = `%${escapeLike(text.toLowerCase())}%`
    const phone = digits ? `%${escapeLike(digits)}%` : undefined
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    const rows = await this.#db
      .selectFrom('users')
      .select(['id'])
      .where('enabled', '=', 1)
      .where((eb) =>
        eb.or([
          eb(sql`lower(display_name)`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(coalesce(email, ''))`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(sip_uri)`, 'like', sql`${pattern} escape '\\'`),
          ...(phone
            ? [
                eb('phones', 'like', sql<string>`${phone} escape '\\'`),
                eb(sql`coalesce(line_uri, '')`, 'like', sql`${phone} escape '\\'`),
              ]
            : []),
        ]),
      )
      .orderBy(sql`lower(display_name)`)
      .orderBy('sip_uri')
      .limit(limit)
      .execute()
    return rows.map((r) => asUserId(r.id))
  }
}

/** Makes `%`, `_` and `\` match themselves in a LIKE pattern with `escape '\'`. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

function toGroup(row: Selectable<ContactGroupsTable>): ContactGroup {
  return {
    id: row.id,
    ownerId: asUserId(row.owner_id),
    kind: row.kind as GroupKind,
    name: row.name,
    createdAt: Number(row.created_at),
  }
}
