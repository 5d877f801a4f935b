// What a command sees of its process: arguments' environment, working directory and the three
// standard streams. The `parley` process passes its own (processIo); tests run commands in-process
// with captured ones, so most CLI tests need no process of their own.
import { readFileSync } from 'node:fs'

export type Env = Readonly<Record<string, string | undefined>>

export interface Io {
  readonly env: Env
  /** Relative paths (--config, init's FILE, the demo's data/) resolve against this. */
  readonly cwd: string
  out(text: string): void
  err(text: string): void
  /** All of standard input (`--password-stdin`). */
  readStdin(): string
  /** Whether standard output / error is a terminal (a person reads it, not a log file). */
  readonly stdoutIsTerminal: boolean
  readonly stderrIsTerminal: boolean
}

export function processIo(): Io {
  // `parley … | head`: a reader that went away is no error of the command's (which still
  // finishes, closing its store); the rest of its output has nowhere to go.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
    })
  }
  return {
    env: process.env,
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readStdin: () => readFileSync(0, 'utf8'),
    stdoutIsTerminal: process.stdout.isTTY === true,
    stderrIsTerminal: process.stderr.isTTY === true,
  }
}
