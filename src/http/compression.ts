// gzip when the client accepts it (docs/protocol.md §12 item 17: one real client gunzips every
// response unconditionally, as IIS compressed dynamic JSON). Done in onSend on the finished
// body rather than with a streaming plugin, so every response keeps its Content-Length.
import { gzip } from 'node:zlib'
import type { FastifyInstance } from 'fastify'

export function installCompression(app: FastifyInstance): void {
  // Callback style: most responses are not compressed, and an async hook would cost each a
  // promise and a microtask turn.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload)
    if (reply.statusCode === 204 || reply.statusCode === 304 || req.method === 'HEAD')
      return done(null, payload)
    const vary = reply.getHeader('vary')
    reply.header('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding')
    if (!acceptsGzip(req.headers['accept-encoding']) || reply.hasHeader('content-encoding')) {
      return done(null, payload)
    }
    gzip(payload, (error, compressed) => {
      if (error) return done(error)
      reply.header('content-encoding', 'gzip')
      reply.header('content-length', compressed.length)
      done(null, compressed)
    })
  })
}

/** True when Accept-Encoding lists gzip (or x-gzip) without refusing it (`gzip;q=0`). */
function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim())
    if (coding !== 'gzip' && coding !== 'x-gzip') continue
    const q = params.find((p) => /^q\s*=/.test(p))
    return q === undefined || Number.parseFloat(q.replace(/^q\s*=\s*/, '')) > 0
  }
  return false
}
