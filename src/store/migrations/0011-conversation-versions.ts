// A conversation's version, bumped whenever one of its members, views or logs changes (inserted,
// updated, deleted — cascades included, whoever writes): the scene cache
// (src/store/kysely/scene-cache.ts) trusts what it holds only at the version it read it.
import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'
import { isPostgres } from './dialect.ts'

const SCENE_TABLES = ['conversation_members', 'conversation_views', 'conversation_logs'] as const
export const conversationVersions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('conversations')
      .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute()
    if (isPostgres(db)) {
      await sql`create function bump_conversation_version() returns trigger language plpgsql as $$
        begin
          if tg_op <> 'INSERT' then
            update conversations set version = version + 1 where id = old.conversation_id;
          end if;
          if tg_op <> 'DELETE' then
            update conversations set version = version + 1 where id = new.conversation_id;
          end if;
          return null;
        end $$`.execute(db)
      for (const table of SCENE_TABLES) {
        await sql`create trigger ${sql.raw(`${table}_version`)} after insert or update or delete
          on ${sql.table(table)} for each row execute function bump_conversation_version()`.execute(db)
      }
      return
    }
    for (const table of SCENE_TABLES) {
      const bump = (row: 'new' | 'old') =>
        sql.raw(`update conversations set version = version + 1 where id = ${row}.conversation_id;`)
      await sql`create trigger ${sql.raw(`${table}_inserted`)} after insert on ${sql.table(table)}
        begin ${bump('new')} end`.execute(db)
      await sql`create trigger ${sql.raw(`${table}_updated`)} after update on ${sql.table(table)}
        begin ${bump('old')} ${bump('new')} end`.execute(db)
      await sql`create trigger ${sql.raw(`${table}_deleted`)} after delete on ${sql.table(table)}
        begin ${bump('old')} end`.execute(db)
    }
  },
}
