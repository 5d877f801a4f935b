import type { Kysely } from 'kysely'
import { asUserId, type UserId } from '../../domain/ids.ts'
import type { StoredToken, TokenStore } from '../../domain/ports.ts'
import type { Database } from './database.ts'

export class KyselyTokenStore implements TokenStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async insert(token: StoredToken): Promise<void> {
    await this.#db
      .insertInto('tokens')
      .values({
        digest: token.digest,
        user_id: token.userId,
        pool: token.pool,
        issued_at: token.issuedAt,
        expires_at: token.expiresAt,
      })
      .execute()
  }

  async find(digest: string): Promise<StoredToken | undefined> {
    const row = await this.#db
      .selectFrom('tokens')
      .selectAll()
      .where('digest', '=', digest)
      .executeTakeFirst()
    return (
      row && {
        digest: row.digest,
        userId: asUserId(row.user_id),
        pool: row.pool,
        issuedAt: Number(row.issued_at),
        expiresAt: Number(row.expires_at),
      }
    )
  }

  async revokeUser(userId: UserId): Promise<number> {
    const result = await this.#db.deleteFrom('tokens').where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('tokens').where('expires_at', '<=', now).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
