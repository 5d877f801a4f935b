// What `parley start` says once it listens (src/cli/banner.ts), for each place its output can go:
// a terminal gets the text banner and the generated passwords; a log stays JSON and never holds a
// password; the set-password hint is the command that works for how Parley was started.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { announce } from '../../src/cli/banner.ts'
import { parleyCommand } from '../../src/cli/invocation.ts'
import type { Io } from '../../src/cli/io.ts'
import type { Config } from '../../src/config/config.ts'
import type { RunningServer } from '../../src/main.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { LAUNCHER, ROOT } from '../helpers/cli.ts'

const PASSWORD = 'generated-pw-123'
const SERVER = {
  listeners: [{ kind: 'internal', url: 'http://127.0.0.1:4321', port: 4321 }],
  url: 'http://127.0.0.1:4321',
  createdUsers: [
    { user: { sipUri: 'sip:bob@example.test' }, generatedPassword: PASSWORD },
    { user: { sipUri: 'sip:alice@example.test' }, generatedPassword: undefined },
  ],
} as unknown as RunningServer

/** Announces SERVER with stdout/stderr terminals as given; returns what went where. */
function announced(options: { stdout: boolean; stderr: boolean; level?: string; env?: Io['env'] }) {
  let out = ''
  let err = ''
  const log: any[] = []
  const io: Io = {
    env: options.env ?? {},
    cwd: ROOT,
    out: (text) => {
      out += text
    },
    err: (text) => {
      err += text
    },
    readStdin: () => '',
    stdoutIsTerminal: options.stdout,
    stderrIsTerminal: options.stderr,
  }
  const level = options.level ?? 'info'
  const config = { source: '/etc/parley/parley yaml', logging: { level } } as unknown as Config
  const logger = createLogger(level, { write: (line: string) => log.push(JSON.parse(line)) })
  const banner = announce(SERVER, { config, demo: false }, io, logger)
  return { banner, out, err, log }
}

const HINT = `${LAUNCHER} user set-password bob@example.test --config '/etc/parley/parley yaml'`

describe("parley start's announcement", () => {
  it('on a terminal: the text banner, the generated password once and the hint', () => {
    const { banner, out, err, log } = announced({ stdout: true, stderr: true })
    assert.equal(banner, true)
    assert.match(out, /^Parley is running \(\/etc\/parley\/parley yaml\)\.$/m)
    assert.match(out, /^ {2}internal +http:\/\/localhost:4321$/m)
    assert.match(out, /^ {2}Health +http:\/\/localhost:4321\/health\/ready$/m)
    assert.match(out, new RegExp(`^ {2}sip:bob@example\\.test +${PASSWORD}$`, 'm'))
    assert.equal(out.split(PASSWORD).length, 2, 'shown once')
    assert.ok(out.includes(`Change one with: ${HINT}\n`), out)
    assert.equal(err, '')
    assert.deepEqual(
      log.map((r) => [r.level, r.msg]),
      [[30, 'Parley is running: internal http://localhost:4321 (/etc/parley/parley yaml)']],
    )
  })

  it('logging to a file with a terminal on stderr: JSON on stdout, the password on the terminal', () => {
    const { banner, out, err, log } = announced({ stdout: false, stderr: true })
    assert.equal(banner, false)
    assert.equal(out, '', 'nothing but the logger writes to standard output')
    assert.match(err, new RegExp(`sip:bob@example\\.test +${PASSWORD}`))
    assert.ok(err.includes(HINT))
    assert.deepEqual(log[0]?.listeners, [{ kind: 'internal', url: 'http://127.0.0.1:4321' }])
    assert.ok(!JSON.stringify(log).includes(PASSWORD))
  })

  it('without a terminal: no password anywhere, a warning with the hint', () => {
    const { out, err, log } = announced({ stdout: false, stderr: false })
    assert.equal(out + err, '')
    const warning = log.find((r) => r.level === 40)
    assert.deepEqual(warning?.users, ['sip:bob@example.test'])
    assert.ok(warning?.msg.endsWith(`set one with: ${HINT}`), warning?.msg)
    assert.ok(!JSON.stringify(log).includes(PASSWORD))
  })

  it('without a terminal and with logging off: the text banner, still without the password', () => {
    const { banner, out, err, log } = announced({ stdout: false, stderr: false, level: 'silent' })
    assert.equal(banner, true)
    assert.match(out, /^ {2}internal +http:\/\/localhost:4321$/m)
    assert.ok(out.includes(`set one with: ${HINT}`), out)
    assert.ok(!(out + err).includes(PASSWORD))
    assert.deepEqual(log, [])
  })
})

describe('the command a hint names', () => {
  it('follows how Parley was started', () => {
    const ours = { npm_package_json: `${ROOT}/package.json` }
    assert.equal(parleyCommand({ ...ours, npm_lifecycle_event: 'start' }), 'npm run -s parley --')
    assert.equal(parleyCommand({ ...ours, npm_lifecycle_event: 'npx' }), 'npx parley')
    assert.equal(
      parleyCommand({ npm_package_json: '/srv/app/package.json', npm_lifecycle_event: 'start' }),
      'npx parley',
      "a dependent project's script: npx finds its parley",
    )
    assert.equal(parleyCommand({ PATH: '/nowhere' }), LAUNCHER, 'a path that works from anywhere')
    // An installed parley (npm install -g, npm link) on the PATH: that one, if it is this one.
    const bin = mkdtempSync(join(tmpdir(), 'parley-path-'))
    try {
      symlinkSync(LAUNCHER, join(bin, 'parley'))
      assert.equal(parleyCommand({ PATH: `/nowhere:${bin}` }), 'parley')
      rmSync(join(bin, 'parley'))
      symlinkSync(process.execPath, join(bin, 'parley'))
      assert.equal(parleyCommand({ PATH: bin }), LAUNCHER, 'another parley is not ours')
    } finally {
      rmSync(bin, { recursive: true, force: true })
    }
  })
})
