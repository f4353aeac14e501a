/**
 * Gunzip as a port: how CAS blobs and uploaded `IncludeFile` payloads are inflated. A value in the Effect
 * context ({@link Gunzip}, a `Context.Reference`) whose default is {@link portable}, pure JavaScript (core's
 * own inflater and a slicing-by-16 CRC-32) that runs anywhere; a platform can provide a native one
 * (`NodeGunzip.layer` in `@metaflow-client/provider-local/node`, on `node:zlib`).
 *
 * What is read is what Metaflow reads: its content-addressed store unpacks blobs with Python's
 * `gzip.GzipFile`, and {@link portable} follows that reader (the test suite runs Python as the oracle):
 * - one or more gzip members (RFC 1952), each checked against its own trailer (size and CRC-32), their
 *   output concatenated; zero bytes after a member are padding; any other byte must start a member;
 * - the header's reserved flag bits are ignored and its CRC is not checked, as Python does; DEFLATE is
 *   checked as zlib (and so Python) checks it;
 * - empty input is "not gzip data" (Python reads no bytes from it, then fails to unpickle them).
 *
 * Contract of every implementation, checked by shared test suites:
 * - output larger than `maxBytes` is refused while inflating (a bomb that lies about its size is stopped);
 * - truncation, garbage, a tampered trailer, bytes after a member, or output over the limit is a
 *   {@link CorruptBlob} naming the path, with the reasons built here ({@link reasons});
 * - a whole-buffer read may refuse at once when the last four bytes, read as the trailer's size, exceed
 *   the limit ({@link precheck}): any input the rule reads and ends so unpacks to more than the limit (zero
 *   padding only lowers the number), so only the reason of a refusal can differ;
 * - the streaming form gives the same bytes, or the same error, as the whole-buffer form, for any
 *   chunking of the input, in bounded memory;
 * - an implementation never returns bytes {@link portable} would not return; where it departs from the
 *   rule otherwise, it says so (`NodeGunzip`'s streaming form).
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { CorruptBlob } from "./Errors.js"
import { DONE, GzipReader, HAS_OUTPUT, InflateError } from "./internal/inflate.js"

/**
 * The largest output of a whole-buffer gunzip, by default (1 GiB): `Cas.defaultMaxBlobBytes`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBytes = 1024 * 1024 * 1024

/**
 * A gunzip implementation.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /**
   * Gunzips a whole gzip blob (the rule above), refusing output larger than `maxBytes`, checking each
   * trailer; the result may be a view of a larger buffer only if it is not much larger (callers cache
   * results).
   */
  readonly gunzip: (bytes: Uint8Array, path: string, maxBytes: number) => Either.Either<Uint8Array, CorruptBlob>
  /**
   * Gunzips a stream of gzip bytes as it arrives, in bounded memory, with the checks of `gunzip`: the
   * trailer is checked when the input ends, so a bad blob fails the stream after the chunks unpacked so
   * far. `maxBytes` may be `Infinity`.
   */
  readonly gunzipStream: <E, R>(
    input: Stream.Stream<Uint8Array, E, R>,
    path: string,
    maxBytes: number
  ) => Stream.Stream<Uint8Array, CorruptBlob | E, R>
}

/**
 * The failures every implementation reports, worded alike (tests compare them across implementations).
 *
 * @since 0.1.0
 * @category errors
 */
export const reasons = {
  notGzip: (path: string) => new CorruptBlob({ path, reason: "not gzip data" }),
  truncated: (path: string) => new CorruptBlob({ path, reason: "truncated gzip data" }),
  /** `detail` is the inflater's own message. */
  invalid: (path: string, detail: string) => new CorruptBlob({ path, reason: `invalid gzip data: ${detail}` }),
  declaredTooLarge: (path: string, isize: number, maxBytes: number) =>
    new CorruptBlob({ path, reason: `declared size ${isize} exceeds the limit of ${maxBytes} bytes` }),
  tooLarge: (path: string, maxBytes: number) =>
    new CorruptBlob({ path, reason: `unpacked size exceeds the limit of ${maxBytes} bytes` }),
  sizeMismatch: (path: string, total: number, isize: number) =>
    new CorruptBlob({ path, reason: `truncated gzip data (${total} bytes, trailer says ${isize})` }),
  checksumMismatch: (path: string) => new CorruptBlob({ path, reason: "gzip checksum mismatch" })
} as const

/**
 * Little-endian 32-bit unsigned integer at `at` (gzip trailer fields).
 *
 * @since 0.1.0
 * @category implementations
 */
export const readU32 = (b: Uint8Array, at: number): number =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0

/**
 * Whether bytes start with the gzip magic (`1f 8b`).
 *
 * @since 0.1.0
 * @category implementations
 */
export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b

/**
 * What a streaming gunzip remembers of its input without keeping it: the first two bytes (the gzip magic)
 * and the last `size` (the last trailer, once the input has ended).
 *
 * @since 0.1.0
 * @category implementations
 */
export class InputWindow {
  /** The first two input bytes (fewer are set while fewer have come). */
  readonly head = new Uint8Array(2)
  private readonly last: Uint8Array
  /** Input bytes seen so far. */
  bytes = 0
  constructor(readonly size: number) {
    this.last = new Uint8Array(size)
  }
  /** Takes note of the next input chunk. */
  add(b: Uint8Array): void {
    for (let i = 0; i < b.length && this.bytes + i < 2; i++) this.head[this.bytes + i] = b[i]!
    if (b.length >= this.size) {
      this.last.set(b.subarray(b.length - this.size))
    } else {
      this.last.copyWithin(0, b.length)
      this.last.set(b, this.size - b.length)
    }
    this.bytes += b.length
  }
  /** The last `min(size, bytes)` input bytes. */
  get tail(): Uint8Array {
    return this.last.subarray(this.size - Math.min(this.size, this.bytes))
  }
}

/**
 * The shortest gzip member: a 10-byte header, the shortest DEFLATE stream (2 bytes: one fixed-Huffman
 * block holding only its end code, as any compressor writes for empty input) and the 8-byte trailer.
 * Shorter input that starts with the gzip magic is truncated.
 *
 * @since 0.1.0
 * @category implementations
 */
export const minMemberBytes = 20

/**
 * The checks a whole-buffer gunzip makes before inflating: the gzip magic, the shortest possible member
 * ({@link minMemberBytes}), and the size declared by the last four bytes against `maxBytes` (the last
 * member's size, or less after zero padding: never more than an input the rule reads unpacks to).
 *
 * @since 0.1.0
 * @category implementations
 */
export const precheck = (bytes: Uint8Array, path: string, maxBytes: number): CorruptBlob | undefined => {
  if (!isGzip(bytes)) return reasons.notGzip(path)
  if (bytes.length < minMemberBytes) return reasons.truncated(path)
  const isize = readU32(bytes, bytes.length - 4)
  if (isize > maxBytes) return reasons.declaredTooLarge(path, isize, maxBytes)
  return undefined
}

// ---------------------------------------------------------------------------------------------------
// the portable implementation: core's inflater (internal/inflate.ts) and a JavaScript CRC-32

/** CRC-32 tables for slicing-by-16 (sixteen bytes per step: several times faster than a byte loop). */
const crcTables = (() => {
  const t = new Uint32Array(256 * 16)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 16; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n]! >>> 8) ^ t[t[(k - 1) * 256 + n]! & 0xff]!
  }
  return t
})()

/** Whether a `Uint32Array` reads bytes least significant first (every platform JavaScript runs on today). */
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/**
 * One step of CRC-32 (the gzip trailer's checksum) over `b`, from the running register `crc` (start at
 * `0xffffffff`, finish with `(crc ^ 0xffffffff) >>> 0`): a blob can be checked chunk by chunk. The aligned
 * middle is read as 32-bit words, four per step.
 *
 * @since 0.1.0
 * @category implementations
 */
export const crc32Update = (crc: number, b: Uint8Array): number => {
  const t = crcTables
  let c = crc
  let i = 0
  const head = littleEndian ? Math.min(b.length, (4 - (b.byteOffset & 3)) & 3) : b.length
  for (; i < head; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8)
  const words = ((b.length - i) >>> 4) << 2
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words)
    for (let k = 0; k < words; k += 4) {
      const a = c ^ w[k]!
      const x = w[k + 1]!
      const y = w[k + 2]!
      const z = w[k + 3]!
      c = t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^ t[3328 + ((a >>> 16) & 0xff)]! ^ t[3072 + (a >>> 24)]! ^
        t[2816 + (x & 0xff)]! ^ t[2560 + ((x >>> 8) & 0xff)]! ^ t[2304 + ((x >>> 16) & 0xff)]! ^ t[2048 + (x >>> 24)]! ^
        t[1792 + (y & 0xff)]! ^ t[1536 + ((y >>> 8) & 0xff)]! ^ t[1280 + ((y >>> 16) & 0xff)]! ^ t[1024 + (y >>> 24)]! ^
        t[768 + (z & 0xff)]! ^ t[512 + ((z >>> 8) & 0xff)]! ^ t[256 + ((z >>> 16) & 0xff)]! ^ t[z >>> 24]!
    }
    i += words * 4
  }
  for (; i < b.length; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8)
  return c
}

/**
 * CRC-32 of a whole buffer, as in the gzip trailer.
 *
 * @since 0.1.0
 * @category implementations
 */
export const crc32 = (b: Uint8Array): number => (crc32Update(0xffffffff, b) ^ 0xffffffff) >>> 0

/**
 * Whole-buffer gunzip on core's own reader ({@link GzipReader.whole}): the caller's buffer read in place,
 * inflated straight into the result. It is sized from the declared size, but never beyond what the input
 * could inflate to (DEFLATE expands at most ~1032×), so that a trailer lying about its size cannot make
 * it allocate; it grows by doubling (several members, or a trailer that understates).
 */
const gunzipPortable = (bytes: Uint8Array, path: string, maxBytes: number): Either.Either<Uint8Array, CorruptBlob> => {
  const bad = precheck(bytes, path, maxBytes)
  if (bad !== undefined) return Either.left(bad)
  const expected = Math.min(readU32(bytes, bytes.length - 4), bytes.length * maxExpansion)
  const reader = GzipReader.whole(crc32Update, bytes, expected, maxBytes)
  try {
    while (reader.run() !== DONE);
  } catch (e) {
    if (e instanceof InflateError) return Either.left(reasonOf(e, path, maxBytes))
    throw e
  }
  const out = reader.output()
  // callers may keep the result (core caches small blobs): never pin a much larger buffer
  return Either.right(out.buffer.byteLength - out.length > Math.max(4096, out.length >>> 4) ? out.slice() : out)
}

/** The most one input byte of DEFLATE inflates to (258 bytes per 2 bits, rounded up). */
const maxExpansion = 1032

/**
 * Incremental gunzip of one blob on core's own reader: `push` copies input into the reader and appends
 * copies of the unpacked windows to `out` (at most 256 KiB each, whatever the compression ratio);
 * `finish` ends the input. Bad data sets `failure`, after the output unpacked before it was found.
 */
class StreamingGunzip {
  private readonly reader = new GzipReader(crc32Update)
  failure: CorruptBlob | undefined

  constructor(private readonly path: string, private readonly maxBytes: number) {}

  push(chunk: Uint8Array, out: Array<Uint8Array>): void {
    for (let at = 0; at < chunk.length && this.failure === undefined;) {
      const space = this.reader.inputSpace()
      const n = Math.min(space.length, chunk.length - at)
      space.set(chunk.subarray(at, at + n))
      this.reader.commit(n)
      at += n
      this.drain(out)
    }
  }

  finish(out: Array<Uint8Array>): void {
    if (this.failure !== undefined) return
    this.reader.commit(0)
    this.drain(out)
  }

  /** Runs the reader until it needs input or is done, copying its output to `out`. */
  private drain(out: Array<Uint8Array>): void {
    try {
      while (this.reader.run() === HAS_OUTPUT) {
        const chunk = this.reader.take()
        if (this.reader.total > this.maxBytes) {
          this.failure = reasons.tooLarge(this.path, this.maxBytes)
          return
        }
        out.push(chunk.slice())
      }
    } catch (e) {
      if (!(e instanceof InflateError)) throw e
      this.failure = reasonOf(e, this.path, this.maxBytes)
    }
  }
}

const gunzipStreamPortable = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  path: string,
  maxBytes: number
): Stream.Stream<Uint8Array, CorruptBlob | E, R> =>
  Stream.suspend(() => {
    const gz = new StreamingGunzip(path, maxBytes)
    return input.pipe(
      Stream.mapChunksEffect((chunk) =>
        Effect.suspend(() => {
          if (gz.failure !== undefined) return Effect.fail(gz.failure)
          const out: Array<Uint8Array> = []
          for (const b of chunk) gz.push(b, out)
          return gz.failure === undefined || out.length > 0 ? Effect.succeed(Chunk.unsafeFromArray(out)) : Effect.fail(gz.failure)
        })
      ),
      // what was unpacked before bad data is handed on first; the failure ends the stream after it
      Stream.concat(Stream.suspend(() => {
        const out: Array<Uint8Array> = []
        gz.finish(out)
        const last = Stream.fromChunk(Chunk.unsafeFromArray(out))
        return gz.failure === undefined ? last : Stream.concat(last, Stream.fail(gz.failure))
      }))
    )
  })

/**
 * The pure JavaScript implementation, the default: core's own inflater (the gzip rule of this module) and
 * a slicing-by-16 CRC-32. The whole-buffer form inflates straight into its result; the streaming form
 * hands on copies of at most 256 KiB, whatever the compression ratio.
 *
 * @since 0.1.0
 * @category implementations
 */
export const portable: Service = {
  gunzip: gunzipPortable,
  gunzipStream: gunzipStreamPortable
}

// ---------------------------------------------------------------------------------------------------
// the port

/**
 * The gunzip in use: {@link portable} unless a platform layer provides another (`NodeLocalProvider`'s
 * layers provide the `node:zlib` one).
 *
 * @since 0.1.0
 * @category context
 */
export class Gunzip extends Context.Reference<Gunzip>()("@metaflow-client/core/Gunzip", {
  defaultValue: (): Service => portable
}) {}

/**
 * A layer providing `service` as the {@link Gunzip} in use.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (service: Service): Layer.Layer<Gunzip> => Layer.succeed(Gunzip, service)

/**
 * Gunzips a whole gzip blob with the {@link Gunzip} in use (see {@link Service}).
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzip = Effect.fn("Gunzip.gunzip")(function*(bytes: Uint8Array, path: string, maxBytes: number = defaultMaxBytes) {
  const service = yield* Gunzip
  return yield* service.gunzip(bytes, path, maxBytes)
})

/**
 * Gunzips a stream of gzip bytes with the {@link Gunzip} in use, in bounded memory (see
 * {@link Service}); output is unlimited unless `maxBytes` is given.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzipStream = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  path: string,
  maxBytes: number = Number.POSITIVE_INFINITY
): Stream.Stream<Uint8Array, CorruptBlob | E, R> =>
  Stream.unwrap(Effect.map(Gunzip, (service) => service.gunzipStream(input, path, maxBytes)))

/**
 * Gunzips gzip data from `read` to `write` without allocating per chunk, so that a copy of any size
 * leaves no garbage behind (fresh buffers per chunk, as streams hand out, pile up as 30 MB or more before
 * V8 collects them). `read(into)` fills a prefix of `into` and returns its length (0 at the end of the
 * input); `write(chunk)` gets each unpacked window, **valid only until its effect completes**: the memory
 * is reused afterwards, so copy what must be kept. Pure JavaScript, on every platform: it inflates 1 GiB
 * in about 1.3× `node:zlib`'s time here, and on the JavaScript thread, where `node:zlib` works beside it.
 * Returns the number of bytes unpacked.
 *
 * The reader of {@link portable}: the gzip rule of this module and the checks and reasons of
 * {@link Service}'s `gunzipStream`.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzipInto = <E1, R1, E2, R2>(
  read: (into: Uint8Array) => Effect.Effect<number, E1, R1>,
  write: (chunk: Uint8Array) => Effect.Effect<void, E2, R2>,
  path: string,
  maxBytes: number = Number.POSITIVE_INFINITY
): Effect.Effect<number, CorruptBlob | E1 | E2, R1 | R2> =>
  Effect.suspend(() => {
    const reader = new GzipReader(crc32Update)
    const step: Effect.Effect<number, CorruptBlob | E1 | E2, R1 | R2> = Effect.suspend(() => {
      let next: number
      try {
        next = reader.run()
      } catch (e) {
        if (e instanceof InflateError) return Effect.fail(reasonOf(e, path, maxBytes))
        throw e
      }
      if (next === DONE) return Effect.succeed(reader.total)
      if (next === HAS_OUTPUT) {
        const chunk = reader.take()
        if (reader.total > maxBytes) return Effect.fail(reasons.tooLarge(path, maxBytes))
        return Effect.zipRight(write(chunk), step)
      }
      return Effect.flatMap(read(reader.inputSpace()), (n) => {
        reader.commit(n)
        return step
      })
    })
    return step
  })

/** The reader's failure, worded as every implementation words it. */
const reasonOf = (e: InflateError, path: string, maxBytes: number): CorruptBlob => {
  switch (e.kind) {
    case "notGzip":
      return reasons.notGzip(path)
    case "truncated":
      return reasons.truncated(path)
    case "size":
      return reasons.sizeMismatch(path, e.size, e.isize)
    case "checksum":
      return reasons.checksumMismatch(path)
    case "invalid":
      return reasons.invalid(path, e.message)
    case "tooLarge":
      return reasons.tooLarge(path, maxBytes)
  }
}
