// HTTPS listeners for tests: a throw-away self-signed certificate (openssl, EC P-256, one day, CN
// pool01.example.test) and a test server started on it. Every client under test skips
// verification or trusts it. The certificate's directory goes when the server stops.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestServer, type TestServer } from './server.ts'

type StartOptions = NonNullable<Parameters<typeof startTestServer>[0]>

/** The three usual listeners, the internal and external ones on TLS (`tls` as startTlsTestServer gives it). */
export const tlsListeners = (tls: string): string => `
  - { address: 127.0.0.1, port: 0, kind: internal, ${tls} }
  - { address: 127.0.0.1, port: 0, kind: external, ${tls} }
  - { address: 127.0.0.1, port: 0, kind: autodiscover-http }`

/**
 * startTestServer with a fresh self-signed certificate: `options` receives the listener setting
 * `tls: { certFile: "…", keyFile: "…" }` to put on the listeners that serve https.
 */
export async function startTlsTestServer(options: (tls: string) => StartOptions): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cert-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  let t: TestServer
  try {
    t = await startTestServer(options(selfSignedCert(dir)))
  } catch (error) {
    remove()
    throw error
  }
  return {
    ...t,
    async stop() {
      await t.stop()
      remove()
    },
  }
}

/** Writes cert.pem and key.pem into `dir`; returns the listener setting that names them. */
function selfSignedCert(dir: string): string {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=pool01.example.test',
    ],
    { stdio: 'ignore' },
  )
  return `tls: { certFile: "${cert}", keyFile: "${key}" }`
}
