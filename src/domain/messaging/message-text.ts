// What a message may hold and how each endpoint reads it: at most `maxBytes` of UTF-8, not blank,
// HTML sanitised to formatting and links; an endpoint that negotiated only Plain gets an HTML
// message as its text (docs/protocol.md §7.2: HTML goes only where Html was negotiated).
import type { Application } from '../applications/application-types.ts'
import { UcwaError } from '../errors.ts'
import type { HtmlSanitizer } from '../ports.ts'
import type { MessageContent } from './messaging-types.ts'

export class MessageText {
  readonly #sanitizer: HtmlSanitizer
  readonly #maxBytes: number

  constructor(sanitizer: HtmlSanitizer, maxBytes: number) {
    this.#sanitizer = sanitizer
    this.#maxBytes = maxBytes
  }

  /** The content to store: 413 when too large, 400 when blank; HTML sanitised. */
  clean(content: MessageContent): MessageContent {
    if (Buffer.byteLength(content.body) > this.#maxBytes) {
      throw new UcwaError('EntityTooLarge', {
        message: `A message may hold at most ${this.#maxBytes} bytes.`,
      })
    }
    if (content.body.trim() === '') {
      throw new UcwaError('ParameterValidationFailure', { message: 'The message is empty.' })
    }
    return content.contentType === 'text/html'
      ? { contentType: 'text/html', body: this.#sanitizer.sanitize(content.body) }
      : content
  }

  /** The content as the reading endpoint takes it; plain messages need no look at the endpoint. */
  async asTheyRead(
    content: MessageContent,
    reader: () => Promise<Application | undefined>,
  ): Promise<MessageContent> {
    if (content.contentType !== 'text/html') return content
    const app = await reader()
    if (app?.communication.supportedMessageFormats.includes('Html')) return content
    return { contentType: 'text/plain', body: this.#sanitizer.toText(content.body) }
  }
}
