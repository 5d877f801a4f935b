// HTML instant messages, sanitised with sanitize-html: formatting and links only — no scripts,
// no event handlers, no styles that load anything, no remote content (images, frames, CSS urls).
import sanitizeHtml from 'sanitize-html'
import type { HtmlSanitizer } from '../domain/ports.ts'

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'b',
    'strong',
    'i',
    'em',
    'u',
    's',
    'strike',
    'span',
    'font',
    'br',
    'p',
    'div',
    'a',
    'ul',
    'ol',
    'li',
    'blockquote',
    'pre',
    'code',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    span: ['style'],
    font: ['color', 'face', 'size'],
    p: ['style'],
    div: ['style'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'sip', 'tel'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  allowedStyles: {
    '*': {
      color: [/^#[0-9a-f]{3,8}$/i, /^[a-z]+$/i, /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/i],
      'font-weight': [/^(?:normal|bold|[1-9]00)$/],
      'font-style': [/^(?:normal|italic)$/],
      'font-family': [/^[\w\s,'"-]+$/],
      'font-size': [/^\d{1,3}(?:px|pt|em|%)$/],
      'text-decoration': [/^(?:none|underline|line-through)$/],
    },
  },
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
  disallowedTagsMode: 'discard',
}

export class SanitizeHtmlSanitizer implements HtmlSanitizer {
  sanitize(html: string): string {
    return sanitizeHtml(html, OPTIONS)
  }

  toText(html: string): string {
    // Line breaks survive as newlines; every tag goes; entities are decoded.
    const withBreaks = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(?:p|div|li|blockquote|pre)>/gi, '\n')
    const text = sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {} })
    return text
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&')
      .trim()
  }
}
