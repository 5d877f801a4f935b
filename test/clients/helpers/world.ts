// The deployment the client-shaped tests point published clients at: Parley over TLS on its
// internal and external listeners (a self-signed certificate; every client under test skips
// verification or trusts it), the plain-HTTP first hop on the autodiscover-http listener, and
// example.test discovered straight on its Front End pool (no Director in the way), as the small
// on-premises deployments these clients were written against were. other.test keeps the
// Director, for the clients that follow `redirect`.
import { type TestServer, topologyYaml } from '../../helpers/server.ts'
import { startTlsTestServer, tlsListeners } from '../../helpers/tls.ts'
import { availableAll, type Client, signedInApp } from '../../helpers/ucwa-client.ts'
import type { Dns } from './wire.ts'

/** Internal web FQDNs: a port-less https URL on one of these reaches the internal listener. */
const INTERNAL_NAMES = /^(lyncdiscoverinternal\.|pool0\d\.|dir01\.)/i

export interface World {
  readonly t: TestServer
  readonly dns: Dns
  /** `https://<fqdn>:<port>` of a pool's internal web FQDN, as Autodiscover publishes it. */
  origin(fqdn: string): string
  stop(): Promise<void>
}

export async function startWorld(): Promise<World> {
  const t = await startTlsTestServer((tls) => {
    const yaml = topologyYaml(tlsListeners(tls)).replace(
      '  - name: example.test\n    default: true\n',
      '  - name: example.test\n    default: true\n    discoveryPool: pool01.example.test\n',
    )
    if (!yaml.includes('discoveryPool')) throw new Error('topology template changed: no discoveryPool set')
    return { yaml }
  })
  const port = (base: string) => Number(new URL(base).port)
  const dns: Dns = {
    portFor(url) {
      if (url.port) return Number(url.port)
      if (url.protocol === 'http:') return port(t.discovery)
      return INTERNAL_NAMES.test(url.hostname) ? port(t.internal) : port(t.external)
    },
  }
  return {
    t,
    dns,
    origin: (fqdn) => `https://${fqdn}:${port(t.internal)}`,
    stop: () => t.stop(),
  }
}

/**
 * A world and bob, the other end of the conversations the clients under test hold: signed in on
 * pool01 through the test harness, available, his queue drained.
 */
export async function startWorldWithBob(): Promise<{ w: World; bob: Client }> {
  const w = await startWorld()
  try {
    const bob = await signedInApp(w.t, 'bob')
    await availableAll(bob)
    return { w, bob }
  } catch (error) {
    await w.stop()
    throw error
  }
}

/** A new RFC 4122 GUID string (36 characters), as .NET's Guid.NewGuid().ToString() writes it. */
export { randomUUID as guid } from 'node:crypto'
