// The one pino logger; every module logs through a child of it. Secrets are redacted here so no
// code path can leak them: tokens, cookies, passwords, push tokens.
import pino, { type Logger } from 'pino'

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-ms-webticket"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.token',
  '*.pushToken',
]

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }
  return destination ? pino(options, destination) : pino(options)
}
