// The config file's shape. One YAML file describes the deployment; see docs/configuration.md
// (and `parley init` for a commented starter). Keys are camelCase; unknown keys are errors, so a
// typo never silently falls back to a default.
import Type from 'typebox'

const Fqdn = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' })
const Port = Type.Integer({ minimum: 0, maximum: 65_535 })
const Seconds = Type.Integer({ minimum: 1 })

const Phones = Type.Object(
  {
    work: Type.Optional(Type.String()),
    mobile: Type.Optional(Type.String()),
    home: Type.Optional(Type.String()),
    other: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

export const ListenerSchema = Type.Object(
  {
    /** Address to bind: `0.0.0.0`, `::`, `127.0.0.1`, `localhost`. */
    address: Type.String({ default: '0.0.0.0' }),
    port: Port,
    /** internal | external (web services) or autodiscover-http (the port-80 → 8080 first hop). */
    kind: Type.Union([Type.Literal('internal'), Type.Literal('external'), Type.Literal('autodiscover-http')]),
    /** TLS certificate and key (PEM files); omit for plain HTTP behind a TLS-terminating proxy. */
    tls: Type.Optional(
      Type.Object({ certFile: Type.String(), keyFile: Type.String() }, { additionalProperties: false }),
    ),
    /** How clients reach this listener when a proxy publishes it differently (scheme, port). */
    public: Type.Optional(
      Type.Object(
        { scheme: Type.Union([Type.Literal('http'), Type.Literal('https')]), port: Port },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export const ConfigSchema = Type.Object(
  {
    sipDomains: Type.Array(
      Type.Object(
        {
          name: Fqdn,
          default: Type.Optional(Type.Boolean()),
          /** Pool that lyncdiscover.<name> answers for; defaults to a Director, else the first pool. */
          discoveryPool: Type.Optional(Fqdn),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    sites: Type.Array(
      Type.Object(
        { name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    pools: Type.Array(
      Type.Object(
        {
          fqdn: Fqdn,
          site: Type.String(),
          role: Type.Union([Type.Literal('frontend'), Type.Literal('director')]),
          internalWebFqdn: Fqdn,
          externalWebFqdn: Fqdn,
          /** Full origins that override the computed ones (`https://webext.contoso.com`). */
          internalWebUrl: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
          externalWebUrl: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    listeners: Type.Array(ListenerSchema, { minItems: 1 }),
    /** Exactly one of sqlite (one node) or postgres (a cluster); PARLEY_POSTGRES_URL picks postgres. */
    storage: Type.Object(
      {
        sqlite: Type.Optional(
          Type.Object({ path: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        ),
        postgres: Type.Optional(
          Type.Object(
            {
              /** postgres://user:password@host:5432/db (use `${ENV_VAR}` for the password). */
              url: Type.String({ pattern: '^postgres(ql)?://' }),
              /** Connections per node (PostgreSQL's max_connections must cover every node). */
              maxConnections: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    /** Cross-node wake-ups; omit on a single node. PARLEY_REDIS_URL sets it too. */
    bus: Type.Optional(
      Type.Object(
        {
          redis: Type.Optional(
            Type.Object(
              {
                /** redis://[:password@]host:6379[/db] (use `${ENV_VAR}` for the password). */
                url: Type.String({ pattern: '^rediss?://' }),
                /** Pub/sub channel; two clusters sharing one Redis need different ones. */
                channel: Type.Optional(Type.String({ minLength: 1 })),
                /** Bound on a lost wake-up: each parked P-GET re-reads its queue this often. */
                recheckSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    users: Type.Optional(
      Type.Array(
        Type.Object(
          {
            sipUri: Type.String(),
            name: Type.String({ minLength: 1 }),
            /** Initial password (use `${ENV_VAR}`); set only when the user is first created. */
            password: Type.Optional(Type.String()),
            email: Type.Optional(Type.String()),
            title: Type.Optional(Type.String()),
            department: Type.Optional(Type.String()),
            phones: Type.Optional(Phones),
            homePool: Type.String(),
            enterpriseVoice: Type.Optional(Type.Boolean()),
            lineUri: Type.Optional(Type.String()),
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          tokenLifetimeSeconds: Type.Optional(Seconds),
          throttle: Type.Optional(
            Type.Object(
              {
                addressMaxFailures: Type.Optional(Seconds),
                pairFreeFailures: Type.Optional(Seconds),
                pairMaxBackoffSeconds: Type.Optional(Seconds),
                userMaxFailures: Type.Optional(Seconds),
                windowSeconds: Type.Optional(Seconds),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    applications: Type.Optional(
      Type.Object(
        {
          browserIdleTimeoutSeconds: Type.Optional(Seconds),
          desktopIdleTimeoutSeconds: Type.Optional(Seconds),
          mobileIdleTimeoutSeconds: Type.Optional(Seconds),
          maxPerUser: Type.Optional(Seconds),
        },
        { additionalProperties: false },
      ),
    ),
    http: Type.Optional(
      Type.Object(
        {
          /** Largest request body accepted (413 beyond). */
          bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
          /** Reverse proxies (addresses or CIDRs) whose X-Forwarded-For names the real client. */
          trustProxy: Type.Optional(Type.Array(Type.String())),
          /** A request's header block must arrive within this (slow clients and slow-loris; 408). */
          headersTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
          /** The whole request, headers and body, must arrive within this; ≥ headersTimeoutSeconds. */
          requestTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
          /** An idle keep-alive connection is closed after this (above a load balancer's idle limit). */
          keepAliveTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
        },
        { additionalProperties: false },
      ),
    ),
    events: Type.Optional(
      Type.Object(
        {
          /** Hold when the client gives no timeout; ≤ 20 s because some HTTP stacks give up at 30 s. */
          defaultTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 1800 })),
          /** Longest hold a client may ask for (stay under proxies' and NATs' idle limits). */
          maxTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 1800 })),
          maxBatchEvents: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    messaging: Type.Optional(
      Type.Object(
        {
          /** Days a conversation log (history, missed conversations) is kept after its last message. */
          historyRetentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          /** Seconds an invitation rings before it fails with NoAnswer (Lync: ~30). */
          answerTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 600 })),
          /** Largest message, in bytes of UTF-8 (413 beyond). */
          maxMessageBytes: Type.Optional(Type.Integer({ minimum: 256, maximum: 1_048_576 })),
          /** Messages one user may send per rateWindowSeconds (429 beyond). */
          maxMessagesPerWindow: Type.Optional(Type.Integer({ minimum: 1 })),
          rateWindowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
          /** Participants of one conversation, the invited included. */
          maxParticipants: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })),
          /** Minutes an ended conversation no log keeps is kept, its messages with it. */
          endedRetentionMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 525_600 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** The admin REST API; internal listeners only unless exposeOnExternal (docs/policies.md). */
    admin: Type.Optional(
      Type.Object({ exposeOnExternal: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    ),
    logging: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.Union(
              ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

export type RawConfig = Type.Static<typeof ConfigSchema>
export type ListenerConfig = Type.Static<typeof ListenerSchema>
