// The `parley` command as people run it, as real processes: bin/parley.js started by an older
// system Node (it must run the CLI on the project's Node 26), `parley start` through it until
// SIGTERM, and `npm start` stopped by SIGTERM with nothing left running. On the way: what start
// writes (JSON log lines only, no password), the version in /health, and the set-password hint
// it prints working when pasted into a shell in the project folder.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exits, LAUNCHER, ROOT, run, SHELL_PATH, shellEnv, until } from '../helpers/cli.ts'
import { request, topologyYaml } from '../helpers/server.ts'

const { version: VERSION } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const PROJECT_NODE = realpathSync(join(ROOT, 'node_modules/node/bin/node'))

/** A `node` on the shell's PATH older than the project's (the machine's Node 20), if any. */
function olderSystemNode(): string | undefined {
  for (const dir of SHELL_PATH.split(delimiter)) {
    const node = join(dir, 'node')
    try {
      accessSync(node, constants.X_OK)
    } catch {
      continue
    }
    const major = Number(spawnSync(node, ['-p', 'process.versions.node.split(".")[0]']).stdout?.toString())
    if (major > 0 && major < 26) return node
  }
  return undefined
}
const OLDER_NODE = olderSystemNode()

/** A long-running child whose standard output is read line by line as JSON log records. */
class Running {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  #stdout = ''
  #stderr = ''
  #done = false

  constructor(command: string, args: string[], options: { cwd?: string; env: Record<string, string> }) {
    this.child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: 'pipe' })
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stdout += chunk
    })
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk
    })
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code) => {
        this.#done = true
        resolve(code)
      }),
    )
  }

  get output(): string {
    return `stdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`
  }

  /** Complete standard output lines, except those npm prints about the script it runs. */
  lines(): string[] {
    const complete = this.#stdout.slice(0, this.#stdout.lastIndexOf('\n') + 1)
    return complete.split('\n').filter((line) => line !== '' && !line.startsWith('> '))
  }

  /** Every line as a JSON record; fails naming the first line that is not JSON. */
  records(): any[] {
    return this.lines().map((line) => {
      try {
        return JSON.parse(line)
      } catch {
        return assert.fail(`not a JSON log line: ${JSON.stringify(line)}\n${this.output}`)
      }
    })
  }

  /** The first record `matches`, once written; fails if the process exits first. */
  async record(matches: (record: any) => boolean): Promise<any> {
    await until(() => this.#done || this.records().some(matches))
    const found = this.records().find(matches)
    assert.ok(found, `the process exited (${this.child.exitCode}) first\n${this.output}`)
    return found
  }
}

/** Where the started server answers, from its "Parley is running" record. */
async function runningAt(server: Running): Promise<{ url: string; pid: number }> {
  const started = await server.record((r) => /^Parley is running/.test(r.msg))
  return { url: started.listeners[0].url.replace('://localhost', '://127.0.0.1'), pid: started.pid }
}

/** The set-password hint of the warning about passwords not shown (no terminal here). */
async function passwordHint(server: Running): Promise<string> {
  const warning = await server.record((r) => /not shown without a terminal/.test(r.msg))
  return /set one with: (.*)$/.exec(warning.msg)?.[1] ?? assert.fail(warning.msg)
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = []
  for (let queue = [pid]; queue.length > 0; ) {
    const next = children.get(queue.shift() as number) ?? []
    found.push(...next)
    queue.push(...next)
  }
  return found
}

let dir: string
let configPath: string

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-bin-'))
  configPath = join(dir, 'parley.yaml')
  // One listener on a free port, logging at info, and bob without a password (one is generated).
  const yaml = topologyYaml(`  - { address: 127.0.0.1, port: 0, kind: internal }`)
    .replace('level: silent', 'level: info')
    .replace(/(name: Bob Baker\n\s+homePool: \S+\n)\s+password: \S+\n/, '$1')
  assert.doesNotMatch(yaml, /bob-password/)
  writeFileSync(configPath, yaml)
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('bin/parley.js', () => {
  const skip = OLDER_NODE === undefined && 'no Node older than 26 on the PATH to start it with'

  it('runs the CLI on the project Node 26 when started by an older Node, outside npm', { skip }, async () => {
    const expected = `${VERSION}\nnode v${process.versions.node} ${PROJECT_NODE}\n`
    const env = shellEnv()
    // A dependent project's node_modules/.bin/parley (npm link and folder installs look the same).
    const dependentBin = join(dir, 'dependent', 'node_modules', '.bin')
    mkdirSync(dependentBin, { recursive: true })
    symlinkSync(LAUNCHER, join(dependentBin, 'parley'))
    // Started by the older Node explicitly, and as an executable (its #!/usr/bin/env node finds it).
    for (const [command, args] of [
      [OLDER_NODE as string, [LAUNCHER]],
      [LAUNCHER, []],
      [join(dependentBin, 'parley'), []],
    ] as const) {
      const r = exits(await run(command, [...args, '--version', '--verbose'], { env, inheritEnv: false }), 0)
      assert.equal(r.stdout, expected, command)
    }
    // Exit status, standard error and standard input pass through.
    const bad = exits(await run(LAUNCHER, ['frobnicate'], { env, inheritEnv: false }), 2)
    assert.match(bad.stderr, /^parley: unknown command "frobnicate"/)
    const added = await run(
      LAUNCHER,
      ['user', 'add', 'ida@example.test', '--name', 'Ida', '--password-stdin', '--config', configPath],
      { env, inheritEnv: false, stdin: 'ida-password-1\n' },
    )
    assert.match(exits(added, 0).stdout, /^SIP URI: +sip:ida@example\.test$/m)
  })

  it('parley start: JSON lines only, version in /health, a hint that works, SIGTERM stops it', {
    skip,
  }, async () => {
    const server = new Running(OLDER_NODE as string, [LAUNCHER, 'start', '--config', configPath], {
      env: shellEnv(),
    })
    try {
      const { url, pid } = await runningAt(server)
      assert.notEqual(pid, server.child.pid, 'the server runs in the Node 26 child')
      const live = await request(url, '/health/live')
      assert.deepEqual(live.json, { status: 'ok', version: VERSION })
      assert.equal((await request(url, '/health/ready')).json.version, VERSION)

      // Outside npm, with no parley on the PATH: the launcher's own path, usable from anywhere.
      const hint = await passwordHint(server)
      assert.equal(hint, `${LAUNCHER} user set-password bob@example.test --config ${configPath}`)
      const set = exits(await run('/bin/sh', ['-c', hint], { env: shellEnv(), inheritEnv: false }), 0)
      assert.match(set.stdout, /^Password changed for sip:bob@example\.test/m)

      server.child.kill('SIGTERM')
      assert.equal(await server.exited, 0, server.output)
      assert.equal(alive(pid), false, 'the Node 26 child is gone')
      await assert.rejects(request(url, '/health/live'), /ECONNREFUSED/)
      const records = server.records()
      assert.ok(records.some((r) => r.msg === 'stopping' && r.reason === 'SIGTERM'))
      assert.ok(records.some((r) => r.msg === 'stopped'))
      assert.doesNotMatch(server.output, /shown only this once/)
    } finally {
      server.child.kill('SIGKILL')
    }
  })
})

describe('npm start', () => {
  it('logs JSON only, prints a hint that works, and leaves nothing running after SIGTERM', async () => {
    const database = join(dir, 'demo.db')
    const npm = new Running('npm', ['start', '--', '--port', '0'], {
      env: shellEnv({ PARLEY_DEMO_DB: database }),
    })
    let below: number[] = []
    try {
      const { url, pid } = await runningAt(npm)
      below = descendants(npm.child.pid as number)
      assert.ok(below.includes(pid), `the server (${pid}) runs below npm (${below})`)
      assert.deepEqual((await request(url, '/health/live')).json, { status: 'ok', version: VERSION })
      const hint = await passwordHint(npm)
      assert.equal(
        hint,
        `PARLEY_DEMO_DB=${database} npm run -s parley -- user set-password alice@example.test --demo`,
      )
      const set = exits(await run('/bin/sh', ['-c', hint], { env: shellEnv(), inheritEnv: false }), 0)
      assert.match(set.stdout, /^Password changed for sip:alice@example\.test/m)

      npm.child.kill('SIGTERM')
      await npm.exited
      await until(() => below.every((p) => !alive(p)))
      await assert.rejects(request(url, '/health/live'), /ECONNREFUSED/)
      assert.ok(
        npm.records().some((r) => r.msg === 'stopped'),
        npm.output,
      )
      assert.ok(existsSync(database))
    } finally {
      for (const p of [npm.child.pid as number, ...below]) if (alive(p)) process.kill(p, 'SIGKILL')
    }
  })
})
