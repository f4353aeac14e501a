/**
 * Metaflow's content-addressed store: how blobs are packed (gzip, or raw with `cas_raw`), where they live,
 * and how an artifact `location` names its datastore root.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Gunzip } from "fflate"
import { CorruptBlob } from "./Errors.js"
import type { StoredObject } from "./Datastore.js"

/**
 * The largest blob we unpack into memory, by default (1 GiB). Bigger artifacts can still be streamed raw.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBlobBytes = 1024 * 1024 * 1024

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b

/** CRC-32 tables for slicing-by-8 (eight bytes per step: several times faster than a byte loop). */
const crcTables = (() => {
  const t = new Uint32Array(256 * 8)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!
  }
  return t
})()

/**
 * One step of CRC-32 (the gzip trailer's checksum) over `b`, from the running register `c` (start at
 * `0xffffffff`, finish with `(c ^ 0xffffffff) >>> 0`): a blob can be checked chunk by chunk.
 */
const crc32Update = (crc: number, b: Uint8Array): number => {
  const t = crcTables
  let c = crc
  let i = 0
  const n8 = b.length - (b.length % 8)
  for (; i < n8; i += 8) {
    const lo = (c ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))) >>> 0
    c = t[1792 + (lo & 0xff)]! ^ t[1536 + ((lo >>> 8) & 0xff)]! ^ t[1280 + ((lo >>> 16) & 0xff)]! ^ t[1024 + (lo >>> 24)]! ^
      t[768 + b[i + 4]!]! ^ t[512 + b[i + 5]!]! ^ t[256 + b[i + 6]!]! ^ t[b[i + 7]!]!
  }
  for (; i < b.length; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8)
  return c
}

/** CRC-32 of a whole buffer. */
const crc32 = (b: Uint8Array): number => (crc32Update(0xffffffff, b) ^ 0xffffffff) >>> 0

const readU32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0

/**
 * Gunzips one gzip member, refusing output larger than `maxBytes` (counted while inflating, so a bomb
 * that lies about its size is stopped too) and checking the trailer's size and CRC: truncation, garbage
 * or a tampered trailer is a `CorruptBlob` naming the path.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzip = (bytes: Uint8Array, path: string, maxBytes = defaultMaxBlobBytes): Either.Either<Uint8Array, CorruptBlob> => {
  if (!isGzip(bytes)) return Either.left(new CorruptBlob({ path, reason: "not gzip data" }))
  if (bytes.length < 18) return Either.left(new CorruptBlob({ path, reason: "truncated gzip data" }))
  const n = bytes.length
  const isize = readU32(bytes, n - 4)
  if (isize > maxBytes) {
    return Either.left(new CorruptBlob({ path, reason: `declared size ${isize} exceeds the limit of ${maxBytes} bytes` }))
  }
  const chunks: Array<Uint8Array> = []
  let total = 0
  let ended = false
  try {
    const stream = new Gunzip((chunk, final) => {
      total += chunk.length
      if (total > maxBytes) throw new LimitExceeded()
      chunks.push(chunk)
      if (final) ended = true
    })
    stream.push(bytes, true)
  } catch (e) {
    if (e instanceof LimitExceeded) {
      return Either.left(new CorruptBlob({ path, reason: `unpacked size exceeds the limit of ${maxBytes} bytes` }))
    }
    return Either.left(new CorruptBlob({ path, reason: `invalid gzip data: ${e instanceof Error ? e.message : "unknown error"}` }))
  }
  if (!ended) return Either.left(new CorruptBlob({ path, reason: "truncated gzip data" }))
  const out = chunks.length === 1 ? chunks[0]! : concat(chunks, total)
  if (out.length % 0x100000000 !== isize) {
    return Either.left(new CorruptBlob({ path, reason: `truncated gzip data (${out.length} bytes, trailer says ${isize})` }))
  }
  if (crc32(out) !== readU32(bytes, n - 8)) return Either.left(new CorruptBlob({ path, reason: "gzip checksum mismatch" }))
  return Either.right(out)
}

class LimitExceeded extends Error {}

const concat = (chunks: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/**
 * How a CAS blob is packed, decided from its sidecar as Python does: `cas_raw: true` → raw; no sidecar
 * (written before Metaflow 2.4) → gzip; `cas_version` 1 → gzip; anything else is an error.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const packingOf = (sidecar: Option.Option<string>, path: string): Either.Either<"raw" | "gzip", CorruptBlob> => {
  if (Option.isNone(sidecar)) return Either.right("gzip")
  let meta: unknown
  try {
    meta = JSON.parse(sidecar.value)
  } catch {
    return Either.left(new CorruptBlob({ path, reason: "sidecar metadata is not JSON" }))
  }
  if (typeof meta !== "object" || meta === null) {
    return Either.left(new CorruptBlob({ path, reason: "sidecar metadata is not an object" }))
  }
  const m = meta as { cas_raw?: unknown; cas_version?: unknown }
  if (m.cas_raw === true) return Either.right("raw")
  if (m.cas_version === undefined) return Either.left(new CorruptBlob({ path, reason: "Could not extract encoding version" }))
  if (m.cas_version !== 1) {
    return Either.left(new CorruptBlob({ path, reason: `Unknown encoding version ${JSON.stringify(m.cas_version)}` }))
  }
  return Either.right("gzip")
}

/**
 * Unpacks a stored CAS object as Python does (see {@link packingOf}): raw blobs as they are, the others
 * gunzipped. `forceRaw` is for callers that know the blob is raw (code packages). A raw-flagged blob
 * that is gzip anyway is still returned as stored.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const unpack = (
  stored: StoredObject,
  path: string,
  options: { readonly forceRaw?: boolean; readonly maxBytes?: number } = {}
): Either.Either<Uint8Array, CorruptBlob> => {
  if (options.forceRaw === true) return Either.right(stored.bytes)
  const packing = packingOf(stored.sidecar, path)
  if (Either.isLeft(packing)) return Either.left(packing.left)
  return packing.right === "raw" ? Either.right(stored.bytes) : gunzip(stored.bytes, path, options.maxBytes)
}

/**
 * How much input the inflater gets at once. Each push costs the inflater a few fresh buffers (its 32 KiB
 * window, then room for 128 KiB more, doubled as output grows), so slices are sized from the compression
 * ratio of the previous one to yield about `inflateTargetBytes` each; the first slice is small (the
 * ratio is unknown) and none exceeds `inflateMaxSliceBytes`, so that even a switch to maximally
 * compressible data (DEFLATE expands at most ~1032×) yields at most ~17 MB in one push.
 */
const inflateTargetBytes = 128 * 1024
const inflateFirstSliceBytes = 4 * 1024
const inflateMinSliceBytes = 256
const inflateMaxSliceBytes = 16 * 1024

/**
 * Incremental gunzip of one blob (the same checks as {@link gunzip}, with the trailer taken from the
 * last 8 bytes of the input once it has ended). `push` and `finish` return the unpacked chunks, or the
 * `CorruptBlob` that ends the stream.
 */
class StreamingGunzip {
  private readonly inflater: Gunzip
  private out: Array<Uint8Array> = []
  private crc = 0xffffffff
  private total = 0
  private inputBytes = 0
  /** The first two input bytes (the gzip magic) and the last eight (the trailer, once input ends). */
  private readonly head = new Uint8Array(2)
  private readonly tail = new Uint8Array(8)
  private ended = false
  private failed: CorruptBlob | undefined
  private slice = inflateFirstSliceBytes

  constructor(private readonly path: string, private readonly maxBytes: number) {
    this.inflater = new Gunzip((chunk, final) => {
      this.total += chunk.length
      if (this.total > this.maxBytes) throw new LimitExceeded()
      if (chunk.length > 0) {
        this.crc = crc32Update(this.crc, chunk)
        this.out.push(chunk)
      }
      if (final) this.ended = true
    })
  }

  private fail(reason: string): Either.Either<never, CorruptBlob> {
    this.failed = new CorruptBlob({ path: this.path, reason })
    return Either.left(this.failed)
  }

  private take(): Array<Uint8Array> {
    const out = this.out
    this.out = []
    return out
  }

  private remember(b: Uint8Array): void {
    for (let i = 0; i < b.length && this.inputBytes + i < 2; i++) this.head[this.inputBytes + i] = b[i]!
    if (b.length >= 8) {
      this.tail.set(b.subarray(b.length - 8))
    } else {
      this.tail.copyWithin(0, b.length)
      this.tail.set(b, 8 - b.length)
    }
    this.inputBytes += b.length
  }

  private inflate(b: Uint8Array, final: boolean): Either.Either<void, CorruptBlob> {
    try {
      if (b.length === 0) this.inflater.push(b, final)
      for (let at = 0; at < b.length;) {
        const end = Math.min(at + this.slice, b.length)
        const before = this.total
        this.inflater.push(b.subarray(at, end), final && end === b.length)
        const ratio = Math.max(1, (this.total - before) / (end - at))
        this.slice = Math.min(inflateMaxSliceBytes, Math.max(inflateMinSliceBytes, Math.floor(inflateTargetBytes / ratio)))
        at = end
      }
      return Either.void
    } catch (e) {
      if (e instanceof LimitExceeded) return this.fail(`unpacked size exceeds the limit of ${this.maxBytes} bytes`)
      return this.fail(`invalid gzip data: ${e instanceof Error ? e.message : "unknown error"}`)
    }
  }

  push(chunk: Uint8Array): Either.Either<Array<Uint8Array>, CorruptBlob> {
    if (this.failed !== undefined) return Either.left(this.failed)
    if (chunk.length === 0) return Either.right([])
    const before = this.inputBytes
    this.remember(chunk)
    if (before < 2 && this.inputBytes >= 2 && !isGzip(this.head)) return this.fail("not gzip data")
    const pushed = this.inflate(chunk, false)
    return Either.isLeft(pushed) ? Either.left(pushed.left) : Either.right(this.take())
  }

  finish(): Either.Either<Array<Uint8Array>, CorruptBlob> {
    if (this.failed !== undefined) return Either.left(this.failed)
    if (this.inputBytes < 2) return this.fail("not gzip data")
    if (this.inputBytes < 18) return this.fail("truncated gzip data")
    const pushed = this.inflate(new Uint8Array(0), true)
    if (Either.isLeft(pushed)) return Either.left(pushed.left)
    if (!this.ended) return this.fail("truncated gzip data")
    const isize = readU32(this.tail, 4)
    if (this.total % 0x100000000 !== isize) {
      return this.fail(`truncated gzip data (${this.total} bytes, trailer says ${isize})`)
    }
    if (((this.crc ^ 0xffffffff) >>> 0) !== readU32(this.tail, 0)) return this.fail("gzip checksum mismatch")
    return Either.right(this.take())
  }
}

/**
 * Gunzips a stream of gzip bytes as it arrives, in bounded memory (one input slice and its output at a
 * time), with the checks of {@link gunzip}: the trailer's size and CRC-32 are verified when the input
 * ends, so truncation, garbage or a tampered trailer fail the stream with a `CorruptBlob` naming the
 * path (after the chunks unpacked so far: a consumer that must not keep partial output should write
 * aside and commit on success). Output is unlimited unless `maxBytes` is given.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzipStream = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  path: string,
  maxBytes = Number.POSITIVE_INFINITY
): Stream.Stream<Uint8Array, CorruptBlob | E, R> =>
  Stream.suspend(() => {
    const gz = new StreamingGunzip(path, maxBytes)
    return input.pipe(
      Stream.mapChunksEffect((chunk) =>
        Effect.suspend(() => {
          const out: Array<Uint8Array> = []
          for (const b of chunk) {
            const r = gz.push(b)
            if (Either.isLeft(r)) return Effect.fail(r.left)
            for (const o of r.right) out.push(o)
          }
          return Effect.succeed(Chunk.unsafeFromArray(out))
        })
      ),
      Stream.concat(Stream.fromIterableEffect(Effect.suspend(() => gz.finish())))
    )
  })

/**
 * Streaming {@link unpack}: the stored bytes of a CAS object as a stream, and its sidecar (from the
 * storage's `<key>_meta` object, or none). Raw blobs pass through untouched; the others are gunzipped
 * with {@link gunzipStream}. The blob is never held whole.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const unpackStream = <E, R>(
  stored: Stream.Stream<Uint8Array, E, R>,
  sidecar: Option.Option<string>,
  path: string,
  options: { readonly forceRaw?: boolean; readonly maxBytes?: number } = {}
): Stream.Stream<Uint8Array, CorruptBlob | E, R> => {
  if (options.forceRaw === true) return stored
  const packing = packingOf(sidecar, path)
  if (Either.isLeft(packing)) return Stream.fail(packing.left)
  return packing.right === "raw" ? stored : gunzipStream(stored, path, options.maxBytes)
}

const legacyLocation = /^(.*)\/([_a-zA-Z][_a-zA-Z0-9]+)\/data\/([0-9a-f]{2})\/(?:r_)?\3[0-9a-f]{38}$/

/**
 * The datastore root named by an artifact or code-package `location`: `:root:<root>` (current), or the
 * full blob URL written before Metaflow 2.4 (its flow part must be `flow`).
 *
 * @since 0.1.0
 * @category locations
 */
export const rootOfLocation = (location: string, flow: string): Either.Either<string, CorruptBlob> => {
  if (location.startsWith(":root:")) return Either.right(stripSlash(location.slice(6)))
  const m = legacyLocation.exec(location)
  if (m === null || m[2] !== flow) {
    return Either.left(
      new CorruptBlob({ path: location, reason: `Location '${location}' does not correspond to a valid location for flow '${flow}'.` })
    )
  }
  return Either.right(stripSlash(m[1]!))
}

const stripSlash = (root: string) => root.replace(/\/+$/, "")
