// Which config a command uses: --demo, --config FILE, $PARLEY_CONFIG, or ./parley.yaml.
import { existsSync } from 'node:fs'
import type { Config } from '../config/config.ts'
import { ConfigError } from '../config/config.ts'
import { demoConfig } from '../config/demo.ts'
import { loadConfigFile } from '../config/load.ts'

type Env = Readonly<Record<string, string | undefined>>

export function loadCliConfig(
  values: { config?: string | undefined; demo?: boolean | undefined },
  env: Env,
): Config {
  if (values.demo) return demoConfig(env)
  const path = values.config ?? env.PARLEY_CONFIG ?? 'parley.yaml'
  if (!values.config && !env.PARLEY_CONFIG && !existsSync(path)) {
    throw new ConfigError(
      path,
      '',
      'no config file: pass --config FILE, set PARLEY_CONFIG, run "parley init", or use --demo',
    )
  }
  return loadConfigFile(path, env)
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
