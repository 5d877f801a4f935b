// Runs the real `parley` binary as a child process (this process's Node 26), for the CLI tests.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const MAIN = join(ROOT, 'src/cli/main.ts')

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `parley …args`; `stdin` is written, then closed. */
export function parley(args: string[], options: { stdin?: string; cwd?: string } = {}): Promise<Result> {
  // The CLI reads PARLEY_CONFIG / PARLEY_PORT; none may leak in from the developer's shell.
  const { PARLEY_CONFIG: _c, PARLEY_PORT: _p, ...env } = process.env
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
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
