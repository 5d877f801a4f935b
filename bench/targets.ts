// The servers under test: a bare Fastify route (the machine's baseline) and a real Parley server
// started the way `parley start` does, with the default OWASP-cost argon2id hasher.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { parseConfig } from '../src/config/load.ts'
import type { PasswordHasher } from '../src/domain/ports.ts'
import { type RunningServer, start } from '../src/main.ts'
import { createLogger } from '../src/platform/logger.ts'
import { topologyYaml } from '../test/helpers/server.ts'

export interface Target {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string
  stop(): Promise<void>
}

export async function startBare(): Promise<Target> {
  const app = Fastify()
  app.get('/bare', async () => ({ status: 'ok' }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, stop: () => app.close() }
}

export interface ParleyTarget extends Target {
  readonly server: RunningServer
}

/** Users the sign-in scenario cycles through, so each holds only a few applications at a time. */
export const SIGN_IN_USERS = Array.from({ length: 16 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0')
  return { username: `bench${n}@example.test`, password: `bench-password-${n}`, name: `Bench User ${n}` }
})

export interface BenchUser {
  readonly username: string
  readonly password: string
  readonly name: string
}

/** `count` users named `<prefix>NN@example.test`, homed on pool01.example.test. */
export function benchUsers(prefix: string, count: number): BenchUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(2, '0')
    return {
      username: `${prefix}${n}@example.test`,
      password: `${prefix}-password-${n}`,
      name: `Bench ${prefix} ${n}`,
    }
  })
}

/** Users of the event-channel scenarios (`count` of them): each signs in once, then holds many
 * applications. */
export const eventUsers = (count: number): BenchUser[] => benchUsers('ev', count)

/** Users of the instant-messaging scenario: the first half send, the second half receive. */
export const imUsers = (count: number): BenchUser[] => benchUsers('im', count)

/** The test topology's YAML with `users` added to its users. */
function benchYaml(listeners: string, extra: string, users: readonly BenchUser[]): string {
  const yaml = topologyYaml(listeners, extra)
  const marker = '\nlogging:'
  if (!yaml.includes(marker)) throw new Error('topologyYaml changed: no "logging:" after its users')
  const entries = users
    .map(
      (u) =>
        `\n  - sipUri: ${u.username}\n    name: ${u.name}` +
        `\n    homePool: pool01.example.test\n    password: ${u.password}`,
    )
    .join('')
  return yaml.replace(marker, `${entries}${marker}`)
}

/**
 * One internal listener (or `listeners` of them, on different ports); the test topology (alice
 * and bob homed on pool01.example.test) plus `users` (SIGN_IN_USERS by default), whose passwords
 * are hashed at start at OWASP cost like any configured user's.
 */
export async function startParley(
  options: {
    users?: readonly BenchUser[]
    extraYaml?: string
    listeners?: number
    /** Instead of argon2id at OWASP cost (scenarios that only need users signed in). */
    hasher?: PasswordHasher
  } = {},
): Promise<ParleyTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'))
  try {
    const listeners = '\n  - { address: 127.0.0.1, port: 0, kind: internal }'.repeat(options.listeners ?? 1)
    // Every sign-in creates a fresh application; lift the per-user cap so the run never hits it.
    const extra = `applications:\n  maxPerUser: 1000000\n${options.extraYaml ?? ''}`
    const yaml = benchYaml(listeners, extra, options.users ?? SIGN_IN_USERS)
    const config = parseConfig(yaml, { file: 'bench.yaml', env: {}, baseDir: dir })
    // Without a hasher, start() uses Argon2PasswordHasher at OWASP cost, as in production.
    const server = await start(config, {
      logger: createLogger('silent'),
      ...(options.hasher ? { hasher: options.hasher } : {}),
    })
    return {
      url: server.url,
      server,
      async stop() {
        try {
          await server.stop()
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      },
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
