// Table shapes as Kysely sees them. One schema for SQLite and PostgreSQL: times are epoch
// milliseconds (bigint-safe numbers), booleans are 0/1 integers, small documents are JSON text.

export interface UsersTable {
  id: string
  sip_uri: string
  display_name: string
  email: string | null
  title: string | null
  department: string | null
  phones: string
  home_pool: string
  enterprise_voice: number
  line_uri: string | null
  enabled: number
  password_hash: string | null
  created_at: number
  updated_at: number
}

export interface TokensTable {
  digest: string
  user_id: string
  pool: string
  issued_at: number
  expires_at: number
}

export interface ApplicationsTable {
  id: string
  user_id: string
  pool: string
  endpoint_id: string
  user_agent: string
  culture: string
  type: string
  instance_id: string | null
  kind: string
  created_at: number
  last_activity_at: number
  expires_at: number
  communication: string
}

export interface Database {
  users: UsersTable
  tokens: TokensTable
  applications: ApplicationsTable
}
