// The event channel over real HTTP: holds, batches, repeats, resyncs, replacement, restarts.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { ChannelEvent } from '../../src/domain/events/channel-event.ts'
import { commitWithEvents, nothingWritten } from '../../src/domain/events/event-channel.ts'
import { Outbox } from '../../src/domain/events/outbox.ts'
import type { ApplicationId } from '../../src/domain/ids.ts'
import { waitFor } from '../helpers/nodes.ts'
import { appIdOf, LONG_HOLD, parked as waiting } from '../helpers/pget.ts'
import { type HttpResponse, request, startTestServer, type TestServer } from '../helpers/server.ts'
import { CLUSTER } from '../helpers/services.ts'
import { type Client, eventsOf, HOME, signedInApp } from '../helpers/ucwa-client.ts'

const HOST = HOME.alice

// The tests P-GET by hand and never call events(), so a client's `next` stays the application's
// first events href (`…/events?ack=1`).

describe('event channel', () => {
  let t: TestServer
  before(async () => {
    t = await startTestServer()
  })
  after(() => t.stop())

  it('answers an empty batch after the timeout with self, next and "sender": []', async () => {
    const a = await signedInApp(t, 'alice', 'empty')
    const res = await a.get(`${a.next}&timeout=1`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.json.sender, [])
    assert.equal(res.json._links.self.href, a.next)
    assert.match(res.json._links.next.href, /\?ack=2$/)
  })

  it('delivers makeMeAvailable events at once, repeats a lost batch and acknowledges on the next ack', async () => {
    const a = await signedInApp(t, 'alice', 'mma')
    // Held longer than the test may run: only the change can release it.
    const parked = a.get(`${a.next}&timeout=${LONG_HOLD}`)
    await waiting(t, a.self)
    assert.equal(
      (await a.post(`${a.self}/me/makeMeAvailable`, { SupportedModalities: ['Messaging'] })).status,
      204,
    )
    const first = await parked
    assert.deepEqual(eventsOf(first.json), [
      'me:me:updated',
      'me:presence:added',
      'me:note:added',
      'me:location:added',
      'communication:communication:updated',
    ])
    const comm = first.json.sender[1].events[0]._embedded.communication
    assert.deepEqual(comm.supportedModalities, ['Messaging'])
    // The response was lost: asking again with the same ack gives the same batch.
    const again = await a.get(a.next)
    assert.deepEqual(again.json, first.json)
    // The next ack acknowledges it; a stale ack then asks for a resync.
    const next = await a.get(`${first.json._links.next.href}&timeout=1`)
    assert.deepEqual(next.json.sender, [])
    const stale = await a.get(a.next)
    assert.ok(stale.json._links.resync, 'an acknowledged batch cannot be fetched again')
    assert.equal(stale.json._links.resync.href, next.json._links.self.href)
    const future = await a.get(a.next.replace('ack=1', 'ack=99'))
    assert.equal(future.json._links.resync.href, next.json._links.self.href)
  })

  it('deletes a batch once the next is asked for, never the current one', async () => {
    const a = await signedInApp(t, 'alice', 'sweep')
    const id = a.self.split('/').pop() as never
    await a.post(`${a.self}/me/makeMeAvailable`, {})
    const first = await a.get(`${a.next}&timeout=1`)
    assert.ok(first.json.sender.length > 0)
    await a.post(`${a.self}/me/note`, { message: 'in batch 2' })
    const second = await a.get(`${first.json._links.next.href}&timeout=1`)
    assert.deepEqual(eventsOf(second.json), ['me:note:updated'])
    // Asking for batch 2 acknowledged batch 1: it is gone from the store, and only it.
    assert.deepEqual(await t.server.store.events.batch(id, 1), [])
    assert.deepEqual(
      (await t.server.store.events.batch(id, 2)).map((q) => q.event.type),
      ['updated'],
      'the current batch is kept',
    )
    const repeat = await a.get(first.json._links.next.href)
    assert.deepEqual(repeat.json, second.json, 'the current batch still repeats')
  })

  it('lets go of a parked P-GET whose client went away, and delivers to the next one', async () => {
    const a = await signedInApp(t, 'alice', 'gone')
    const parked = () => t.server.channel.parkedCount
    const before = parked()
    // Held longer than the test may run: only the client leaving can end it.
    const pget = httpRequest(new URL(`${a.next}&timeout=${LONG_HOLD}`, t.internal), {
      headers: { host: HOST, authorization: `Bearer ${a.token}` },
    })
    pget.on('error', () => undefined)
    pget.end()
    await waitFor(async () => parked() === before + 1, undefined, 10)
    pget.destroy()
    await waitFor(async () => parked() === before, undefined, 10)
    // Nothing was formed for the client that left: the next P-GET gets the change.
    assert.equal((await a.post(`${a.self}/me/makeMeAvailable`, {})).status, 204)
    const next = await a.get(`${a.next}&timeout=1`)
    assert.ok(eventsOf(next.json).includes('me:me:updated'), JSON.stringify(eventsOf(next.json)))
  })

  it('reads the store when a hold ends: an event written without a wake-up still arrives', async () => {
    const a = await signedInApp(t, 'alice', 'unannounced')
    const id = a.self.split('/').pop() as never
    const first = await a.get(`${a.next}&timeout=1`)
    assert.deepEqual(first.json.sender, [])
    // As another process (the CLI) would: into the store, with no publish on this node's bus.
    const event = { sender: { rel: 'me' }, link: { rel: 'me' }, type: 'updated', priority: 'medium' } as const
    await t.server.store.transaction((tx) => tx.events.append([[id, [event]]], Date.now()))
    const second = await a.get(`${first.json._links.next.href}&timeout=1`)
    assert.deepEqual(eventsOf(second.json), ['me:me:updated'])
  })

  it('refuses a P-GET without a valid ack, timeout or priority with 400, forming nothing', async () => {
    const a = await signedInApp(t, 'alice', 'bad-query')
    const events = a.next.slice(0, a.next.indexOf('?'))
    for (const query of [
      '',
      '?timeout=1',
      '?ack=abc',
      '?ack=-1',
      '?ack=1&timeout=soon',
      '?ack=1&priority=x',
      '?ack=1&low=1.5',
    ]) {
      const res = await a.get(`${events}${query}`)
      assert.equal(res.status, 400, query)
      assert.equal(res.json.subcode, 'ParameterValidationFailure', query)
    }
    // Parameter names are case-insensitive, as on Lync; batch 1 is still the next one.
    const first = await a.get(`${events}?ACK=1&Timeout=1`)
    assert.equal(first.status, 200)
    assert.match(first.json._links.next.href, /\?ack=2$/)
  })

  it('ends a parked P-GET with 409 PGetReplaced when a newer one arrives', async () => {
    const a = await signedInApp(t, 'alice', 'replace')
    // The first is parked before the second is sent (requests on two connections may be
    // handled in either order); held longer than the test may run, only the second can end it.
    const first = a.get(`${a.next}&timeout=${LONG_HOLD}`)
    await waiting(t, a.self)
    const second = a.get(`${a.next}&timeout=1`)
    const replaced = await first
    assert.equal(replaced.status, 409)
    assert.equal(replaced.json.subcode, 'PGetReplaced')
    assert.equal((await second).status, 200)
  })

  it('answers 410 InactiveApplicationExpired once a browser application was idle for 15 minutes', async () => {
    const a = await signedInApp(t, 'alice', 'idle')
    // P-GETs are activity: an application that keeps polling stays alive.
    for (let i = 0; i < 3; i++) {
      t.clock.advance(10 * 60_000)
      assert.equal((await a.get(`${a.next}&timeout=1`)).status, 200)
    }
    t.clock.advance(16 * 60_000)
    const res = await a.get(a.next)
    assert.equal(res.status, 410)
    assert.equal(res.json.subcode, 'InactiveApplicationExpired')
  })

  it('answers 404 ApplicationNotFound after the application is deleted', async () => {
    const a = await signedInApp(t, 'alice', 'deleted')
    assert.equal((await a.del(a.self)).status, 204)
    const res = await a.get(a.next)
    assert.equal(res.status, 404)
    assert.equal(res.json.subcode, 'ApplicationNotFound')
  })

  it('turns presence changes of one endpoint into events on the user’s other endpoints', async () => {
    const one = await signedInApp(t, 'bob', 'bob-one')
    const two = await signedInApp(t, 'bob', 'bob-two')
    await one.post(`${one.self}/me/makeMeAvailable`, {})
    await two.post(`${two.self}/me/makeMeAvailable`, {})
    let ack = (await two.get(`${two.next}&timeout=1`)).json._links.next.href
    assert.equal((await one.post(`${one.self}/me/presence`, { availability: 'Busy' })).status, 204)
    const batch = await two.get(`${ack}&timeout=5`)
    assert.deepEqual(eventsOf(batch.json), ['me:presence:updated'])
    ack = batch.json._links.next.href
    assert.equal((await two.get(`${two.self}/me/presence`)).json.availability, 'Busy')
  })
})

// An action whose events are all a parked P-GET waits for writes them as that P-GET's batch in
// its own transaction (docs/events.md, "Formed at once"). These drive the channel's write and
// publish directly, to hold a transaction open or roll it back at the moment that matters.
describe('event channel: batches formed in the action’s transaction', () => {
  let t: TestServer
  // Every held transaction's `open`: a test that fails while one is held must not leave the
  // store waiting for it when the server stops.
  const holds: (() => void)[] = []
  before(async () => {
    t = await startTestServer()
  })
  after(() => {
    for (const open of holds) open()
    return t.stop()
  })

  const meEvent = (rel: string): ChannelEvent => ({
    sender: { rel: 'me' },
    link: { rel },
    type: 'updated',
    priority: 'high',
  })
  const outboxOf = (app: ApplicationId, ...events: ChannelEvent[]) => {
    const outbox = new Outbox()
    outbox.add(app, ...events)
    return outbox
  }
  /**
   * Sends a P-GET held longer than the test may run (only an event can answer it) and returns
   * once it is parked and waiting (its first look done).
   */
  const parkedPoll = async (a: Client): Promise<{ response: Promise<HttpResponse> }> => {
    const response = a.get(`${a.next}&timeout=${LONG_HOLD}`)
    await waiting(t, a.self)
    return { response }
  }
  /**
   * A transaction that writes `event` for `app` through the channel and stays open until `open()`
   * is called; resolves `formed` once the write claimed the parked P-GET's batch.
   */
  const heldWrite = async (app: ApplicationId, event: ChannelEvent) => {
    const written = nothingWritten()
    const { promise: closed, resolve: open } = Promise.withResolvers<void>()
    holds.push(open)
    const committed = t.server.store.transaction(async (tx) => {
      await t.server.channel.write(tx, outboxOf(app, event), written)
      await closed
    })
    await waitFor(async () => written.formed.length === 1, undefined, 5)
    return { written, committed, open: () => open() }
  }

  it('keeps a batch formed for a P-GET whose client left before the commit: the repeat gets it', async () => {
    const a = await signedInApp(t, 'alice', 'left-mid-commit')
    const app = appIdOf(a.self)
    const before = t.server.channel.parkedCount
    const pget = httpRequest(new URL(`${a.next}&timeout=${LONG_HOLD}`, t.internal), {
      headers: { host: HOST, authorization: `Bearer ${a.token}` },
    })
    pget.on('error', () => undefined)
    pget.end()
    await waiting(t, a.self)

    const held = await heldWrite(app, meEvent('note'))
    pget.destroy()
    await waitFor(async () => t.server.channel.parkedCount === before, undefined, 10)
    held.open()
    await held.committed
    t.server.channel.publish(held.written)

    const repeat = await a.get(`${a.next}&timeout=1`)
    assert.deepEqual(eventsOf(repeat.json), ['me:note:updated'], 'the lost batch, from the store')
    assert.deepEqual((await a.get(a.next)).json, repeat.json, 'byte for byte on every repeat')
    const next = await a.get(`${repeat.json._links.next.href}&timeout=1`)
    assert.deepEqual(next.json.sender, [])
  })

  it('a transaction that rolls back after forming a batch leaves its P-GET waiting for the next event', async () => {
    const a = await signedInApp(t, 'alice', 'rolled-back')
    const app = appIdOf(a.self)
    const parked = await parkedPoll(a)

    const written = nothingWritten()
    await assert.rejects(
      t.server.store.transaction(async (tx) => {
        await t.server.channel.write(tx, outboxOf(app, meEvent('presence')), written)
        throw new Error('the action failed after writing its events')
      }),
      /action failed/,
    )
    assert.equal(written.formed.length, 1, 'the batch was being formed for the parked P-GET')
    t.server.channel.abandon(written)

    await commitWithEvents(
      t.server.store,
      t.server.channel,
      outboxOf(app, meEvent('note')),
      async () => undefined,
    )
    const res = await parked.response
    assert.deepEqual(eventsOf(res.json), ['me:note:updated'], 'only what committed')
    assert.deepEqual(
      (await t.server.store.events.batch(app, 1)).map((q) => q.event),
      [meEvent('note')],
    )
  })

  it('events written while a batch is being formed follow in the next batch, in order', async () => {
    const a = await signedInApp(t, 'alice', 'meanwhile')
    const app = appIdOf(a.self)
    const parked = await parkedPoll(a)

    const held = await heldWrite(app, meEvent('presence'))
    // Another action for the same application while the first is uncommitted.
    const { promise: working, resolve: work } = Promise.withResolvers<void>()
    const second = commitWithEvents(
      t.server.store,
      t.server.channel,
      outboxOf(app, meEvent('note'), meEvent('location')),
      async () => work(),
    )
    // On PostgreSQL its transaction runs beside the held one: wait until its work is done and its
    // write under way (the write follows the work within the same run of microtasks). SQLite runs
    // one transaction at a time, so there it waits behind the held one — for the channel the same
    // case (its events come after the batch being formed).
    if (CLUSTER) {
      await working
      await new Promise((resolve) => setImmediate(resolve))
    }
    held.open()
    await held.committed
    t.server.channel.publish(held.written)
    await second

    const one = await parked.response
    assert.deepEqual(eventsOf(one.json), ['me:presence:updated'])
    const two = await a.get(`${one.json._links.next.href}&timeout=5`)
    assert.deepEqual(eventsOf(two.json), ['me:note:updated', 'me:location:updated'], 'none lost, in order')
    const three = await a.get(`${two.json._links.next.href}&timeout=1`)
    assert.deepEqual(three.json.sender, [])
  })
})

describe('event channel across a restart', () => {
  it('loses no event: a client resumes with its last ack on the restarted server', async () => {
    const first = await startTestServer()
    const a = await signedInApp(first, 'alice', 'restart')
    await a.post(`${a.self}/me/makeMeAvailable`, {})
    const batch1 = await a.get(`${a.next}&timeout=1`)
    const next: string = batch1.json._links.next.href
    await a.post(`${a.self}/me/note`, { message: 'written before the restart' })
    await first.server.stop()

    const second = await startTestServer({ dir: first.dir })
    try {
      const res = await request(second.internal, `${next}&timeout=5`, { host: HOST, token: a.token })
      assert.equal(res.status, 200)
      assert.deepEqual(eventsOf(res.json), ['me:note:updated'])
      const note = await request(second.internal, `${a.self}/me/note`, { host: HOST, token: a.token })
      assert.equal(note.json.message, 'written before the restart')
    } finally {
      await second.stop()
      await first.stop()
    }
  })
})
