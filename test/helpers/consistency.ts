// The event-consistency check (style rule 36): for every action, what a client knew before plus
// the events the action emitted must equal what a fresh GET shows. A resource whose GET changed
// without an event naming it is a missed event; an embedded copy that differs from the fresh
// GET is a wrong event; the same event twice in one batch is a duplicate.
import assert from 'node:assert/strict'
import type { HttpResponse } from './server.ts'

export interface Client {
  readonly name: string
  get(path: string): Promise<HttpResponse>
  /** The next events href (`…/events?ack=N`), advanced by `drain`. */
  next: string
  /** Set by assertConsistent once the queue is known empty; cleared by the next action. */
  drained?: boolean
}

type Snapshot = Map<string, string>

/** GETs every href and keeps a canonical text of each answer (status + body). */
export async function snapshot(client: Client, hrefs: readonly string[]): Promise<Snapshot> {
  const out: Snapshot = new Map()
  for (const href of hrefs) {
    const res = await client.get(href)
    out.set(href, `${res.status} ${res.text}`)
  }
  return out
}

export interface ObservedEvent {
  readonly sender: string
  readonly rel: string
  readonly href: string
  readonly type: string
  readonly in?: string
  readonly embedded?: unknown
}

/** Collects every event queued for the client (P-GETs with a 1 s timeout until one comes back empty). */
export async function drain(client: Client): Promise<ObservedEvent[]> {
  const events: ObservedEvent[] = []
  for (;;) {
    const res = await client.get(`${client.next}&timeout=1`)
    assert.equal(res.status, 200, `${client.name}: P-GET answered ${res.status} ${res.text}`)
    client.next = res.json._links.next.href
    const batch: ObservedEvent[] = []
    for (const sender of res.json.sender) {
      for (const e of sender.events) {
        batch.push({
          sender: sender.rel,
          rel: e.link.rel,
          href: e.link.href,
          type: e.type,
          ...(e.in ? { in: e.in.href } : {}),
          ...(e._embedded ? { embedded: e._embedded[e.link.rel] } : {}),
        })
      }
    }
    const keys = batch.map((e) => `${e.type} ${e.href} ${e.in ?? ''}`)
    assert.equal(
      new Set(keys).size,
      keys.length,
      `${client.name}: duplicate events in one batch: ${keys.join(', ')}`,
    )
    if (batch.length === 0) return events
    events.push(...batch)
  }
}

export interface Observer {
  readonly client: Client
  /** The resources this observer's client keeps in sync. */
  readonly hrefs: readonly string[]
}

/**
 * Runs `action` once and checks, for every observer, that each resource whose GET changed was
 * named by an event (its own href, or the collection it was added to or removed from), and that
 * embedded copies match what a GET returns now. Returns each observer's events.
 */
export async function assertConsistent(
  observers: readonly Observer[],
  action: () => Promise<unknown>,
  label: string,
): Promise<ObservedEvent[][]> {
  await Promise.all(observers.filter((o) => !o.client.drained).map((o) => drain(o.client)))
  const before = await Promise.all(observers.map((o) => snapshot(o.client, o.hrefs)))
  await action()
  // Events are committed before the action's response, so one drain per client sees them all.
  const seen = await Promise.all(observers.map((o) => drain(o.client)))
  for (const [i, o] of observers.entries()) {
    o.client.drained = true
    const events = seen[i] ?? []
    const after = await snapshot(o.client, o.hrefs)
    const named = new Set(events.flatMap((e) => [e.href, ...(e.in ? [e.in] : [])]))
    for (const href of o.hrefs) {
      if (before[i]?.get(href) !== after.get(href)) {
        assert.ok(named.has(href), `${label}: ${o.client.name} saw ${href} change without an event naming it`)
      }
    }
    for (const e of events) {
      if (e.embedded === undefined || !o.hrefs.includes(e.href)) continue
      const fresh = after.get(e.href) ?? ''
      const body = JSON.parse(fresh.slice(fresh.indexOf(' ') + 1))
      assert.deepEqual(e.embedded, body, `${label}: embedded ${e.rel} differs from a fresh GET`)
    }
  }
  return seen
}

/** Marks clients whose queues an action outside assertConsistent may have filled. */
export function dirty(...clients: Client[]): void {
  for (const c of clients) c.drained = false
}
