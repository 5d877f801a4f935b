// A cluster losing its services and getting them back, with private Redis and PostgreSQL
// instances (the shared ones are never stopped): a Redis restart delays events, loses none and
// heals by itself; a PostgreSQL restart makes requests fail fast with a UCWA 503 + Retry-After,
// then everything works again without restarting Parley. Runs in the PostgreSQL + Redis pass.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { connect, flat, say, texts } from '../helpers/messaging.ts'
import {
  busTap,
  busYaml,
  drainOn,
  type Node,
  privatePostgres,
  privateRedis,
  receive,
  roundRobin,
  startNode,
  tempDir,
  waitFor,
} from '../helpers/nodes.ts'
import { appIdOf, LONG_HOLD } from '../helpers/pget.ts'
import { request } from '../helpers/server.ts'
import { CLUSTER, createDatabase, databaseUrl, dropDatabase, REDIS_URL } from '../helpers/services.ts'
import { available, type Client, HOME, signedInApp } from '../helpers/ucwa-client.ts'

const skip = !CLUSTER && `runs in the PostgreSQL + Redis pass of npm test`
const as = (c: Client) => ({ host: HOME[c.user], token: c.token })
const TEXT = { 'content-type': 'text/plain' }

async function pair(nodes: Node[]): Promise<{ alice: Client; bob: Client }> {
  const lb = roundRobin(nodes)
  const alice = await signedInApp(lb, 'alice')
  const bob = await signedInApp(lb, 'bob')
  for (const c of [alice, bob]) {
    await available(c)
    await c.events()
  }
  return { alice, bob }
}

/** A node's readiness: its status and checks (the body also carries the version). */
const ready = async (node: Node) => {
  const { status, checks } = (await request(node.url, '/health/ready')).json
  return { status, checks }
}

describe('Redis restart', { skip }, () => {
  it('delays events (bounded by the sweep), loses none, and the bus heals by itself', async () => {
    const dir = tempDir('parley-redis-')
    const redis = await privateRedis()
    const database = await createDatabase()
    const nodes: Node[] = []
    try {
      const options = {
        dir: dir.path,
        postgresUrl: databaseUrl(database),
        // Each node sweeps its parked P-GETs' queues every 2 s: what finds events while Redis is down.
        extra: busYaml(redis.url, 'parley:wake', 2),
      }
      nodes.push(await startNode(options), await startNode(options))
      const [one, two] = nodes as [Node, Node]
      const { alice, bob } = await pair(nodes)
      const [a] = await connect(alice, bob)
      assert.deepEqual(await ready(one), { status: 'ok', checks: { store: true, bus: true } })
      const post = (on: Node, body: string) =>
        request(on.url, a.sendMessage, { ...as(alice), method: 'POST', headers: TEXT, body })

      await redis.stop()
      await waitFor(
        async () => (await ready(one)).status === 'degraded' && (await ready(two)).status === 'degraded',
      )
      assert.deepEqual(await ready(two), { status: 'degraded', checks: { store: true, bus: false } })
      // two knows bob's queue is empty and no hint crosses: only its sweep can find the message
      // posted on one. The hold (LONG_HOLD) outlasts the test: an answer within it is the sweep's.
      await drainOn(two, bob)
      const parked = request(two.url, `${bob.next}&timeout=${LONG_HOLD}`, as(bob))
      assert.equal((await post(one, 'while Redis is down')).status, 201)
      const res = await parked
      assert.deepEqual(texts(flat(res.json)), ['while Redis is down'])
      bob.next = res.json._links.next.href

      await redis.start()
      await waitFor(async () => (await ready(one)).status === 'ok' && (await ready(two)).status === 'ok')
      // The bus is back by itself: both nodes subscribed again (the tap is the third subscriber),
      // and a message posted on two reaches bob's P-GET on one with a hint over it.
      const tap = await busTap(redis.url, 'parley:wake')
      try {
        await waitFor(async () => (await tap.subscribers()) === 3)
        await drainOn(one, bob)
        const again = request(one.url, `${bob.next}&timeout=${LONG_HOLD}`, as(bob))
        assert.equal((await post(two, 'after Redis is back')).status, 201)
        const woken = await again
        assert.deepEqual(texts(flat(woken.json)), ['after Redis is back'])
        await waitFor(async () => tap.named(appIdOf(bob.self)))
      } finally {
        tap.stop()
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
      await redis.stop()
      await dropDatabase(database)
      dir.remove()
    }
  })
})

describe('PostgreSQL restart', { skip }, () => {
  it('answers 503 + Retry-After while it is down, then recovers without a Parley restart', async () => {
    const dir = tempDir('parley-pg-')
    const pg = await privatePostgres()
    const nodes: Node[] = []
    try {
      const options = {
        dir: dir.path,
        postgresUrl: pg.url,
        extra: busYaml(REDIS_URL, `parley:test:pg:${Date.now()}`),
      }
      nodes.push(await startNode(options), await startNode(options))
      const { alice, bob } = await pair(nodes)
      const [a] = await connect(alice, bob)
      assert.equal((await say(a, 'before the restart')).status, 201)

      await pg.stop()
      const [one] = nodes as [Node]
      const refused = await request(one.url, `${alice.self}/me/presence`, as(alice))
      assert.equal(refused.status, 503, refused.text)
      assert.equal(refused.headers.get('retry-after'), '5')
      assert.equal(refused.json.code, 'ServiceUnavailable')
      const health = await request(one.url, '/health/ready')
      assert.equal(health.status, 503)
      assert.equal(health.json.checks.store, false)

      await pg.start()
      // Every node back (the client's requests go to both), whenever each gets there.
      for (const node of nodes)
        await waitFor(async () => (await request(node.url, '/health/ready')).status === 200)
      // The same tokens and applications, on either node; nothing acknowledged was lost.
      assert.equal((await say(a, 'after the restart')).status, 201)
      assert.deepEqual(await receive(bob, 2), ['before the restart', 'after the restart'])
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
      pg.remove()
      dir.remove()
    }
  })
})

describe('secrets', { skip }, () => {
  it('never logs the passwords in the PostgreSQL and Redis URLs, even at debug level', async () => {
    const dir = tempDir('parley-secrets-')
    const database = await createDatabase()
    // Trust authentication accepts any password; a Redis without one warns and goes on.
    const postgresUrl = databaseUrl(database).replace('postgres@', 'postgres:pg-S3cret-pw@')
    const redisUrl = REDIS_URL.replace('redis://', 'redis://:redis-S3cret-pw@')
    const node = await startNode({
      dir: dir.path,
      postgresUrl,
      extra: busYaml(redisUrl, `parley:test:${database}`),
      logLevel: 'debug',
    })
    try {
      const { alice } = await pair([node])
      assert.equal((await alice.get(`${alice.self}/me`)).status, 200)
      await request(node.url, '/health/ready')
    } finally {
      await node.stop()
      await dropDatabase(database)
      dir.remove()
    }
    const output = node.output()
    assert.ok(output.length > 0, 'the node logged')
    for (const secret of ['pg-S3cret-pw', 'redis-S3cret-pw'])
      assert.ok(!output.includes(secret), `${secret} leaked`)
  })
})
