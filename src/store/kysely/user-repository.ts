import type { Kysely, Selectable } from 'kysely'
import type { PhotoType, UserPhoto } from '../../domain/contacts/photo.ts'
import { asUserId, type SipUri, type UserId } from '../../domain/ids.ts'
import type { UserStore } from '../../domain/ports.ts'
import type { NewUser, PhoneNumbers, User, UserPatch } from '../../domain/users/user-types.ts'
import type { Database, UsersTable } from './database.ts'
import type { SceneScope } from './scene-cache.ts'

const PUBLIC_COLUMNS = [
  'id',
  'sip_uri',
  'display_name',
  'email',
  'title',
  'department',
  'phones',
  'home_pool',
  'enterprise_voice',
  'line_uri',
  'enabled',
  'out_of_office_note',
  'created_at',
  'updated_at',
] as const

type UserRow = Pick<Selectable<UsersTable>, (typeof PUBLIC_COLUMNS)[number]>

export class KyselyUserStore implements UserStore {
  readonly #db: Kysely<Database>
  readonly #scenes: SceneScope | undefined

  /** `scenes`: removing a user removes their applications' views and their logs (scene-cache.ts). */
  constructor(db: Kysely<Database>, scenes?: SceneScope) {
    this.#db = db
    this.#scenes = scenes
  }

  async insert(user: NewUser & { id: UserId; passwordHash: string | null }, now: number): Promise<User> {
    await this.#db
      .insertInto('users')
      .values({
        id: user.id,
        sip_uri: user.sipUri,
        display_name: user.displayName,
        email: user.email ?? null,
        title: user.title ?? null,
        department: user.department ?? null,
        phones: JSON.stringify(user.phones ?? {}),
        home_pool: user.homePool,
        enterprise_voice: user.enterpriseVoice ? 1 : 0,
        line_uri: user.lineUri ?? null,
        enabled: user.enabled === false ? 0 : 1,
        out_of_office_note: user.outOfOfficeNote ?? null,
        password_hash: user.passwordHash,
        created_at: now,
        updated_at: now,
      })
      .execute()
    const created = await this.findById(user.id)
    if (!created) throw new Error(`user ${user.id} vanished after insert`)
    return created
  }

  async findBySipUri(uri: SipUri): Promise<User | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .select(PUBLIC_COLUMNS)
      .where('sip_uri', '=', uri)
      .executeTakeFirst()
    return row && toUser(row)
  }

  async findById(id: UserId): Promise<User | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .select(PUBLIC_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toUser(row)
  }

  async list(): Promise<User[]> {
    const rows = await this.#db.selectFrom('users').select(PUBLIC_COLUMNS).orderBy('sip_uri').execute()
    return rows.map(toUser)
  }

  async update(id: UserId, patch: UserPatch, now: number): Promise<User | undefined> {
    const values: Partial<UsersTable> = { updated_at: now }
    if (patch.displayName !== undefined) values.display_name = patch.displayName
    if (patch.email !== undefined) values.email = patch.email
    if (patch.title !== undefined) values.title = patch.title
    if (patch.department !== undefined) values.department = patch.department
    if (patch.phones !== undefined) values.phones = JSON.stringify(patch.phones)
    if (patch.homePool !== undefined) values.home_pool = patch.homePool
    if (patch.enterpriseVoice !== undefined) values.enterprise_voice = patch.enterpriseVoice ? 1 : 0
    if (patch.lineUri !== undefined) values.line_uri = patch.lineUri
    if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0
    if (patch.outOfOfficeNote !== undefined) values.out_of_office_note = patch.outOfOfficeNote
    await this.#db.updateTable('users').set(values).where('id', '=', id).execute()
    return this.findById(id)
  }

  async passwordHash(id: UserId): Promise<string | null | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', id)
      .executeTakeFirst()
    return row?.password_hash
  }

  async setPasswordHash(id: UserId, hash: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('users')
      .set({ password_hash: hash, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async remove(id: UserId): Promise<boolean> {
    this.#scenes?.changed()
    const result = await this.#db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  // Photo bytes are read only here: the other queries select PUBLIC_COLUMNS, never `photo`.
  async photo(id: UserId): Promise<UserPhoto | null | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .select(['photo', 'photo_type'])
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    if (!row.photo || !row.photo_type) return null
    return { bytes: new Uint8Array(row.photo), contentType: row.photo_type as PhotoType }
  }

  async setPhoto(id: UserId, photo: UserPhoto | null, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('users')
      .set({ photo: photo?.bytes ?? null, photo_type: photo?.contentType ?? null, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }
}

function toUser(row: UserRow): User {
  return {
    id: asUserId(row.id),
    sipUri: row.sip_uri as SipUri,
    displayName: row.display_name,
    email: row.email,
    title: row.title,
    department: row.department,
    phones: JSON.parse(row.phones) as PhoneNumbers,
    homePool: row.home_pool,
    enterpriseVoice: Number(row.enterprise_voice) === 1,
    lineUri: row.line_uri,
    enabled: Number(row.enabled) === 1,
    outOfOfficeNote: row.out_of_office_note,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}
