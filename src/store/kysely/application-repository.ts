import type { Kysely, Selectable, Updateable } from 'kysely'
import type {
  Application,
  ApplicationUpdate,
  CommunicationSettings,
  EndpointKind,
  NewApplication,
} from '../../domain/applications/application-types.ts'
import { type ApplicationId, asApplicationId, asUserId, type UserId } from '../../domain/ids.ts'
import type { ApplicationStore } from '../../domain/ports.ts'
import type { ApplicationsTable, Database } from './database.ts'
import { type EntityLock, NO_LOCK } from './locks.ts'
import { prepare } from './prepared.ts'
import type { SceneScope } from './scene-cache.ts'

const findOne = prepare<[string], Selectable<ApplicationsTable>>((db, id) =>
  db.selectFrom('applications').selectAll().where('id', '=', id),
)
const available = prepare<[string], Selectable<ApplicationsTable>>((db, userId) =>
  db.selectFrom('applications').selectAll().where('user_id', '=', userId).where('available', '=', 1),
)

export class KyselyApplicationStore implements ApplicationStore {
  readonly #db: Kysely<Database>
  readonly #lock: EntityLock
  readonly #scenes: SceneScope | undefined

  /** `scenes`: removing an application removes its conversation views (scene-cache.ts). */
  constructor(db: Kysely<Database>, lock: EntityLock = NO_LOCK, scenes?: SceneScope) {
    this.#db = db
    this.#lock = lock
    this.#scenes = scenes
  }

  async insert(app: NewApplication): Promise<Application> {
    await this.#db
      .insertInto('applications')
      .values({
        id: app.id,
        user_id: app.userId,
        pool: app.pool,
        endpoint_id: app.endpointId,
        user_agent: app.userAgent,
        culture: app.culture,
        type: app.type,
        instance_id: app.instanceId,
        kind: app.kind,
        created_at: app.createdAt,
        last_activity_at: app.lastActivityAt,
        expires_at: app.expiresAt,
        communication: JSON.stringify(app.communication),
      })
      .execute()
    return { ...app, available: false, userActiveAt: 0 }
  }

  async find(id: ApplicationId): Promise<Application | undefined> {
    const row = (await findOne.run(this.#db, id)).rows[0]
    return row && toApplication(row)
  }

  async findByEndpoint(userId: UserId, endpointId: string): Promise<Application | undefined> {
    // Creating an application reads this first: two POSTs of one user wait for each other.
    await this.#lock(`applications:${userId}`)
    const row = await this.#db
      .selectFrom('applications')
      .selectAll()
      .where('user_id', '=', userId)
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirst()
    return row && toApplication(row)
  }

  async listByUser(userId: UserId): Promise<Application[]> {
    const rows = await this.#db
      .selectFrom('applications')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute()
    return rows.map(toApplication)
  }

  async update(id: ApplicationId, update: ApplicationUpdate): Promise<Application | undefined> {
    const values: Updateable<ApplicationsTable> = {}
    if (update.userAgent !== undefined) values.user_agent = update.userAgent
    if (update.culture !== undefined) values.culture = update.culture
    if (update.instanceId !== undefined) values.instance_id = update.instanceId
    if (update.lastActivityAt !== undefined) values.last_activity_at = update.lastActivityAt
    if (update.expiresAt !== undefined) values.expires_at = update.expiresAt
    if (update.communication !== undefined) values.communication = JSON.stringify(update.communication)
    if (update.available !== undefined) values.available = update.available ? 1 : 0
    if (update.userActiveAt !== undefined) values.user_active_at = update.userActiveAt
    if (Object.keys(values).length > 0) {
      await this.#db.updateTable('applications').set(values).where('id', '=', id).execute()
    }
    return this.find(id)
  }

  async listAvailable(userId: UserId): Promise<Application[]> {
    return (await available.run(this.#db, userId)).rows.map(toApplication)
  }

  async remove(id: ApplicationId): Promise<boolean> {
    this.#scenes?.changed()
    const result = await this.#db.deleteFrom('applications').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async removeByUser(userId: UserId): Promise<number> {
    this.#scenes?.changed()
    const result = await this.#db.deleteFrom('applications').where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async removeExpired(before: number): Promise<number> {
    this.#scenes?.changed()
    const result = await this.#db
      .deleteFrom('applications')
      .where('expires_at', '<', before)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

function toApplication(row: Selectable<ApplicationsTable>): Application {
  return {
    id: asApplicationId(row.id),
    userId: asUserId(row.user_id),
    pool: row.pool,
    endpointId: row.endpoint_id,
    userAgent: row.user_agent,
    culture: row.culture,
    type: row.type,
    instanceId: row.instance_id,
    kind: row.kind as EndpointKind,
    createdAt: Number(row.created_at),
    lastActivityAt: Number(row.last_activity_at),
    expiresAt: Number(row.expires_at),
    communication: JSON.parse(row.communication) as CommunicationSettings,
    available: Number(row.available) === 1,
    userActiveAt: Number(row.user_active_at),
  }
}
