import type { Kysely, Selectable } from 'kysely'
import { asUserId, type UserId } from '../../domain/ids.ts'
import type { PresenceStore } from '../../domain/ports.ts'
import type { Availability, DeviceType, PreferredAvailability } from '../../domain/presence/presence-rules.ts'
import type { PresenceRecord } from '../../domain/presence/presence-types.ts'
import type { Database, PresenceTable } from './database.ts'
import { type EntityLock, NO_LOCK } from './locks.ts'
import { prepare } from './prepared.ts'

const COLUMNS = [
  'user_id',
  'manual',
  'note',
  'location',
  'availability',
  'activity',
  'device_type',
  'last_active_at',
  'next_check_at',
  'updated_at',
  'modalities',
] as const
type Values = { [K in (typeof COLUMNS)[number]]: unknown }

const getOne = prepare<[string], Selectable<PresenceTable>>((db, userId) =>
  db.selectFrom('presence').selectAll().where('user_id', '=', userId),
)
const upsert = prepare<unknown[], never>((db, ...params) => {
  const values = Object.fromEntries(COLUMNS.map((c, i) => [c, params[i]])) as never
  return db
    .insertInto('presence')
    .values(values)
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
})

export class KyselyPresenceStore implements PresenceStore {
  readonly #db: Kysely<Database>
  readonly #lock: EntityLock

  constructor(db: Kysely<Database>, lock: EntityLock = NO_LOCK) {
    this.#db = db
    this.#lock = lock
  }

  async get(userId: UserId): Promise<PresenceRecord | undefined> {
    // Read-modify-write of the user's aggregate: concurrent updates wait instead of losing one.
    await this.#lock(`presence:${userId}`)
    const row = (await getOne.run(this.#db, userId)).rows[0]
    return row && toRecord(row)
  }

  async getMany(userIds: readonly UserId[]): Promise<PresenceRecord[]> {
    if (userIds.length === 0) return []
    const rows = await this.#db.selectFrom('presence').selectAll().where('user_id', 'in', userIds).execute()
    return rows.map(toRecord)
  }

  async save(r: PresenceRecord): Promise<void> {
    const values: Values = {
      user_id: r.userId,
      manual: r.manual,
      note: r.note,
      location: r.location,
      availability: r.availability,
      activity: r.activity,
      device_type: r.deviceType,
      last_active_at: r.lastActiveAt,
      next_check_at: r.nextCheckAt,
      updated_at: r.updatedAt,
      modalities: JSON.stringify(r.modalities),
    }
    await upsert.run(this.#db, ...COLUMNS.map((c) => values[c]))
  }

  async due(now: number, limit: number): Promise<UserId[]> {
    const rows = await this.#db
      .selectFrom('presence')
      .select('user_id')
      .where('next_check_at', '<=', now)
      .orderBy('next_check_at')
      .limit(limit)
      .execute()
    return rows.map((r) => asUserId(r.user_id))
  }
}

function toRecord(row: Selectable<PresenceTable>): PresenceRecord {
  return {
    userId: asUserId(row.user_id),
    manual: row.manual as PreferredAvailability | null,
    note: row.note,
    location: row.location,
    availability: row.availability as Availability,
    activity: row.activity,
    deviceType: row.device_type as DeviceType,
    lastActiveAt: row.last_active_at === null ? null : Number(row.last_active_at),
    nextCheckAt: row.next_check_at === null ? null : Number(row.next_check_at),
    updatedAt: Number(row.updated_at),
    modalities: JSON.parse(row.modalities) as string[],
  }
}
