// Multi-node clusters for tests: Parley processes (`parley start`, as in production) sharing one
// PostgreSQL database and one Redis, plus private Redis / PostgreSQL instances that a test may
// stop and restart without touching the shared ones.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { flat, texts } from './messaging.ts'
import { request, type TestServer, topologyYaml } from './server.ts'
import { type Client, HOME } from './ucwa-client.ts'

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname
const START_LIMIT_MS = 100_000

export interface Node {
  /** `http://127.0.0.1:PORT` of the node's internal listener. */
  readonly url: string
  readonly process: ChildProcess
  /** False once the process exited. */
  readonly alive: boolean
  /** Everything the process wrote so far (stdout and stderr). */
  readonly output: () => string
  /** SIGKILL: the process dies at once, mid-request, as in a crash. */
  kill(): Promise<void>
  stop(): Promise<void>
}

/** Starts `parley start` on a config with one internal listener; resolves once it listens. */
export async function startNode(options: {
  dir: string
  postgresUrl: string
  /** YAML appended to the config (the bus section, say). */
  extra?: string
  /** pino level (default silent). */
  logLevel?: string
}): Promise<Node> {
  const config = join(options.dir, `node-${Math.random().toString(36).slice(2)}.yaml`)
  const yaml = topologyYaml(`  - { address: 127.0.0.1, port: 0, kind: internal }`, options.extra).replace(
    'level: silent',
    `level: ${options.logLevel ?? 'silent'}`,
  )
  writeFileSync(config, yaml)
  const child = spawn(process.execPath, [CLI, 'start', '--config', config], {
    env: { ...process.env, PARLEY_POSTGRES_URL: options.postgresUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let out = ''
  let err = ''
  const url = await new Promise<string>((resolve, reject) => {
    // Waits for the listening line or the exit. The limit is no speed expectation (a start takes
    // seconds even on a loaded machine) but a last resort: a node stuck for this long fails here
    // with its output, which a hook (no per-test timeout) would otherwise wait for forever.
    const timer = setTimeout(() => reject(new Error(`node did not start: ${out}${err}`)), START_LIMIT_MS)
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString()
    })
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const match = /internal\s+(http:\/\/\S+)/.exec(out)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1].replace('://localhost', '://127.0.0.1'))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`node exited (${code}) before listening: ${out}${err}`))
    })
  })
  return {
    url,
    process: child,
    get alive() {
      return child.exitCode === null && child.signalCode === null
    },
    output: () => out + err,
    async kill() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** A Redis of the test's own (no persistence), so stopping it disturbs no one else. */
export async function privateRedis(): Promise<{
  url: string
  stop(): Promise<void>
  start(): Promise<void>
}> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
    await waitFor(async () => {
      const { redisAnswers } = await import('./services.ts')
      return redisAnswers(`redis://127.0.0.1:${port}`)
    })
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    async stop() {
      const c = child
      if (!c || c.exitCode !== null) return
      const exited = new Promise((resolve) => c.once('exit', resolve))
      c.kill('SIGKILL')
      await exited
    },
  }
}

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort()
  return `/usr/lib/postgresql/${versions.at(-1)}/bin/${name}`
}

// initdb and postgres refuse to run as root: run them as the postgres user when we are root.
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
}

/** A PostgreSQL cluster of the test's own (trust auth, a private port and directory). */
export async function privatePostgres(): Promise<{
  url: string
  stop(): Promise<void>
  start(): Promise<void>
  remove(): void
}> {
  const port = await freePort()
  const dir = mkdtempSync(join('/tmp', 'parley-pg-'))
  execFileSync('chown', ['postgres', dir])
  const [initdb, initArgs] = asPostgres(pgBin('initdb'), [
    '-D',
    dir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
  ])
  execFileSync(initdb, initArgs, { stdio: 'ignore' })
  const ctl = (verb: string, extra: string[] = []) => {
    const [cmd, args] = asPostgres(pgBin('pg_ctl'), [verb, '-D', dir, '-w', '-m', 'immediate', ...extra])
    execFileSync(cmd, args, { stdio: 'ignore' })
  }
  const start = async () =>
    ctl('start', [
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-l',
      join(dir, 'log'),
    ])
  await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: async () => ctl('stop'),
    remove: () => {
      try {
        ctl('stop')
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Resolves once `check` holds, looking every `stepMs`. `timeoutMs` only turns a condition that
 * never comes into a failure with a message before the test's own limit (test/run.ts: 120 s); it
 * is not how long the condition may take on a fast machine.
 */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  stepMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, stepMs))
  }
  throw new Error(`condition not met within ${timeoutMs} ms`)
}

/** A stand-in test server whose `internal` is the next live node on every read. */
export function roundRobin(nodes: readonly Node[]): TestServer {
  let turn = 0
  return {
    get internal() {
      const live = nodes.filter((n) => n.alive)
      const node = live[turn++ % live.length]
      if (!node) throw new Error('no live node')
      return node.url
    },
  } as unknown as TestServer
}

export function busYaml(redisUrl: string, channel: string, recheckSeconds = 2): string {
  return `bus:\n  redis:\n    url: ${redisUrl}\n    channel: ${channel}\n    recheckSeconds: ${recheckSeconds}\n`
}

/**
 * Every incoming message text `c` receives until `want` are in (P-GETs of at most `timeout` s
 * each; one that finds the events already committed answers at once).
 */
export async function receive(c: Client, want: number, timeout = 5, rounds = 10): Promise<string[]> {
  const got: string[] = []
  for (let i = 0; i < rounds && got.length < want; i++) got.push(...texts(flat(await c.events(timeout))))
  return got
}

/** Every message event `c` receives, incoming or its own, until `want` are in (as `receive`). */
export async function receiveMessages(c: Client, want: number, timeout = 5, rounds = 10): Promise<any[]> {
  const got: any[] = []
  for (let i = 0; i < rounds && got.length < want; i++) {
    got.push(...flat(await c.events(timeout)).filter((e) => e.link.rel === 'message'))
  }
  return got
}

/**
 * P-GETs `c`'s queue on `node` until one comes back empty. `node` then knows the queue is empty,
 * so `c`'s next P-GET there waits without reading the store: only a wake-up (a hint over the bus,
 * or the node's sweep) can tell it of an event posted on another node, whether that event comes
 * before or after the P-GET is parked.
 */
export async function drainOn(node: Node, c: Client): Promise<void> {
  for (;;) {
    const res = await request(node.url, `${c.next}&timeout=1`, { host: HOME[c.user], token: c.token })
    if (res.status !== 200) throw new Error(`P-GET on ${node.url}: ${res.status} ${res.text}`)
    c.next = res.json._links.next.href
    if (res.json.sender.length === 0) return
  }
}

/**
 * Listens on a cluster's Redis channel as one more subscriber: what crossed the bus (each hint
 * is `<node> <app> <app>…`, src/bus/redis/redis-bus.ts) and how many subscribe to it (the nodes
 * and this tap). Shows that a wake-up went over the bus rather than through a node's sweep.
 */
export async function busTap(
  url: string,
  channel: string,
): Promise<{ named(app: string): boolean; subscribers(): Promise<number>; stop(): void }> {
  const sub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  const hints: string[][] = []
  sub.on('message', (_channel: string, message: string) => hints.push(message.split(' ').slice(1)))
  await sub.connect()
  await sub.subscribe(channel)
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await probe.connect()
  return {
    named: (app) => hints.some((apps) => apps.includes(app)),
    async subscribers() {
      const [, count] = (await probe.pubsub('NUMSUB', channel)) as [string, number]
      return Number(count)
    },
    stop() {
      sub.disconnect()
      probe.disconnect()
    },
  }
}
