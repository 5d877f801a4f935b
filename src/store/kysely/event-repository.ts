import { type Kysely, sql } from 'kysely'
import type { ChannelEvent, QueuedEvent } from '../../domain/events/channel-event.ts'
import type { ApplicationId } from '../../domain/ids.ts'
import { type EventStore, StoreUnavailableError } from '../../domain/ports.ts'
import type { Database } from './database.ts'
import { type EntityLock, NO_LOCK } from './locks.ts'
import { prepare, rowidIsSeq } from './prepared.ts'

// SQLite allows 32,766 bound parameters per statement; 5 per row leaves room to spare.
const INSERT_CHUNK_ROWS = 1_000

type Row = { seq: number; payload: string }

const batchEvents = prepare<[string, number], Row>((db, app, batch) =>
  db
    .selectFrom('events')
    .select(['seq', 'payload'])
    .where('app_id', '=', app)
    .where('batch', '=', batch)
    .orderBy('seq'),
)
// The last batch formed is the highest batch its events carry, or, after an empty batch (which
// tags nothing), the one recorded on the application: so a batch with events costs no write to
// the applications table (formBatch).
type BatchNumbers = { recorded: number; tagged: number | null }
const currentOf = (row: BatchNumbers) => Math.max(Number(row.recorded), Number(row.tagged ?? 0))
// The highest batch of application `a`'s events: one step to the end of its index range.
const TAGGED = sql<number | null>`(select max(t.batch) from events t where t.app_id = a.id)`.as('tagged')

// The last batch formed and the queued events, in one read (a left join keeps the application
// row when nothing is queued).
const queueState = prepare<[string, number], BatchNumbers & { seq: number | null; payload: string | null }>(
  (db, app, limit) =>
    db
      .selectFrom('applications as a')
      .leftJoin('events as e', (join) => join.onRef('e.app_id', '=', 'a.id').on('e.batch', 'is', null))
      .select(['a.event_batch as recorded', TAGGED, 'e.seq as seq', 'e.payload as payload'])
      .where('a.id', '=', app)
      .orderBy('e.seq')
      .limit(limit),
)
// The usual batch: one event.
const batchOne = prepare<[number, string, number], never>((db, batch, app, seq) =>
  db.updateTable('events').set({ batch }).where('app_id', '=', app).where('seq', '=', seq),
)
const recordBatch = prepare<[number, string], never>((db, batch, app) =>
  db.updateTable('applications').set({ event_batch: batch }).where('id', '=', app),
)
// Asking for a batch acknowledges every one before it: a range of the (app_id, batch, seq) index,
// usually one or two rows. (Queued events have no batch: NULL is never < anything.)
const deleteAcknowledgedOf = prepare<[string, number], never>((db, app, batch) =>
  db.deleteFrom('events').where('app_id', '=', app).where('batch', '<', batch),
)

// Most actions queue an event for one or two applications: such rows go in one by one through a
// precompiled INSERT, their seqs read as rowidIsSeq (prepared.ts) says.
const SMALL_APPEND_ROWS = 4
type NewRow = { app_id: string; batch: number | null; priority: string; payload: string; created_at: number }
const insertOne = prepare<[string, number | null, string, string, number], never>(
  (db, app, batch, priority, payload, at) =>
    db.insertInto('events').values({ app_id: app, batch, priority, payload, created_at: at }),
)
const insertOneReturning = prepare<[string, number | null, string, string, number], { seq: number }>(
  (db, app, batch, priority, payload, at) =>
    db
      .insertInto('events')
      .values({ app_id: app, batch, priority, payload, created_at: at })
      .returning('seq'),
)

const newRow = (app: ApplicationId, batch: number | null, event: ChannelEvent, now: number): NewRow => ({
  app_id: app,
  batch,
  priority: event.priority,
  payload: JSON.stringify(event),
  created_at: now,
})

export class KyselyEventStore implements EventStore {
  readonly #db: Kysely<Database>
  readonly #lock: EntityLock
  readonly #rowidSeqs: boolean

  constructor(db: Kysely<Database>, lock: EntityLock = NO_LOCK) {
    this.#db = db
    this.#lock = lock
    this.#rowidSeqs = rowidIsSeq(db)
  }

  async append(
    entries: readonly (readonly [ApplicationId, readonly ChannelEvent[]])[],
    now: number,
  ): Promise<number[]> {
    return this.#insert(
      entries.flatMap(([app, events]) => events.map((event) => newRow(app, null, event, now))),
    )
  }

  async appendBatch(
    app: ApplicationId,
    batch: number,
    events: readonly ChannelEvent[],
    now: number,
  ): Promise<number[] | undefined> {
    if (this.#lock !== NO_LOCK && !(await this.#isNext(app, batch))) return undefined
    await deleteAcknowledgedOf.run(this.#db, app, batch)
    return this.#insert(events.map((event) => newRow(app, batch, event, now)))
  }

  async #insert(rows: readonly NewRow[]): Promise<number[]> {
    if (rows.length <= SMALL_APPEND_ROWS) return this.#insertEach(rows)
    const seqs: number[] = []
    for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) {
      const inserted = await this.#db
        .insertInto('events')
        .values(rows.slice(i, i + INSERT_CHUNK_ROWS))
        .returning('seq')
        .execute()
      // Rows of one INSERT take increasing seqs in the order given; RETURNING's order is not
      // promised, so sort.
      seqs.push(...inserted.map((r) => Number(r.seq)).sort((a, b) => a - b))
    }
    return seqs
  }

  async #insertEach(rows: readonly NewRow[]): Promise<number[]> {
    const seqs: number[] = []
    for (const r of rows) {
      const values = [r.app_id, r.batch, r.priority, r.payload, r.created_at] as const
      // SQLite's seq is the rowid of the insert; PostgreSQL returns it.
      const seq = this.#rowidSeqs
        ? (await insertOne.run(this.#db, ...values)).insertId
        : (await insertOneReturning.run(this.#db, ...values)).rows[0]?.seq
      seqs.push(Number(seq))
    }
    return seqs
  }

  async batch(app: ApplicationId, batch: number): Promise<QueuedEvent[]> {
    return (await batchEvents.run(this.#db, app, batch)).rows.map(toQueued)
  }

  async queue(
    app: ApplicationId,
    limit: number,
  ): Promise<{ current: number; pending: QueuedEvent[] } | undefined> {
    const { rows } = await queueState.run(this.#db, app, limit)
    const first = rows[0]
    if (first === undefined) return undefined
    const pending: QueuedEvent[] = []
    for (const row of rows) {
      if (row.seq !== null && row.payload !== null)
        pending.push(toQueued({ seq: row.seq, payload: row.payload }))
    }
    return { current: currentOf(first), pending }
  }

  async formBatch(
    app: ApplicationId,
    batch: number,
    seqs: readonly number[],
    dropped: readonly number[],
  ): Promise<void> {
    if (this.#lock !== NO_LOCK) await this.#ensureNext(app, batch)
    await deleteAcknowledgedOf.run(this.#db, app, batch)
    if (dropped.length > 0) {
      await this.#db.deleteFrom('events').where('app_id', '=', app).where('seq', 'in', dropped).execute()
    }
    let tagged = 0
    if (seqs.length === 1) {
      tagged = Number((await batchOne.run(this.#db, batch, app, seqs[0] as number)).numAffectedRows ?? 0)
    } else if (seqs.length > 1) {
      const result = await this.#db
        .updateTable('events')
        .set({ batch })
        .where('app_id', '=', app)
        .where('seq', 'in', seqs)
        .executeTakeFirst()
      tagged = Number(result.numUpdatedRows)
    }
    // Events carrying the batch number say it was formed; an empty batch must say so itself.
    if (tagged === 0) await recordBatch.run(this.#db, batch, app)
  }

  // Two P-GETs of one application parked on two nodes may both try to form the same batch; the
  // second must not re-tag events the first already answered with. It fails as "retry": the
  // client asks again and gets the formed batch as a repeat.
  async #ensureNext(app: ApplicationId, batch: number): Promise<void> {
    if (!(await this.#isNext(app, batch))) {
      throw new StoreUnavailableError(`event batch ${batch} was formed concurrently; retry`)
    }
  }

  // Whether `batch` follows the last batch formed (or the application is gone: nothing to
  // conflict with), under the application's event lock, held to the end of the transaction.
  async #isNext(app: ApplicationId, batch: number): Promise<boolean> {
    await this.#lock(`events:${app}`)
    const row = await this.#db
      .selectFrom('applications as a')
      .select(['a.event_batch as recorded', TAGGED])
      .where('a.id', '=', app)
      .executeTakeFirst()
    return row === undefined || currentOf(row) === batch - 1
  }
}

function toQueued(row: Row): QueuedEvent {
  return { seq: Number(row.seq), event: JSON.parse(row.payload) as ChannelEvent }
}
