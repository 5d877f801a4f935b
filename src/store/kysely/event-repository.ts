import type { Kysely } from 'kysely'
import type { ChannelEvent, QueuedEvent } from '../../domain/events/channel-event.ts'
import type { ApplicationId } from '../../domain/ids.ts'
import type { EventStore } from '../../domain/ports.ts'
import type { Database } from './database.ts'

export class KyselyEventStore implements EventStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async append(app: ApplicationId, events: readonly ChannelEvent[], now: number): Promise<void> {
    if (events.length === 0) return
    await this.#db
      .insertInto('events')
      .values(
        events.map((event) => ({
          app_id: app,
          batch: null,
          priority: event.priority,
          payload: JSON.stringify(event),
          created_at: now,
        })),
      )
      .execute()
  }

  async currentBatch(app: ApplicationId): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('applications')
      .select('event_batch')
      .where('id', '=', app)
      .executeTakeFirst()
    return row === undefined ? undefined : Number(row.event_batch)
  }

  async batch(app: ApplicationId, batch: number): Promise<QueuedEvent[]> {
    const rows = await this.#db
      .selectFrom('events')
      .select(['seq', 'payload'])
      .where('app_id', '=', app)
      .where('batch', '=', batch)
      .orderBy('seq')
      .execute()
    return rows.map(toQueued)
  }

  async pending(app: ApplicationId, limit: number): Promise<QueuedEvent[]> {
    const rows = await this.#db
      .selectFrom('events')
      .select(['seq', 'payload'])
      .where('app_id', '=', app)
      .where('batch', 'is', null)
      .orderBy('seq')
      .limit(limit)
      .execute()
    return rows.map(toQueued)
  }

  async formBatch(
    app: ApplicationId,
    batch: number,
    seqs: readonly number[],
    dropped: readonly number[],
  ): Promise<void> {
    if (dropped.length > 0) {
      await this.#db.deleteFrom('events').where('app_id', '=', app).where('seq', 'in', dropped).execute()
    }
    if (seqs.length > 0) {
      await this.#db
        .updateTable('events')
        .set({ batch })
        .where('app_id', '=', app)
        .where('seq', 'in', seqs)
        .execute()
    }
    await this.#db.updateTable('applications').set({ event_batch: batch }).where('id', '=', app).execute()
  }

  async acknowledge(app: ApplicationId, batch: number): Promise<void> {
    await this.#db.deleteFrom('events').where('app_id', '=', app).where('batch', '<=', batch).execute()
  }
}

function toQueued(row: { seq: number; payload: string }): QueuedEvent {
  return { seq: Number(row.seq), event: JSON.parse(row.payload) as ChannelEvent }
}
