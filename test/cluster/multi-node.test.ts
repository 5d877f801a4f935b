// Three Parley processes on loopback sharing one PostgreSQL database and one Redis, and a client
// that sends each request to the next node (plain round-robin, no affinity): every resource
// works from any node, a P-GET parked on one node is woken by a message posted on another, and a
// node killed with SIGKILL loses no acknowledged message. Runs in the PostgreSQL + Redis pass.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { connect, directions, flat, say, texts } from '../helpers/messaging.ts'
import {
  busTap,
  busYaml,
  drainOn,
  type Node,
  receive,
  receiveMessages,
  roundRobin,
  startNode,
  tempDir,
  waitFor,
} from '../helpers/nodes.ts'
import { appIdOf, LONG_HOLD } from '../helpers/pget.ts'
import { request, type TestServer } from '../helpers/server.ts'
import { CLUSTER, createDatabase, databaseUrl, dropDatabase, REDIS_URL } from '../helpers/services.ts'
import { available, type Client, HOME, signedInApp } from '../helpers/ucwa-client.ts'

describe('a cluster of three nodes behind round-robin', {
  skip: !CLUSTER && `runs in the PostgreSQL + Redis pass of npm test`,
}, () => {
  const dir = tempDir('parley-cluster-')
  let database: string
  const channel = () => `parley:test:${database}`
  let nodes: Node[] = []
  let lb: TestServer
  let alice: Client
  let bob: Client

  before(async () => {
    database = await createDatabase()
    const options = {
      dir: dir.path,
      postgresUrl: databaseUrl(database),
      extra: busYaml(REDIS_URL, channel()),
    }
    // Started together: they migrate and provision the config's users once between them.
    nodes = await Promise.all([1, 2, 3].map(() => startNode(options)))
    lb = roundRobin(nodes)
    alice = await signedInApp(lb, 'alice')
    bob = await signedInApp(lb, 'bob')
    for (const c of [alice, bob]) {
      await available(c)
      await c.events()
    }
  })
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
    await dropDatabase(database)
    dir.remove()
  })

  it('serves a conversation with every request on the next node', async () => {
    const [a, b] = await connect(alice, bob)
    for (let i = 1; i <= 6; i++) {
      assert.equal((await say(i % 2 ? a : b, `message ${i}`)).status, 201)
    }
    // Both sides see the whole conversation in one order: the other's messages with their text,
    // their own Outgoing without one (as SendAnIM.md shows).
    const fromAlice = [1, 3, 5].map((i) => `message ${i}`)
    const fromBob = [2, 4, 6].map((i) => `message ${i}`)
    const bobSaw = await receiveMessages(bob, 6)
    assert.deepEqual(directions(bobSaw), [
      'Incoming',
      'Outgoing',
      'Incoming',
      'Outgoing',
      'Incoming',
      'Outgoing',
    ])
    assert.deepEqual(texts(bobSaw), fromAlice)
    const aliceSaw = await receiveMessages(alice, 6)
    assert.deepEqual(directions(aliceSaw), [
      'Outgoing',
      'Incoming',
      'Outgoing',
      'Incoming',
      'Outgoing',
      'Incoming',
    ])
    assert.deepEqual(texts(aliceSaw), fromBob)
  })

  it('sees a change made on one node at once on the others (no stale per-node caches)', async () => {
    const [n1, n2, n3] = nodes as [Node, Node, Node]
    const token = alice.token
    const host = HOME.alice
    const created = await request(n1.url, '/ucwa/oauth/v1/applications', {
      host,
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ UserAgent: 'test/1.0', EndpointId: 'stale-check', Culture: 'en-US' }),
    })
    assert.equal(created.status, 201)
    const self: string = created.json._links.self.href
    // n2 reads (and caches) the application before makeMeAvailable on n3.
    assert.equal((await request(n2.url, self, { host, token })).status, 200)
    const made = await request(n3.url, `${self}/me/makeMeAvailable`, {
      host,
      token,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    assert.equal(made.status, 204, made.text)
    for (const node of nodes) {
      const presence = await request(node.url, `${self}/me/presence`, { host, token })
      assert.equal(presence.status, 200, `${node.url}: ${presence.text}`)
    }
    assert.equal((await request(n1.url, self, { host, token, method: 'DELETE' })).status, 204)
    assert.equal((await request(n2.url, self, { host, token })).status, 404)
  })

  it('wakes a P-GET parked on one node with a message posted on another', async () => {
    const [a] = await connect(alice, bob)
    const [parkedOn, postOn] = nodes as [Node, Node]
    const as = (c: Client) => ({ host: HOME[c.user], token: c.token })
    // parkedOn knows bob's queue is empty: bob's P-GET there waits for a wake-up, whether it is
    // parked before the message is posted or arrives just after. Held LONG_HOLD, only a wake-up
    // answers it within the test.
    await drainOn(parkedOn, bob)
    const parked = request(parkedOn.url, `${bob.next}&timeout=${LONG_HOLD}`, as(bob))
    const tap = await busTap(REDIS_URL, channel())
    try {
      assert.equal(await tap.subscribers(), nodes.length + 1, 'every node listens on the bus')
      const sent = await request(postOn.url, a.sendMessage, {
        ...as(alice),
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'across nodes',
      })
      assert.equal(sent.status, 201)
      const res = await parked
      assert.equal(res.status, 200)
      assert.deepEqual(texts(flat(res.json)), ['across nodes'])
      // The wake-up crossed the bus: a hint naming bob's application (the node's sweep, which
      // would also find the message, sends none).
      await waitFor(async () => tap.named(appIdOf(bob.self)))
      bob.next = res.json._links.next.href
    } finally {
      tap.stop()
    }
  })

  it('loses no acknowledged message when a node is killed mid-conversation; no new sign-in', async () => {
    const [a] = await connect(alice, bob)
    const victim = nodes[0] as Node
    const as = (c: Client) => ({ host: HOME[c.user], token: c.token })
    // bob's P-GET is parked on the node about to die. Whether its answer (a batch formed there)
    // reaches bob or dies with the node, bob treats it as lost and asks again with the same ack.
    const parked = request(victim.url, `${bob.next}&timeout=20`, as(bob)).catch(() => undefined)
    const sent: string[] = []
    for (let i = 1; i <= 9; i++) {
      if (i === 5) {
        await victim.kill()
        await parked
      }
      const text = `kill test ${i}`
      const res = await say(a, text).catch(() => undefined)
      // Only a 201 acknowledges a message; a request that died with its node was not.
      if (res?.status === 201) sent.push(text)
      else assert.ok(res === undefined || res.status === 503, `status ${res?.status}`)
    }
    assert.ok(sent.length >= 8, `acknowledged ${sent.length}`)
    // The same token, the same ack: the next P-GET (on a live node) resumes where bob was.
    assert.deepEqual(await receive(bob, sent.length), sent)
  })
})
