// Message bodies travel inside hrefs as data URIs (docs/protocol.md §3.2, §7.3):
// `data:text/plain;charset=utf-8,Hi+Tosh%0d%0a` — URL-encoded, `+` for space.
import type { ContentType, MessageContent } from './messaging-types.ts'

export function toDataUri(content: MessageContent): string {
  const encoded = encodeURIComponent(content.body).replace(/%20/g, '+')
  return `data:${content.contentType};charset=utf-8,${encoded}`
}

/** The content of a `data:text/plain…` or `data:text/html…` URI; undefined when it is not one. */
export function fromDataUri(uri: string): MessageContent | undefined {
  const m = /^data:(text\/(?:plain|html))((?:;[^,]*)?),(.*)$/is.exec(uri.trim())
  if (!m) return undefined
  const [, type, params = '', data = ''] = m
  try {
    const body = /;base64/i.test(params)
      ? Buffer.from(decodeURIComponent(data), 'base64').toString('utf8')
      : decodeURIComponent(data.replace(/\+/g, ' '))
    return { contentType: (type ?? '').toLowerCase() as ContentType, body }
  } catch {
    return undefined
  }
}
