// ETags and the "please pass this in a PUT request" property (docs/protocol.md §3.4). Both are
// derived from content and ids rather than stored, so every node of a cluster agrees on them.
import { createHash } from 'node:crypto'

/** A decimal entity tag of a resource's properties (FNV-1a, like the numeric etags Lync emitted). */
export function etagOf(value: unknown): string {
  const text = JSON.stringify(value)
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return String(hash)
}

export const PUT_GUID_VALUE = 'please pass this in a PUT request'

/** The GUID-named property a PUT-able resource carries; stable per application and resource. */
export function putGuid(applicationId: string, rel: string): string {
  const h = createHash('sha1').update(`${applicationId}\n${rel}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** If-Match values arrive quoted or bare, sometimes weak (`W/"…"`) or as a list. */
export function ifMatchList(header: string | undefined): string[] {
  if (!header) return []
  return header.split(',').map((v) =>
    v
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1'),
  )
}
