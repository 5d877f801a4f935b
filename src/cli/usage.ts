import { type ParseArgsConfig, parseArgs } from 'node:util'

export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const

/** The command line was wrong; the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** node:util parseArgs, with its errors turned into usage errors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  positionals = true,
) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}
