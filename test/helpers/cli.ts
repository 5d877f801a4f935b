// Runs `parley` for the CLI tests, two ways:
// - cli(): the command line in this process (src/cli/run.ts runCli), with captured streams and an
//   environment of the test's choosing — the same code as the binary minus the process, so a test
//   costs milliseconds instead of a Node start;
// - parley(): the real binary as a child process (this process's Node 26), for what only a process
//   shows: exit statuses, standard input, the launcher, signals.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Io } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/run.ts'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const MAIN = join(ROOT, 'src/cli/main.ts')
export const LAUNCHER = join(ROOT, 'bin/parley.js')

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  /** Written to standard input, which is then closed. */
  readonly stdin?: string
  readonly cwd?: string
  /**
   * The environment: for cli(), all of it; for a child, on top of this process's minus PARLEY_*
   * (or of nothing with `inheritEnv: false`).
   */
  readonly env?: Record<string, string>
  readonly inheritEnv?: boolean
}

/** Runs `parley …args` in this process. */
export async function cli(args: string[], options: RunOptions = {}): Promise<Result> {
  let stdout = ''
  let stderr = ''
  const io: Io = {
    env: options.env ?? {},
    cwd: options.cwd ?? ROOT,
    out: (text) => {
      stdout += text
    },
    err: (text) => {
      stderr += text
    },
    readStdin: () => options.stdin ?? '',
    stdoutIsTerminal: false,
    stderrIsTerminal: false,
  }
  const code = await runCli(args, io)
  return { code, stdout, stderr }
}

/** The environment of a spawned `parley`: this process's, without the CLI's own variables. */
export function childEnv(options: RunOptions = {}): NodeJS.ProcessEnv {
  if (options.inheritEnv === false) return { ...options.env }
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) if (name.startsWith('PARLEY_')) delete env[name]
  return { ...env, ...options.env }
}

/** PATH as in a shell outside npm: without the node_modules/.bin folders npm and npx put first. */
export const SHELL_PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => !dir.includes(`node_modules${sep}.bin`) && !dir.includes(`${sep}node-gyp-bin`))
  .join(delimiter)

/** An environment as a person's shell has it (no npm variables, no node_modules/.bin). */
export function shellEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: SHELL_PATH, HOME: process.env.HOME ?? tmpdir(), ...extra }
}

/**
 * Resolves once `check` holds, looking every 50 ms. Gives up (throws) only after 100 s — far past
 * anything a loaded machine needs, and before the runner's 120 s per-test limit — so a condition
 * that never comes fails the test instead of leaving a loop that keeps its process alive.
 */
export async function until(check: () => boolean | Promise<boolean>, what = 'the condition'): Promise<void> {
  const giveUpAt = Date.now() + 100_000
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`${what} did not hold within 100 s`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Runs the real `parley` binary (src/cli/main.ts on this Node) as a child process. */
export function parley(args: string[], options: RunOptions = {}): Promise<Result> {
  return run(process.execPath, [MAIN, ...args], options)
}

/** Runs `command args…`, collecting its output; `stdin` is written, then closed. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: childEnv(options),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }))
    child.stdin.end(options.stdin ?? '')
  })
}

/** Asserts the exit code, showing the output when it is not the expected one. */
export function exits(result: Result, code: number): Result {
  assert.equal(result.code, code, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`)
  return result
}
