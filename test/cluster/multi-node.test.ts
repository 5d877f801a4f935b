// Three Parley processes on loopback sharing one PostgreSQL database and one Redis, and a client
// that sends each request to the next node (plain round-robin, no affinity): every resource
// works from any node, a P-GET parked on one node is woken by a message posted on another, and a
// node killed with SIGKILL loses no acknowledged message. Runs in the PostgreSQL + Redis pass.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { connect, flat, say, texts } from '../helpers/messaging.ts'
import { busYaml, type Node, receive, roundRobin, startNode, tempDir } from '../helpers/nodes.ts'
import { request, type TestServer } from '../helpers/server.ts'
import { CLUSTER, createDatabase, databaseUrl, dropDatabase, REDIS_URL } from '../helpers/services.ts'
import { available, type Client, HOME, signedInApp } from '../helpers/ucwa-client.ts'

describe('a cluster of three nodes behind round-robin', {
  skip: !CLUSTER && `runs in the PostgreSQL + Redis pass of npm test`,
}, () => {
  const dir = tempDir('parley-cluster-')
  let database: string
  let nodes: Node[] = []
  let lb: TestServer
  let alice: Client
  let bob: Client

  before(async () => {
    database = await createDatabase()
    const options = {
      dir: dir.path,
      postgresUrl: databaseUrl(database),
      extra: busYaml(REDIS_URL, `parley:test:${database}`),
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
    // Both sides see the whole conversation, their own messages included, in one order.
    const all = [1, 2, 3, 4, 5, 6].map((i) => `message ${i}`)
    assert.deepEqual(await receive(bob, 6), all)
    assert.deepEqual(await receive(alice, 6), all)
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
    const started = Date.now()
    const parked = request(parkedOn.url, `${bob.next}&timeout=20`, as(bob))
    await new Promise((r) => setTimeout(r, 300))
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
    // Woken by the bus, not by the 20 s hold nor by the 2 s sweep.
    assert.ok(Date.now() - started < 1_800, `took ${Date.now() - started} ms`)
    bob.next = res.json._links.next.href
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
