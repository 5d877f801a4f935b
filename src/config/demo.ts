// The demo deployment `npm start` runs: SIP domain example.test, one Front End pool reachable as
// http://localhost:8080, users alice and bob (passwords generated and printed at first start).
import type { Config } from './config.ts'
import { parseConfig } from './load.ts'

export const DEMO_PORT = 8080

export const DEMO_CONFIG_YAML = `# Parley demo topology (what \`npm start\` runs).
sipDomains:
  - name: example.test
    default: true
sites:
  - name: Demo
pools:
  - fqdn: pool01.example.test
    site: Demo
    role: frontend
    # The demo is reached as localhost; a real pool uses its internal web services FQDN here.
    internalWebFqdn: localhost
    externalWebFqdn: webext.example.test
listeners:
  - address: localhost
    port: \${PARLEY_PORT:-${DEMO_PORT}}
    kind: internal
storage:
  sqlite:
    path: \${PARLEY_DEMO_DB:-data/demo.db}
users:
  - sipUri: alice@example.test
    name: Alice Adams
    email: alice@example.test
    title: Engineer
    department: Research
    phones:
      work: tel:+14255550101
      mobile: tel:+14255550201
    homePool: pool01.example.test
    enterpriseVoice: true
    lineUri: tel:+14255550101
  - sipUri: bob@example.test
    name: Bob Baker
    email: bob@example.test
    title: Sales Manager
    department: Sales
    phones:
      work: tel:+14255550102
    homePool: pool01.example.test
`

/** The demo config; its database lives under `baseDir`'s data/ (the current directory's). */
export function demoConfig(
  env: Readonly<Record<string, string | undefined>>,
  baseDir = process.cwd(),
): Config {
  return parseConfig(DEMO_CONFIG_YAML, { file: 'demo', env, baseDir })
}
