// What the event channel carries, in domain terms. Events name resources by reference (a rel and
// the ids that locate it), never by href: src/http/hal renders refs into the hrefs of the
// application and prefix that fetches them. See docs/events.md.

/** Resource events are added/updated/deleted; operation events started/updated/completed. */
export type EventType = 'added' | 'updated' | 'deleted' | 'started' | 'completed'

/** UCWA's delivery priorities: high releases a parked P-GET at once. */
export type EventPriority = 'high' | 'medium' | 'low'

/**
 * A resource reference: its rel and the ids that locate it, outermost first — e.g.
 * `{rel: 'contactPresence', ids: ['sip:bob@example.test']}`. src/http/hal/refs.ts maps each
 * rel to its href.
 */
export interface Ref {
  readonly rel: string
  readonly ids?: readonly string[]
  readonly title?: string
}

export interface ChannelEvent {
  readonly sender: Ref
  readonly link: Ref
  readonly type: EventType
  /** The collection or parent the target was added to / removed from. */
  readonly in?: Ref
  /** Properties of the target to embed, as its renderer in src/http/hal expects them. */
  readonly embedded?: Readonly<Record<string, unknown>>
  readonly status?: 'Success' | 'Failure'
  readonly reason?: { readonly code: string; readonly subcode?: string; readonly message?: string }
  readonly priority: EventPriority
}

/** An event as queued for one application: its position in that application's queue. */
export interface QueuedEvent {
  readonly seq: number
  readonly event: ChannelEvent
}

/**
 * Events that may be folded into a later one: repeated `updated` events of the same resource at
 * medium or low priority (presence, notes) — the client only needs the last. Undefined for events
 * that must all be delivered.
 */
export function coalescingKey(event: ChannelEvent): string | undefined {
  if (event.type !== 'updated' || event.priority === 'high' || event.embedded) return undefined
  return `${event.sender.rel}\n${event.link.rel}\n${(event.link.ids ?? []).join('\n')}`
}

/** Drops every coalescable event that a later one with the same key makes redundant. */
export function coalesce(events: readonly QueuedEvent[]): { keep: QueuedEvent[]; dropped: number[] } {
  const last = new Map<string, number>()
  for (const q of events) {
    const key = coalescingKey(q.event)
    if (key !== undefined) last.set(key, q.seq)
  }
  const keep: QueuedEvent[] = []
  const dropped: number[] = []
  for (const q of events) {
    const key = coalescingKey(q.event)
    if (key !== undefined && last.get(key) !== q.seq) dropped.push(q.seq)
    else keep.push(q)
  }
  return { keep, dropped }
}
