// The commented starter config `parley init` writes. test/unit/config.test.ts checks it loads.
export const SAMPLE_CONFIG_YAML = `# Parley configuration. Reference: docs/configuration.md
#
# Values may use \${ENV_VAR} or \${ENV_VAR:-default}: keep secrets (initial passwords, key
# passphrases) in the environment, not in this file. Relative paths are relative to this file.

# SIP domains users sign in with. Exactly one is the default (it answers unknown discovery
# requests and completes DOMAIN\\user sign-in names).
sipDomains:
  - name: contoso.com
    default: true
    # discoveryPool: dir01.contoso.com   # pool lyncdiscover.contoso.com points at; default: a
    #                                    # Director if there is one, else the first pool.

# Sites group pools; site-scoped policies follow a user's home pool's site.
sites:
  - name: Redmond

# Front End pools home users; Directors home none and redirect every user to their home pool.
# Each pool's internal and external web services FQDNs must differ (Lync's rule).
pools:
  - fqdn: pool01.contoso.com
    site: Redmond
    role: frontend
    internalWebFqdn: pool01.contoso.com
    externalWebFqdn: webext.contoso.com
    # externalWebUrl: https://webext.contoso.com   # set when a reverse proxy publishes the pool
    #                                               # on another scheme/port than Parley listens on

# Listeners. kind: internal | external (web services), or autodiscover-http: the plain-HTTP first
# hop for lyncdiscover.<domain> (a proxy's port 80 bridged to it, as Lync's 80 → 8080 rule); it
# serves only the Autodiscover root and XFrame, and its links point at the HTTPS external URLs.
#
# As written, Parley runs behind a TLS-terminating reverse proxy on this host: plain HTTP on
# 127.0.0.1, published as https://<web FQDN> (\`public\`), so it starts without a certificate or
# privileges. To serve HTTPS itself, listen on 0.0.0.0, give each web listener its certificate
# (PEM files, relative to this file) and drop \`public\`; ports below 1024 need root or
# CAP_NET_BIND_SERVICE:
#     port: 443
#     tls:
#       certFile: certs/pool01.pem
#       keyFile: certs/pool01-key.pem
listeners:
  - address: 127.0.0.1
    port: 8443
    kind: internal
    public: { scheme: https, port: 443 }   # how clients reach it through the reverse proxy
  - address: 127.0.0.1
    port: 4443
    kind: external
    public: { scheme: https, port: 443 }
  - address: 127.0.0.1
    port: 8080
    kind: autodiscover-http

storage:
  sqlite:
    path: data/parley.db
  # A cluster of nodes (docs/cluster.md) shares PostgreSQL instead (or set PARLEY_POSTGRES_URL):
  # postgres:
  #   url: postgres://parley:\${PARLEY_DB_PASSWORD}@db.contoso.com:5432/parley
  #   maxConnections: 10

# Users provisioned from this file (more can be added with \`parley user add\`). Without a
# password, the first start generates one and shows it once on the terminal (never in the log);
# \`parley user set-password\` sets another. A password here (e.g. \`password: \${LENE_PASSWORD}\`,
# from the environment) is set only when the user is first created.
users:
  - sipUri: lene@contoso.com
    name: Lene Aaling
    email: lene@contoso.com
    title: Engineer
    department: Research
    phones:
      work: tel:+14255550100
    homePool: pool01.contoso.com
    enterpriseVoice: true
    lineUri: tel:+14255550100

# auth:
#   tokenLifetimeSeconds: 28800        # 8 h, as Lync
#   throttle:                          # failed sign-ins; see docs/security.md
#     addressMaxFailures: 30
#     pairFreeFailures: 5
#     pairMaxBackoffSeconds: 300
#     userMaxFailures: 50
#     windowSeconds: 900
# applications:
#   browserIdleTimeoutSeconds: 900     # UCWA: ~15 min without a P-GET
#   desktopIdleTimeoutSeconds: 900
#   mobileIdleTimeoutSeconds: 86400    # MobileApplicationExpiryTimeInDays=1
#   maxPerUser: 10
# http:
#   bodyLimitBytes: 1048576
#   trustProxy: [10.0.0.5]             # reverse proxies whose X-Forwarded-For is believed
#   headersTimeoutSeconds: 30          # a request's headers must arrive within this (else 408)
#   requestTimeoutSeconds: 120         # ... and the whole request; parked P-GETs are not affected
#   keepAliveTimeoutSeconds: 65        # idle keep-alive connections; keep above a balancer's idle limit
# messaging:
#   historyRetentionDays: 30           # conversation history and missed conversations
#   answerTimeoutSeconds: 30           # an unanswered invitation fails (NoAnswer)
#   maxMessageBytes: 65536
#   maxMessagesPerWindow: 100          # per sender, per rateWindowSeconds
#   rateWindowSeconds: 10
#   maxParticipants: 100
#   endedRetentionMinutes: 60          # an ended conversation in nobody's history, with its messages
# admin:
#   exposeOnExternal: false            # the admin API (/admin/v1) on external listeners too
# logging:
#   level: info                        # fatal | error | warn | info | debug | trace | silent
# bus:                                 # a cluster's wake-ups between nodes (or PARLEY_REDIS_URL)
#   redis:
#     url: redis://redis.contoso.com:6379
#     recheckSeconds: 10               # the most a lost wake-up delays an event
`
