// Requests Node's HTTP parser refuses before Fastify sees them (not HTTP, an unknown method, a
// header block over the limit, a broken chunked body, headers or body that never finish) and
// CONNECT, which no route can serve: answered with a UCWA error body like every other failure,
// with `Connection: close`, instead of Node's bare status line (or, for CONNECT, nothing at all).
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'

interface Refusal {
  readonly status: number
  readonly code: string
  readonly message: string
}

const MALFORMED: Refusal = { status: 400, code: 'BadRequest', message: 'The request is not valid HTTP/1.1.' }

// By Node's error code (llhttp's HPE_* and ERR_HTTP_REQUEST_TIMEOUT); anything else is MALFORMED.
const REFUSALS: Readonly<Record<string, Refusal>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'Timeout',
    message: 'The request headers or body did not arrive in time; send the request again.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'EntityTooLarge',
    message: 'The request header block is larger than the server accepts.',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    code: 'EntityTooLarge',
    message: 'The chunk extensions of the request body are larger than the server accepts.',
  },
  HPE_INVALID_METHOD: {
    status: 400,
    code: 'BadRequest',
    message: 'The request method is not one HTTP knows.',
  },
  HPE_INVALID_URL: { status: 400, code: 'BadRequest', message: 'The request target is malformed.' },
  HPE_INVALID_VERSION: { status: 400, code: 'BadRequest', message: 'The HTTP version is malformed.' },
  HPE_INVALID_CHUNK_SIZE: {
    status: 400,
    code: 'BadRequest',
    message: 'The chunked request body is malformed.',
  },
  HPE_INVALID_CONTENT_LENGTH: { status: 400, code: 'BadRequest', message: 'Content-Length is not valid.' },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    status: 400,
    code: 'BadRequest',
    message: 'Content-Length and Transfer-Encoding: chunked cannot both be sent.',
  },
  HPE_INVALID_HEADER_TOKEN: { status: 400, code: 'BadRequest', message: 'A request header is malformed.' },
}

const CONNECT_REFUSAL: Refusal = {
  status: 400,
  code: 'BadRequest',
  message: 'CONNECT is not supported: this server is not a proxy.',
}

/** After answering, how long a socket may still trickle bytes in before it is destroyed. */
const LINGER_MS = 5_000

// Node emits clientError again for every chunk that reaches an errored parser: answer once.
const answered = new WeakSet<Socket>()

/** The whole response, headers in IIS's spelling, as Node itself writes these refusals raw. */
function wire(refusal: Refusal): string {
  const body = JSON.stringify({ code: refusal.code, message: refusal.message })
  return (
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  )
}

/**
 * Sends `refusal` and closes. The response goes out with FIN, and what the client still sends is
 * read and dropped for a moment, so the close does not turn into a reset that could destroy the
 * response before the client reads it. With a request in flight (its body timed out) the socket
 * goes at once: a body completing late must not reach a handler after the refusal went out.
 */
function answer(socket: Socket, refusal: Refusal, inFlight: boolean): void {
  answered.add(socket)
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.end(wire(refusal))
  if (inFlight) {
    socket.destroy()
    return
  }
  socket.resume()
  const timer = setTimeout(() => socket.destroy(), LINGER_MS)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}

/** Fastify's `clientErrorHandler`: `this` is the Fastify instance. */
export function clientErrorHandler(
  this: { log: Logger },
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (socket.destroyed || answered.has(socket)) return
  if (error.code === 'ECONNRESET') {
    socket.destroy()
    return
  }
  const refusal = REFUSALS[error.code ?? ''] ?? MALFORMED
  // A response Node is already writing cannot be replaced by another one; just close.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (inFlight?.headersSent) {
    socket.destroy()
    return
  }
  this.log.info(
    { code: refusal.code, status: refusal.status, reason: error.code, remoteAddress: socket.remoteAddress },
    'request refused',
  )
  answer(socket, refusal, Boolean(inFlight))
}

/** The server's `connect` listener (a CONNECT request; without one Node drops the socket silently). */
export function connectRefusal(log: Logger): (req: IncomingMessage, socket: Socket) => void {
  return (req, socket) => {
    log.info(
      { code: CONNECT_REFUSAL.code, method: req.method, remoteAddress: socket.remoteAddress },
      'request refused',
    )
    answer(socket, CONNECT_REFUSAL, false)
  }
}
