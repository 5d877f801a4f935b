// Which config a command uses: --demo, --config FILE, $PARLEY_CONFIG, or ./parley.yaml.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Config } from '../config/config.ts'
import { ConfigError } from '../config/config.ts'
import { demoConfig } from '../config/demo.ts'
import { loadConfigFile } from '../config/load.ts'
import type { Io } from './io.ts'

export function loadCliConfig(
  values: { config?: string | undefined; demo?: boolean | undefined },
  io: Pick<Io, 'env' | 'cwd'>,
): Config {
  if (values.demo) return demoConfig(io.env, io.cwd)
  const given = values.config ?? (io.env.PARLEY_CONFIG || undefined)
  // Absolute: messages and the hints `parley start` prints then work from any directory.
  const path = resolve(io.cwd, given ?? 'parley.yaml')
  if (given === undefined && !existsSync(path)) {
    throw new ConfigError(
      'parley.yaml',
      '',
      'no config file: pass --config FILE, set PARLEY_CONFIG, run "parley init", or use --demo',
    )
  }
  return loadConfigFile(path, io.env)
}

/** Applies --port (or $PARLEY_PORT) to the first web listener. */
export function withPort(config: Config, port: string | undefined): Config {
  if (port === undefined) return config
  // Number('') and Number(' ') are 0: an empty value must not silently mean "any free port".
  const n = /^\d+$/.test(port) ? Number(port) : Number.NaN
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new ConfigError('--port', '', `"${port}" is not a port number`)
  const index = config.listeners.findIndex((l) => l.kind !== 'autodiscover-http')
  return { ...config, listeners: config.listeners.map((l, i) => (i === index ? { ...l, port: n } : l)) }
}
