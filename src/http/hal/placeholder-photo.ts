// The picture served for users without a photo: a plain light-grey square PNG of the requested
// size, generated in memory (no binary files in the repository) and cached per size.
import { createHash } from 'node:crypto'
import { crc32, deflateSync } from 'node:zlib'

export interface PlaceholderPhoto {
  readonly bytes: Buffer
  readonly contentType: 'image/png'
  readonly etag: string
}

/** The square sizes Exchange serves photos in (`HR48X48` … `HR648X648`). */
export const PHOTO_EDGES = [48, 64, 96, 120, 240, 360, 432, 504, 648] as const
export const DEFAULT_PHOTO_EDGE = 48

const GREY = [0xc8, 0xc8, 0xc8] as const
const cache = new Map<string, PlaceholderPhoto>()

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A valid one-colour RGB PNG, `width` × `height` pixels. */
export function solidPng(
  width: number,
  height: number,
  rgb: readonly [number, number, number] = GREY,
): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.writeUInt8(8, 8) // bit depth
  header.writeUInt8(2, 9) // colour type: RGB
  // compression, filter and interlace methods: 0
  const row = Buffer.alloc(1 + width * 3) // filter byte 0, then the pixels
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3)
  const raw = Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/**
 * The placeholder for a `width` × `height` request: a square of the smallest Exchange size that
 * covers it (648 at most), as Exchange answers with the nearest size it has. At most nine are
 * ever built.
 */
export function placeholderPhoto(width: number, height: number): PlaceholderPhoto {
  const wanted = Math.max(width, height)
  const edge =
    PHOTO_EDGES.find((e) => e >= wanted) ?? PHOTO_EDGES[PHOTO_EDGES.length - 1] ?? DEFAULT_PHOTO_EDGE
  const key = String(edge)
  let photo = cache.get(key)
  if (!photo) {
    const bytes = solidPng(edge, edge)
    const etag = `p${createHash('sha256').update(bytes).digest('base64url').slice(0, 21)}`
    photo = { bytes, contentType: 'image/png', etag }
    cache.set(key, photo)
  }
  return photo
}
