// Boots the real server (src/main.ts start) on ephemeral ports with a fresh SQLite file — or, in
// the cluster pass (PARLEY_TEST_CLUSTER=1, test/run.ts), a fresh PostgreSQL database and Redis —
// and gives tests a small HTTP client. Every test closes what it starts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../src/config/config.ts'
import { parseConfig } from '../../src/config/load.ts'
import type { Clock } from '../../src/domain/ports.ts'
import { type RunningServer, start } from '../../src/main.ts'
import { Argon2PasswordHasher } from '../../src/platform/argon2-password-hasher.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { CLUSTER, createDatabase, databaseUrl, dropDatabase, REDIS_URL } from './services.ts'

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number
  constructor(now = Date.UTC(2026, 10, 21, 12)) {
    this.#now = now
  }
  now(): number {
    return this.#now
  }
  advance(ms: number): void {
    this.#now += ms
  }
}

export const PASSWORDS = {
  alice: 'alice-password-1',
  bob: 'bob-password-22',
  carol: 'carol-password-333',
} as const

/** Two sites, two Front End pools and a Director; alice and bob on pool01, carol on pool02. */
export function topologyYaml(listeners: string, extra = ''): string {
  return `
sipDomains:
  - name: example.test
    default: true
  - name: other.test
sites:
  - name: Redmond
  - name: Dublin
pools:
  - fqdn: dir01.example.test
    site: Redmond
    role: director
    internalWebFqdn: dir01.example.test
    externalWebFqdn: dirext.example.test
  - fqdn: pool01.example.test
    site: Redmond
    role: frontend
    internalWebFqdn: pool01.example.test
    externalWebFqdn: webext01.example.test
  - fqdn: pool02.example.test
    site: Dublin
    role: frontend
    internalWebFqdn: pool02.example.test
    externalWebFqdn: webext02.example.test
listeners:
${listeners}
storage:
  sqlite:
    path: parley.db
users:
  - sipUri: alice@example.test
    name: Alice Adams
    email: alice@example.test
    title: Engineer
    department: Research
    phones: { work: "tel:+14255550101", mobile: "tel:+14255550201" }
    homePool: pool01.example.test
    enterpriseVoice: true
    lineUri: tel:+14255550101
    password: ${PASSWORDS.alice}
  - sipUri: bob@example.test
    name: Bob Baker
    homePool: pool01.example.test
    password: ${PASSWORDS.bob}
  - sipUri: carol@other.test
    name: Carol Cruz
    homePool: pool02.example.test
    password: ${PASSWORDS.carol}
logging:
  level: silent
${extra}`
}

export const DEFAULT_LISTENERS = `
  - { address: 127.0.0.1, port: 0, kind: internal }
  - { address: 127.0.0.1, port: 0, kind: external }
  - { address: 127.0.0.1, port: 0, kind: autodiscover-http }`

export interface TestServer {
  readonly server: RunningServer
  readonly config: Config
  readonly clock: ManualClock
  readonly dir: string
  /** Base URLs per listener kind (`http://127.0.0.1:PORT`). */
  readonly internal: string
  readonly external: string
  readonly discovery: string
  stop(): Promise<void>
}

// Cheaper than OWASP's cost so a suite full of sign-ins stays quick; still argon2id.
export const TEST_HASHER = new Argon2PasswordHasher({ memory: 1024, passes: 1, parallelism: 1 })

export async function startTestServer(
  options: {
    listeners?: string
    extra?: string
    yaml?: string
    dir?: string
    env?: Record<string, string>
  } = {},
): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'parley-test-'))
  const yaml = options.yaml ?? topologyYaml(options.listeners ?? DEFAULT_LISTENERS, options.extra)
  const parsed = parseConfig(yaml, { file: 'test.yaml', env: options.env ?? {}, baseDir: dir })
  // A server restarted on the same directory finds the same database, as it would its SQLite file.
  const database = CLUSTER ? await createDatabase(dir) : undefined
  const config = database ? clusterConfig(parsed, database) : parsed
  const clock = new ManualClock()
  // No job runs by itself: a test runs the periodic jobs it needs, when it needs them
  // (server.runJobs, or the service call itself), with the clock where it put it.
  const server = await start(config, {
    clock,
    hasher: TEST_HASHER,
    logger: createLogger('silent'),
    timers: false,
  }).catch(async (error: unknown) => {
    if (database && !options.dir) await dropDatabase(database)
    throw error
  })
  const url = (kind: string) => server.listeners.find((l) => l.kind === kind)?.url ?? ''
  return {
    server,
    config,
    clock,
    dir,
    internal: url('internal'),
    external: url('external'),
    discovery: url('autodiscover-http'),
    async stop() {
      await server.stop()
      if (!options.dir) rmSync(dir, { recursive: true, force: true })
      if (database && !options.dir) await dropDatabase(database)
    },
  }
}

/** The same config on PostgreSQL database `database` and the Redis bus (its own channel). */
export function clusterConfig(config: Config, database: string): Config {
  return {
    ...config,
    storage: { ...config.storage, postgres: { url: databaseUrl(database), maxConnections: 4 } },
    bus: { redis: { url: REDIS_URL, channel: `parley:test:${database}`, recheckSeconds: 2 } },
  }
}

export interface HttpResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any
}

/**
 * One HTTP request with an explicit Host header (so the server picks the pool, as DNS would in
 * production). fetch() forbids setting Host, so this uses node:http.
 */
export async function request(
  base: string,
  path: string,
  init: {
    method?: string
    host?: string
    headers?: Record<string, string>
    body?: string | Buffer
    token?: string
  } = {},
): Promise<HttpResponse> {
  const { request: httpRequest } = await import('node:http')
  const { request: httpsRequest } = await import('node:https')
  const url = new URL(path, base)
  const headers: Record<string, string> = { ...(init.headers ?? {}) }
  if (init.host) headers.host = init.host
  if (init.token) headers.authorization = `Bearer ${init.token}`
  const body = init.body
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(toResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

/** Decodes a raw node:http response into the harness's HttpResponse. */
export function toResponse(
  status: number,
  raw: Record<string, string | string[] | undefined>,
  body: Buffer,
): HttpResponse {
  const text = body.toString('utf8')
  const headers = new Headers()
  for (const [k, v] of Object.entries(raw)) {
    for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, item)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status, headers, text, json }
}

/** Password grant on `base` for `host`; returns the access token. */
export async function signIn(
  base: string,
  host: string,
  username: string,
  password: string,
): Promise<string> {
  const res = await request(base, '/WebTicket/oauthtoken', {
    host,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  })
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${res.text}`)
  return res.json.access_token as string
}

/** POST applications; returns the response. */
export function createApplication(
  base: string,
  host: string,
  token: string,
  body: Record<string, unknown> = { UserAgent: 'test/1.0', EndpointId: 'endpoint-1', Culture: 'en-US' },
): Promise<HttpResponse> {
  return request(base, '/ucwa/oauth/v1/applications', {
    host,
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}
