// Who is typing where: an indication lasts a few seconds unless renewed. Kept in memory only —
// typing does not survive a restart, and each node knows the indications set through it.
import type { UserId } from '../ids.ts'

const keyOf = (conversationId: string, userId: string): string => `${conversationId}\n${userId}`

export class TypingIndicators {
  /** `${conversation}\n${user}` → typing until (ms). */
  readonly #until = new Map<string, number>()

  /** Shows `userId` typing until `until`; true when it already showed at `now` (a renewal). */
  mark(conversationId: string, userId: UserId, until: number, now: number): boolean {
    const key = keyOf(conversationId, userId)
    const already = (this.#until.get(key) ?? 0) > now
    this.#until.set(key, until)
    return already
  }

  isTyping(conversationId: string, userId: string, now: number): boolean {
    return (this.#until.get(keyOf(conversationId, userId)) ?? 0) > now
  }

  /** Whether an indication was announced for the user (even if it lapsed since): the others need its end. */
  announced(conversationId: string, userId: string): boolean {
    return this.#until.has(keyOf(conversationId, userId))
  }

  /** Forgets the user's indication; true when there was one. */
  stop(conversationId: string, userId: string): boolean {
    return this.#until.delete(keyOf(conversationId, userId))
  }

  /** Forgets every indication in the conversation (it ended). */
  clear(conversationId: string): void {
    for (const key of this.#until.keys()) if (key.startsWith(`${conversationId}\n`)) this.#until.delete(key)
  }

  /** The indications that lapsed by `now`, each forgotten as it is taken. */
  *lapsed(now: number): Generator<readonly [conversationId: string, userId: string]> {
    for (const [key, until] of this.#until) {
      if (until > now) continue
      this.#until.delete(key)
      const [conversationId = '', userId = ''] = key.split('\n')
      yield [conversationId, userId]
    }
  }
}
