// User photos: set by administrators (`parley user set --photo`), served at `…/photos/{sip}`.
// Only JPEG and PNG, recognised by their magic bytes, and small. See docs/contacts.md.
import { createHash } from 'node:crypto'

export type PhotoType = 'image/jpeg' | 'image/png'

export interface UserPhoto {
  readonly bytes: Uint8Array
  readonly contentType: PhotoType
}

/** Largest photo accepted (Lync's AD thumbnailPhoto was limited to 100 KB; Exchange's to ~500 KB). */
export const MAX_PHOTO_BYTES = 256 * 1024

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The content type of an image from its first bytes, or undefined when it is neither JPEG nor PNG. */
export function photoTypeOf(bytes: Uint8Array): PhotoType | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'image/png'
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  return undefined
}

/** A strong entity tag for photo bytes (so every node agrees on it without storing it). */
export function photoEtag(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 22)
}
