// A conversation's scene — its members, its endpoints' views, its participants' logs — kept in
// memory between transactions. Every message reads all three and they change only when someone
// joins, leaves or reads, so on the single-connection store (SQLite) the message path reads the
// conversation row alone (docs/store.md, "Scene cache").
//
// Trust comes from the row: triggers (migration 0011) bump `conversations.version` whenever a
// member, view or log of the conversation changes — through any repository, a cascade (an
// application or user deleted) or another process (the CLI). A transaction that reads the row
// *validates* the cached entry against its version, and may then use the entry until it writes
// to one of those tables itself (`changed`). A rolled-back transaction may have cached what never
// committed under a version that will be reused, so a rollback empties the cache (`clear`).
import type { Member, View } from '../../domain/conversations/conversation-types.ts'
import type { ConversationLog } from '../../domain/history/history-types.ts'

interface Scene {
  members?: readonly Member[]
  views?: readonly View[]
  logs?: readonly ConversationLog[]
}
type Kind = keyof Scene

interface Entry extends Scene {
  readonly version: number
}

/** Conversations kept at most; past it, the oldest entry goes. */
const CAPACITY = 10_000

export class SceneCache {
  readonly #entries = new Map<string, Entry>()

  /** A transaction's window on the cache (see SceneScope). */
  open(): SceneScope {
    return new SceneScope(this)
  }

  /** After a rollback: nothing cached can be trusted to have committed. */
  clear(): void {
    this.#entries.clear()
  }

  entry(conversationId: string, version: number): Entry {
    const found = this.#entries.get(conversationId)
    if (found?.version === version) return found
    const fresh: Entry = { version }
    this.#entries.delete(conversationId)
    this.#entries.set(conversationId, fresh)
    if (this.#entries.size > CAPACITY) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    return fresh
  }
}

/**
 * What one transaction may take from the cache: the scenes of conversations whose row it read
 * (`validate`) since its last write to members, views or logs (`changed`).
 */
export class SceneScope {
  readonly #cache: SceneCache
  readonly #validated = new Map<string, Entry>()

  constructor(cache: SceneCache) {
    this.#cache = cache
  }

  /** The transaction read the conversation's row, at `version`. */
  validate(conversationId: string, version: number): void {
    this.#validated.set(conversationId, this.#cache.entry(conversationId, version))
  }

  get<K extends Kind>(conversationId: string, kind: K): Scene[K] | undefined {
    return this.#validated.get(conversationId)?.[kind]
  }

  /** Keeps what the transaction just read, when its conversation is validated. Frozen: shared. */
  keep<K extends Kind>(conversationId: string, kind: K, value: NonNullable<Scene[K]>): void {
    const entry: Scene | undefined = this.#validated.get(conversationId)
    if (!entry) return
    for (const item of value) Object.freeze(item)
    entry[kind] = Object.freeze(value) as Scene[K]
  }

  /** The transaction wrote to members, views or logs: it reads them from the store again. */
  changed(): void {
    this.#validated.clear()
  }
}

/**
 * A part of a conversation's scene: from the transaction's window on the cache when it has it,
 * else `load`ed (and kept there, when the conversation is validated).
 */
export async function sceneRead<K extends Kind>(
  scenes: SceneScope | undefined,
  conversationId: string,
  kind: K,
  load: () => Promise<NonNullable<Scene[K]>>,
): Promise<NonNullable<Scene[K]>> {
  const cached = scenes?.get(conversationId, kind)
  if (cached) return cached
  const loaded = await load()
  scenes?.keep(conversationId, kind, loaded)
  return loaded
}
