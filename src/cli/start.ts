import { AUTODISCOVER_ROOT_PATH, TOKEN_PATH } from '../domain/autodiscover/autodiscover-service.ts'
import { start } from '../main.ts'
import { loadCliConfig, withPort } from './load-config.ts'
import { EXIT, parse } from './usage.ts'

type Env = Readonly<Record<string, string | undefined>>

const SHUTDOWN_GRACE_MS = 10_000

export async function runStart(args: string[], env: Env): Promise<number> {
  const { values } = parse(
    args,
    { config: { type: 'string' }, demo: { type: 'boolean' }, port: { type: 'string' } },
    false,
  )
  const config = withPort(loadCliConfig(values, env), values.port ?? (env.PARLEY_PORT || undefined))
  const server = await start(config)
  const out: string[] = [``, `Parley is running (${values.demo ? 'demo topology' : config.source}).`]
  for (const l of server.listeners) {
    const origin = l.url.replace('://[::1]', '://localhost').replace('://127.0.0.1', '://localhost')
    out.push(`  ${l.kind.padEnd(17)} ${origin}`)
  }
  const web = server.url.replace('://[::1]', '://localhost').replace('://127.0.0.1', '://localhost')
  out.push(
    ``,
    `  Autodiscover  ${web}${AUTODISCOVER_ROOT_PATH}`,
    `  Token         ${web}${TOKEN_PATH}`,
    `  UCWA          ${web}/ucwa/oauth/v1/applications`,
    `  Health        ${web}/health/ready`,
  )
  const generated = server.createdUsers.filter((u) => u.generatedPassword)
  if (generated.length > 0) {
    out.push(``, `New users were created. Their passwords are shown only this once:`)
    for (const { user, generatedPassword } of generated)
      out.push(`  ${user.sipUri.padEnd(32)} ${generatedPassword}`)
    out.push(`Change one with: parley user set-password <user>${values.demo ? ' --demo' : ''}`)
  }
  process.stdout.write(`${out.join('\n')}\n\n`)

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      process.stdout.write(`Received ${signal}; stopping…\n`)
      const force = setTimeout(() => process.exit(EXIT.failure), SHUTDOWN_GRACE_MS)
      force.unref()
      server.stop().then(resolve, resolve)
    }
    process.once('SIGINT', () => shutdown('SIGINT'))
    process.once('SIGTERM', () => shutdown('SIGTERM'))
  })
  return EXIT.ok
}
