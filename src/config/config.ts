// The validated, defaulted configuration every component is built from (src/main.ts).
import type { ApplicationSettings } from '../domain/applications/application-rules.ts'
import type { AuthSettings } from '../domain/auth/auth-service.ts'
import type { ThrottleSettings } from '../domain/auth/sign-in-throttle.ts'
import type { MessagingSettings } from '../domain/messaging/messaging-service.ts'
import type { Topology } from '../domain/topology/topology.ts'
import type { NewUser } from '../domain/users/user-types.ts'

export type ListenerKind = 'internal' | 'external' | 'autodiscover-http'

export interface Listener {
  readonly address: string
  readonly port: number
  readonly kind: ListenerKind
  /** PEM certificate and key, read at load time so a bad path fails before anything listens. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined
  readonly public: { readonly scheme: 'http' | 'https'; readonly port: number } | undefined
  /** The `http.*` timeouts, the same object for every listener (each gets its own Node server). */
  readonly timeouts: HttpTimeouts
}

/** How long a request may take to arrive, and an idle connection to stay (docs/operations.md). */
export interface HttpTimeouts {
  /** The header block, from the connection or the request's first byte. */
  readonly headersTimeoutSeconds: number
  /** The whole request, headers and body. Responses (a parked P-GET) are not bounded by it. */
  readonly requestTimeoutSeconds: number
  /** An idle keep-alive connection between requests. */
  readonly keepAliveTimeoutSeconds: number
}

/** A user the config file provisions; the password applies only when the user is created. */
export interface ConfiguredUser extends NewUser {
  readonly password: string | undefined
}

export interface Config {
  /** Where this config came from (a file path, or `demo`), for messages. */
  readonly source: string
  readonly topology: Topology
  readonly listeners: readonly Listener[]
  readonly storage: {
    /** The SQLite file (unused when `postgres` is set). */
    readonly sqlitePath: string
    /** Set for a cluster: every node shares this PostgreSQL database. */
    readonly postgres: { readonly url: string; readonly maxConnections: number } | undefined
  }
  /** Set for a cluster: wake-ups travel between nodes through Redis pub/sub. */
  readonly bus: {
    readonly redis:
      | { readonly url: string; readonly channel: string; readonly recheckSeconds: number }
      | undefined
  }
  readonly users: readonly ConfiguredUser[]
  readonly auth: AuthSettings
  readonly throttle: ThrottleSettings
  readonly applications: ApplicationSettings
  readonly http: {
    readonly bodyLimitBytes: number
    /** Addresses (or CIDRs) of reverse proxies whose X-Forwarded-For is believed; false for none. */
    readonly trustProxy: string[] | boolean
    readonly timeouts: HttpTimeouts
  }
  readonly logging: { readonly level: string }
  /** The admin REST API (docs/policies.md): served on internal listeners, and on external ones
   * only with `exposeOnExternal`. */
  readonly admin: { readonly exposeOnExternal: boolean }
  readonly events: {
    /** Hold used when a P-GET names no timeout. */
    readonly defaultTimeoutSeconds: number
    /** Longest hold a client may ask for. */
    readonly maxTimeoutSeconds: number
    /** Most events in one response. */
    readonly maxBatchEvents: number
  }
  readonly messaging: MessagingSettings & {
    /** Days a conversation log is kept after its last message (`messaging.historyRetentionDays`). */
    readonly historyRetentionDays: number
  }
}

/** The config file is wrong. Names the file and the key at fault; the CLI exits non-zero. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly file: string
  readonly key: string

  constructor(file: string, key: string, message: string) {
    super(`${file}: ${key ? `${key}: ` : ''}${message}`)
    this.file = file
    this.key = key
  }
}

/** 1 MiB: generous for UCWA JSON and batch bodies, small enough to refuse floods early. */
export const DEFAULT_BODY_LIMIT_BYTES = 1_048_576

/**
 * Headers in 30 s and the whole request in 120 s (IIS's HeaderWait and EntityBody defaults are
 * 120 s; a 1 MiB body at 70 kbit/s fits); idle keep-alive connections for 65 s, above the 60 s
 * idle limit of common load balancers, so the balancer, not Parley, closes them first.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersTimeoutSeconds: 30,
  requestTimeoutSeconds: 120,
  keepAliveTimeoutSeconds: 65,
}
