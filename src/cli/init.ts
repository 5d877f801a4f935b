import { existsSync, writeFileSync } from 'node:fs'
import { SAMPLE_CONFIG_YAML } from '../config/sample.ts'
import { EXIT, parse } from './usage.ts'

export function runInit(args: string[]): number {
  const { values, positionals } = parse(args, { force: { type: 'boolean' } })
  const path = positionals[0] ?? 'parley.yaml'
  if (existsSync(path) && !values.force) {
    process.stderr.write(`parley: ${path} already exists; pass --force to overwrite it\n`)
    return EXIT.failure
  }
  writeFileSync(path, SAMPLE_CONFIG_YAML, { mode: 0o640 })
  process.stdout.write(`Wrote ${path}. Edit it, then run: parley start --config ${path}\n`)
  return EXIT.ok
}
