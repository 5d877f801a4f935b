// The cluster scenario: instant messaging on one Parley node vs two (separate `parley start`
// processes on this machine sharing PostgreSQL and Redis), and the latency the Redis hop adds.
// Each pair's sender POSTs a message and waits for it to reach the receiver's P-GET (closed loop,
// `concurrency` pairs at once); requests go round-robin over the nodes, so with two nodes most
// messages cross through Redis. See docs/benchmarks.md and docs/cluster.md.
import { Agent, request as httpRequest } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { busYaml, type Node, startNode, tempDir } from '../test/helpers/nodes.ts'
import { PASSWORDS } from '../test/helpers/server.ts'
import { createDatabase, databaseUrl, dropDatabase, REDIS_URL } from '../test/helpers/services.ts'
import { percentile } from './stats.ts'

const HOST = 'pool01.example.test'
const agent = new Agent({ keepAlive: true, maxSockets: 256 })

interface Link {
  readonly href: string
}
/** The parts of UCWA responses this bench reads. */
interface Body {
  readonly access_token?: string
  readonly _links?: Readonly<Record<string, Link | undefined>>
  readonly sender?: readonly { readonly events: readonly UcwaEvent[] }[]
}
interface UcwaEvent {
  readonly link?: { readonly rel?: string }
  readonly _embedded?: { readonly messagingInvitation?: { readonly _links?: { readonly accept?: Link } } }
}

interface Res {
  readonly status: number
  readonly location: string | undefined
  readonly json: Body
}

const href = (body: Body, rel: string): string => body._links?.[rel]?.href ?? ''

function send(
  base: string,
  path: string,
  init: { method?: string; token?: string; body?: string; type?: string } = {},
): Promise<Res> {
  const headers: Record<string, string> = { host: HOST }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.body !== undefined) {
    headers['content-type'] = init.type ?? 'application/json'
    headers['content-length'] = String(Buffer.byteLength(init.body))
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, base),
      { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, agent },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          let json: Body = {}
          try {
            json = JSON.parse(text) as Body
          } catch {
            // not JSON (an empty 204): nothing to read
          }
          resolve({ status: res.statusCode ?? 0, location: res.headers.location, json })
        })
      },
    )
    req.on('error', reject)
    if (init.body !== undefined) req.write(init.body)
    req.end()
  })
}

interface Endpoint {
  readonly token: string
  readonly self: string
  next: string
}

async function endpoint(base: () => string, user: 'alice' | 'bob', id: string): Promise<Endpoint> {
  const form = new URLSearchParams({
    grant_type: 'password',
    username: `${user}@example.test`,
    password: PASSWORDS[user],
  })
  const signed = await send(base(), '/WebTicket/oauthtoken', {
    body: form.toString(),
    type: 'application/x-www-form-urlencoded',
  })
  const token = signed.json.access_token ?? ''
  const app = await send(base(), '/ucwa/oauth/v1/applications', {
    token,
    body: JSON.stringify({ UserAgent: 'bench/1.0', EndpointId: id, Culture: 'en-US' }),
  })
  if (app.status !== 201) throw new Error(`application: ${app.status}`)
  const e: Endpoint = { token, self: href(app.json, 'self'), next: href(app.json, 'events') }
  await send(base(), `${e.self}/me/makeMeAvailable`, {
    token,
    body: JSON.stringify({ SupportedModalities: ['Messaging'] }),
  })
  return e
}

async function poll(base: string, e: Endpoint, timeout = 5): Promise<UcwaEvent[]> {
  const res = await send(base, `${e.next}&timeout=${timeout}`, { token: e.token })
  if (res.status !== 200) throw new Error(`P-GET: ${res.status}`)
  e.next = href(res.json, 'next')
  return (res.json.sender ?? []).flatMap((s) => s.events)
}

async function drain(base: () => string, e: Endpoint): Promise<void> {
  while ((await poll(base(), e, 1)).length > 0);
}

interface Pair {
  readonly alice: Endpoint
  readonly bob: Endpoint
  readonly sendHref: string
}

async function pair(base: () => string, i: number): Promise<Pair> {
  const alice = await endpoint(base, 'alice', `a${i}`)
  const bob = await endpoint(base, 'bob', `b${i}`)
  await drain(base, alice)
  await drain(base, bob)
  const invite = await send(base(), `${alice.self}/communication/messagingInvitations`, {
    token: alice.token,
    body: JSON.stringify({ to: 'sip:bob@example.test', operationId: `op${i}` }),
  })
  if (invite.status !== 201) throw new Error(`invitation: ${invite.status}`)
  let accept: string | undefined
  while (!accept) {
    for (const ev of await poll(base(), bob)) {
      const link = ev._embedded?.messagingInvitation?._links?.accept?.href
      if (link) accept = link
    }
  }
  await send(base(), accept, { token: bob.token, body: '' })
  const invitation = (await send(base(), invite.location ?? '', { token: alice.token })).json
  await drain(base, alice)
  await drain(base, bob)
  return { alice, bob, sendHref: `${href(invitation, 'messaging')}/messages` }
}

/** Messages per second and send → receive latency with `pairs` closed loops for `seconds`. */
async function measure(base: () => string, pairs: readonly Pair[], seconds: number) {
  const latencies: number[] = []
  const deadline = Date.now() + seconds * 1000
  await Promise.all(
    pairs.map(async (p, i) => {
      let n = 0
      while (Date.now() < deadline) {
        const started = performance.now()
        const posted = await send(base(), p.sendHref, {
          token: p.alice.token,
          body: `m${i}-${n++}`,
          type: 'text/plain',
        })
        if (posted.status !== 201) throw new Error(`sendMessage: ${posted.status}`)
        // Wait for the message. Its echoes queue up on alice's side, unread during the run.
        for (;;) {
          const events = await poll(base(), p.bob)
          if (events.some((e) => e.link?.rel === 'message')) break
        }
        latencies.push(performance.now() - started)
      }
    }),
  )
  return {
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  }
}

/** One message from alice posted on `postOn` to bob's P-GET parked on `parkOn`, `rounds` times. */
async function hop(parkOn: string, postOn: string, p: Pair, rounds: number): Promise<number> {
  const latencies: number[] = []
  for (let i = 0; i < rounds; i++) {
    const parked = poll(parkOn, p.bob, 10)
    await sleep(20)
    const started = performance.now()
    await send(postOn, p.sendHref, { token: p.alice.token, body: `hop ${i}`, type: 'text/plain' })
    await parked
    latencies.push(performance.now() - started)
  }
  return percentile(latencies, 50)
}

export interface ClusterResult {
  readonly nodes: number
  readonly perSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
}

export async function runClusterScenario(options: {
  pairs: number
  seconds: number
  say: (l: string) => void
}) {
  const results: ClusterResult[] = []
  let hopMs: { sameNode: number; otherNode: number } | undefined
  for (const count of [1, 2]) {
    const dir = tempDir('parley-bench-cluster-')
    const database = await createDatabase()
    const nodes: Node[] = []
    try {
      // One user pair sends everything: lift the per-user caps (the IM scenario uses many users).
      const limits = 'applications:\n  maxPerUser: 1000\nmessaging:\n  maxMessagesPerWindow: 100000000\n'
      const extra = `${limits}${busYaml(REDIS_URL, `parley:bench:${database}`, 10)}`
      for (let i = 0; i < count; i++)
        nodes.push(await startNode({ dir: dir.path, postgresUrl: databaseUrl(database), extra }))
      let turn = 0
      const base = () => (nodes[turn++ % nodes.length] as Node).url
      options.say(`cluster: ${count} node(s), setting up ${options.pairs} conversations…`)
      const pairs: Pair[] = []
      for (let i = 0; i < options.pairs; i++) pairs.push(await pair(base, i))
      await measure(base, pairs, Math.min(1, options.seconds / 5))
      const m = await measure(base, pairs, options.seconds)
      results.push({ nodes: count, ...m })
      if (count === 2 && pairs[0]) {
        const [a, b] = nodes.map((n) => n.url) as [string, string]
        hopMs = { sameNode: await hop(a, a, pairs[0], 30), otherNode: await hop(a, b, pairs[0], 30) }
      }
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
      await dropDatabase(database)
      dir.remove()
    }
  }
  return { results, hopMs }
}

export function formatClusterReport(r: Awaited<ReturnType<typeof runClusterScenario>>, cpus: number): string {
  const lines = [
    `Cluster: IM on PostgreSQL + Redis, one node vs two on this machine (${cpus} CPUs shared by nodes, database, Redis and the load generator)`,
    '  nodes  messages/s  p50 ms  p99 ms',
    ...r.results.map(
      (x) =>
        `  ${String(x.nodes).padStart(5)}  ${x.perSecond.toFixed(0).padStart(10)}  ${x.p50Ms.toFixed(1).padStart(6)}  ${x.p99Ms.toFixed(1).padStart(6)}`,
    ),
  ]
  if (r.hopMs) {
    lines.push(
      `  Redis hop: a message to a P-GET parked on the same node ${r.hopMs.sameNode.toFixed(1)} ms (p50), on the other node ${r.hopMs.otherNode.toFixed(1)} ms: +${(r.hopMs.otherNode - r.hopMs.sameNode).toFixed(1)} ms`,
    )
  }
  return `${lines.join('\n')}\n`
}
