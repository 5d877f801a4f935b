// `parley init [FILE]`: writes the commented starter config (src/config/sample.ts), which runs as
// written: `parley start --config FILE` and every other command work on it before any edit.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { SAMPLE_CONFIG_YAML } from '../config/sample.ts'
import { parleyCommand, shellWord } from './invocation.ts'
import type { Io } from './io.ts'
import { EXIT, parse, UsageError } from './usage.ts'

export async function runInit(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { force: { type: 'boolean' } })
  if (positionals.length > 1) throw new UsageError('init takes one FILE')
  const given = positionals[0] ?? 'parley.yaml'
  const path = resolve(io.cwd, given)
  if (existsSync(path) && !values.force) {
    io.err(`parley: ${given} already exists; pass --force to overwrite it\n`)
    return EXIT.failure
  }
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, SAMPLE_CONFIG_YAML, { mode: 0o640 })
  io.out(`Wrote ${given}. Edit it, then run: ${parleyCommand(io.env)} start --config ${shellWord(given)}\n`)
  return EXIT.ok
}
