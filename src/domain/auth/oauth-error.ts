// Errors of the WebTicket token endpoint. They use OAuth 2.0's shape ({"error": …}), not UCWA's,
// because that is what the endpoint answered on Lync and what clients parse.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'temporarily_unavailable'

export class OAuthError extends Error {
  override readonly name = 'OAuthError'
  readonly error: OAuthErrorCode
  /** Seconds until a throttled caller may try again. */
  readonly retryAfterSeconds: number | undefined

  constructor(error: OAuthErrorCode, description: string, retryAfterSeconds?: number) {
    super(description)
    this.error = error
    this.retryAfterSeconds = retryAfterSeconds
  }
}
