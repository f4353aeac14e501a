/**
 * Gunzip on `node:zlib` (native inflate, CRC-32 and size checks), for Node, Bun and Deno: an implementation
 * of core's `Gunzip` port, provided by `NodeLocalProvider`'s layers. About twice as fast as core's portable
 * reader on big blobs, and its streaming form runs in a few hundred KiB.
 *
 * zlib is the fast path; core's portable reader, which implements the rule (Python's `gzip.GzipFile`, see
 * core's `Gunzip` module), decides whatever zlib does not read as that rule does:
 * - a header with reserved flag bits or a header CRC (zlib checks them; Python ignores them) is read by
 *   the portable reader from the start;
 * - zlib stops at a zero byte after a member (padding, to zlib too) and ignores what follows; the rest is
 *   judged by the rule: more zeros, or another member;
 * - a whole-buffer refusal is re-read by the portable reader, so that its reason is worded alike.
 * Differences are left in the streaming form only, where zlib has read the input before it refuses it:
 * - a later member (after the first) with reserved flag bits or a wrong header CRC is refused, where the rule
 *   reads it;
 * - some refusals are worded otherwise: a lone byte after the last member is truncated data (zlib reads
 *   it as the start of a member), and a wrong size counts the output of all members, not the last one's.
 *
 * @since 0.1.0
 */
import { Gunzip } from "@metaflow-client/core"
import type { Errors } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { constants as bufferConstants } from "node:buffer"
import * as zlib from "node:zlib"

type CorruptBlob = Errors.CorruptBlob

/** The output buffer size of the streaming inflater (and the size of most streamed chunks). */
const streamChunkBytes = 64 * 1024
/** Output gathered (then the inflater paused) before it is handed downstream as one Stream chunk. */
const streamBatchBytes = 256 * 1024
/** Smallest output buffer of the whole-buffer inflater. */
const minChunkBytes = 16 * 1024

/** A Node `Buffer` as a plain `Uint8Array` over the same memory (its `slice` copies, as callers expect). */
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/** Whether zlib refuses a header that the rule reads: reserved flag bits (0xe0), or a header CRC (FHCRC). */
const headerZlibRefuses = (flags: number): boolean => (flags & 0xe2) !== 0

/** Whether zlib's output buffer overflowed the limit. */
const isTooLarge = (e: unknown): boolean =>
  e instanceof RangeError || (e as { readonly code?: unknown })?.code === "ERR_BUFFER_TOO_LARGE"

/**
 * A streaming `zlib` failure as the portable implementation words it. The first member's magic is checked
 * before zlib sees it, so zlib's "incorrect header check" is about bytes after a member.
 */
const reasonOf = (e: unknown, path: string, maxBytes: number, total: number, isize: number): CorruptBlob => {
  const err = e as { readonly code?: unknown; readonly message?: unknown }
  const message = typeof err?.message === "string" ? err.message : String(e)
  if (isTooLarge(e)) return Gunzip.reasons.tooLarge(path, maxBytes)
  if (err?.code === "Z_BUF_ERROR" || message === "unexpected end of file") return Gunzip.reasons.truncated(path)
  if (message === "incorrect data check") return Gunzip.reasons.checksumMismatch(path)
  if (message === "incorrect length check") return Gunzip.reasons.sizeMismatch(path, total, isize)
  if (message === "incorrect header check") return Gunzip.reasons.invalid(path, "bytes after the gzip member")
  return Gunzip.reasons.invalid(path, message)
}

/** Whether `b` holds only zeros from `at`. */
const zerosFrom = (b: Uint8Array, at: number): boolean => {
  for (let i = at; i < b.length; i++) if (b[i] !== 0) return false
  return true
}

/** The most one input byte of DEFLATE inflates to: output buffers are never sized beyond it. */
const maxExpansion = 1032

/**
 * Whole-buffer gunzip: `zlib.gunzipSync` with `maxOutputLength`, the output buffer sized from the declared
 * size (one buffer, no concatenation, for an honest trailer).
 *
 * @since 0.1.0
 * @category implementations
 */
export const gunzip = (bytes: Uint8Array, path: string, maxBytes: number): Either.Either<Uint8Array, CorruptBlob> => {
  const bad = Gunzip.precheck(bytes, path, maxBytes)
  if (bad !== undefined) return Either.left(bad)
  if (headerZlibRefuses(bytes[3]!)) return Gunzip.portable.gunzip(bytes, path, maxBytes)
  const n = bytes.length
  const isize = Gunzip.readU32(bytes, n - 4)
  const limit = Math.max(1, Math.min(maxBytes, bufferConstants.MAX_LENGTH))
  let out: Buffer
  let consumed: number
  try {
    const r = zlib.gunzipSync(bytes, {
      maxOutputLength: limit,
      chunkSize: Math.max(minChunkBytes, Math.min(isize + 1, limit + 1, n * maxExpansion)),
      info: true
    }) as unknown as { readonly buffer: Buffer; readonly engine: { readonly bytesWritten: number } }
    out = r.buffer
    consumed = r.engine.bytesWritten
  } catch (e) {
    if (isTooLarge(e)) return Either.left(Gunzip.reasons.tooLarge(path, maxBytes))
    // a refusal (rare): the portable reader words it, or reads what zlib refuses and the rule does not
    return Gunzip.portable.gunzip(bytes, path, maxBytes)
  }
  if (out.length > maxBytes) return Either.left(Gunzip.reasons.tooLarge(path, maxBytes))
  // zlib stopped at a zero byte after a member: zero padding to the end is read alike; anything else the rule decides
  if (consumed < n && !zerosFrom(bytes, consumed)) return Gunzip.portable.gunzip(bytes, path, maxBytes)
  const result = plain(out)
  // callers may keep the result (core caches small blobs): never pin a much larger buffer
  return out.buffer.byteLength - out.length > Math.max(4096, out.length >>> 4) ? Either.right(result.slice()) : Either.right(result)
}

type Step =
  | { readonly _tag: "Emit"; readonly chunk: Chunk.Chunk<Uint8Array> }
  | { readonly _tag: "Fail"; readonly error: CorruptBlob }
  | { readonly _tag: "Done" }
  | { readonly _tag: "Pull" }
  | { readonly _tag: "Wait" }
  /** zlib stopped at a zero byte after a member: `rest` is the input it left unread, then the pull's unless `ended`. */
  | { readonly _tag: "Rest"; readonly rest: Array<Uint8Array>; readonly ended: boolean }

const DONE: Step = { _tag: "Done" }
const PULL: Step = { _tag: "Pull" }
const WAIT: Step = { _tag: "Wait" }

/**
 * Drives one `zlib.createGunzip()` from a pulled input stream, in bounded memory: one input chunk in the
 * inflater at a time (the next is written when it has consumed the last) and one read ahead; output is
 * taken in flowing mode and the inflater paused once `streamBatchBytes` wait downstream, so zlib stops
 * at its readable high-water mark. The last 8 input bytes (the trailer) are written on their own once
 * everything before them has been inflated and handed on, so that a wrong CRC or size fails the stream
 * after all the output, as in the portable implementation.
 */
class Driver {
  private readonly z: zlib.Gunzip
  /** The gzip magic and the last 8 input bytes (the trailer, for a wrong size's reason). */
  private readonly window = new Gunzip.InputWindow(8)
  /** Input received and not yet written to the inflater. */
  private readonly queue: Array<Uint8Array> = []
  /** The input chunk written last (zlib stops within it, if it stops early). */
  private lastWritten: Uint8Array = new Uint8Array(0)
  private written = 0
  private writing = false
  private inputDone = false
  private endCalled = false
  private zEnded = false
  private zError: unknown = undefined
  private failure: CorruptBlob | undefined
  private out: Array<Uint8Array> = []
  private outBytes = 0
  /** Bytes unpacked so far. */
  total = 0
  private paused = false
  private dirty = false
  private waiter: (() => void) | undefined

  constructor(private readonly path: string, private readonly maxBytes: number) {
    this.z = zlib.createGunzip({ chunkSize: streamChunkBytes })
    this.z.on("data", (b: Buffer) => {
      if (this.failure !== undefined) return
      this.total += b.length
      if (this.total > this.maxBytes) {
        this.failure = Gunzip.reasons.tooLarge(this.path, this.maxBytes)
        this.z.destroy()
      } else {
        this.out.push(plain(b))
        this.outBytes += b.length
        if (this.outBytes >= streamBatchBytes && !this.paused) {
          this.paused = true
          this.z.pause()
        }
      }
      this.wake()
    })
    this.z.on("end", () => {
      this.zEnded = true
      this.wake()
    })
    this.z.on("error", (e) => {
      if (this.zError === undefined) this.zError = e
      this.wake()
    })
  }

  private wake(): void {
    this.dirty = true
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  /** Resolves at the next event of the inflater (at once if one came since the last `next`). */
  readonly wait: Effect.Effect<void> = Effect.async<void>((resume) => {
    if (this.dirty) return resume(Effect.void)
    this.waiter = () => resume(Effect.void)
    return Effect.sync(() => {
      this.waiter = undefined
    })
  })

  private fail(error: CorruptBlob): Step {
    this.failure = error
    this.z.destroy()
    return { _tag: "Fail", error }
  }

  /** Upstream gave `chunk`. */
  input(chunk: Chunk.Chunk<Uint8Array>): void {
    for (const b of chunk) {
      if (b.length === 0) continue
      const before = this.window.bytes
      this.window.add(b)
      if (before < 2 && this.window.bytes >= 2 && !Gunzip.isGzip(this.window.head)) {
        this.failure ??= Gunzip.reasons.notGzip(this.path)
      }
      this.queue.push(b)
    }
  }

  /** Upstream has ended. */
  endInput(): void {
    this.inputDone = true
    const last = this.queue.at(-1)
    if (last !== undefined && last.length > 8) this.queue.splice(-1, 1, last.subarray(0, last.length - 8), last.subarray(last.length - 8))
  }

  /** Whether zlib left input unread: it ended the member and skipped what follows (a leading zero). */
  private stopped(): boolean {
    return !this.writing && this.z.bytesWritten < this.written
  }

  private isize(): number {
    const t = this.window.tail
    return t.length >= 4 ? Gunzip.readU32(t, t.length - 4) : 0
  }

  /** What to do next. */
  next(): Step {
    this.dirty = false
    if (this.failure !== undefined) return this.fail(this.failure)
    if (this.out.length > 0) {
      const chunk = Chunk.unsafeFromArray(this.out)
      this.out = []
      this.outBytes = 0
      if (this.paused) {
        this.paused = false
        this.z.resume()
      }
      return { _tag: "Emit", chunk }
    }
    if (this.zError !== undefined) return this.fail(reasonOf(this.zError, this.path, this.maxBytes, this.total, this.isize()))
    if (this.stopped()) {
      if (!this.zEnded) return WAIT
      const unread = this.written - this.z.bytesWritten
      const rest = [this.lastWritten.subarray(this.lastWritten.length - unread), ...this.queue]
      return { _tag: "Rest", rest, ended: this.inputDone }
    }
    if (this.zEnded) {
      // all input read, every member checked against its own trailer by zlib
      return this.endCalled ? DONE : WAIT // ended early: `stopped` tells once the write in flight is done
    }
    if (this.writing) return this.inputDone || this.queue.length >= 2 ? WAIT : PULL
    // nothing in the inflater: feed it (all but the newest chunk until the input has ended)
    if (this.queue.length > (this.inputDone ? 0 : 1)) {
      const isTrailer = this.inputDone && this.queue.length === 1
      // the trailer goes in once all output before it has been handed on (a failure then loses none)
      if (isTrailer && this.window.bytes > 8 && (this.z.readableLength > 0 || this.paused)) return WAIT
      const b = this.queue.shift()!
      this.writing = true
      this.lastWritten = b
      this.written += b.length
      this.z.write(b, (e) => {
        this.writing = false
        if (e != null && this.zError === undefined) this.zError = e
        this.wake()
      })
      return this.next()
    }
    if (!this.inputDone) return PULL
    if (this.window.bytes < 2) return this.fail(Gunzip.reasons.notGzip(this.path))
    if (this.window.bytes < Gunzip.minMemberBytes) return this.fail(Gunzip.reasons.truncated(this.path))
    if (!this.endCalled) {
      this.endCalled = true
      this.z.end()
    }
    return WAIT
  }

  close(): void {
    this.z.destroy()
  }
}

/** A pull of the input, as `Stream.toPull` gives it: `None` once the input has ended. */
type Pull<E, R> = Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<E>, R>

/** The next input chunk, or `undefined` once the input has ended (its failure fails the effect). */
const nextChunk = <E, R>(pull: Pull<E, R>): Effect.Effect<Chunk.Chunk<Uint8Array> | undefined, E, R> =>
  Effect.catchAll(pull, (e) => (Option.isNone(e) ? Effect.succeed(undefined) : Effect.fail(e.value)))

/** Input pulled ahead: `chunks`, then (unless `ended`) whatever the pull gives. */
interface Pulled {
  readonly chunks: Array<Uint8Array>
  readonly ended: boolean
}

/** The input as a stream again: what was pulled ahead, then the rest of the pull. */
const resume = <E, R>(pulled: Pulled, pull: Pull<E, R>): Stream.Stream<Uint8Array, E, R> => {
  const ahead = Stream.fromIterable(pulled.chunks)
  return pulled.ended ? ahead : Stream.concat(ahead, Stream.repeatEffectChunkOption(pull))
}

/** Pulls onto `pulled` until at least `n` bytes are there (or the input ends). */
const pullAhead = <E, R>(pull: Pull<E, R>, pulled: Pulled, n: number): Effect.Effect<Pulled, E, R> => {
  let bytes = 0
  for (const c of pulled.chunks) bytes += c.length
  if (bytes >= n || pulled.ended) return Effect.succeed(pulled)
  return Effect.flatMap(nextChunk(pull), (chunk) => {
    if (chunk === undefined) return Effect.succeed({ chunks: pulled.chunks, ended: true })
    for (const c of chunk) if (c.length > 0) pulled.chunks.push(c)
    return pullAhead(pull, pulled, n)
  })
}

/** The first `n` bytes of `chunks` (fewer if they hold fewer). */
const headOf = (chunks: ReadonlyArray<Uint8Array>, n: number): Uint8Array => {
  const head: Array<number> = []
  for (const c of chunks) {
    for (let i = 0; i < c.length && head.length < n; i++) head.push(c[i]!)
    if (head.length >= n) break
  }
  return Uint8Array.from(head)
}

/**
 * What follows a member where zlib stopped (at a zero byte), judged by the rule: zero bytes to the end are
 * padding; otherwise the first non-zero byte must start another member, read from there.
 */
const afterMember = <E, R>(
  rest: Pulled,
  pull: Pull<E, R>,
  path: string,
  maxBytes: number
): Stream.Stream<Uint8Array, CorruptBlob | E, R> =>
  Stream.unwrap(Effect.gen(function*() {
    const pending = rest.chunks.filter((c) => c.length > 0)
    const ended = rest.ended
    for (;;) {
      while (pending.length > 0) {
        const c = pending[0]!
        const at = c.findIndex((b) => b !== 0)
        if (at === 0) break
        if (at < 0) pending.shift()
        else pending[0] = c.subarray(at)
      }
      if (pending.length > 0) break
      const chunk = ended ? undefined : yield* nextChunk(pull)
      if (chunk === undefined) return Stream.empty
      for (const c of chunk) if (c.length > 0) pending.push(c)
    }
    const pulled = yield* pullAhead(pull, { chunks: pending, ended }, 2)
    if (!Gunzip.isGzip(headOf(pulled.chunks, 2))) return Stream.fail(Gunzip.reasons.invalid(path, "bytes after the gzip member"))
    return gunzipStream(resume(pulled, pull), path, maxBytes)
  }))

/**
 * Streaming gunzip: a `zlib.createGunzip()` driven from the input stream with backpressure (see the
 * module's contract); output comes in chunks of up to 64 KiB, a few per Stream chunk. A first member whose
 * header zlib would refuse goes to the portable reader; after zero padding, a member is read afresh.
 *
 * @since 0.1.0
 * @category implementations
 */
export const gunzipStream = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  path: string,
  maxBytes: number
): Stream.Stream<Uint8Array, CorruptBlob | E, R> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const pull = yield* Stream.toPull(input)
    // the header's flags byte, before zlib sees it
    const ahead = yield* pullAhead(pull, { chunks: [], ended: false }, 4)
    const head = headOf(ahead.chunks, 4)
    if (head.length >= 4 && Gunzip.isGzip(head) && headerZlibRefuses(head[3]!)) {
      return Gunzip.portable.gunzipStream(resume(ahead, pull), path, maxBytes)
    }
    const driver = yield* Effect.acquireRelease(
      Effect.sync(() => new Driver(path, maxBytes)),
      (d) => Effect.sync(() => d.close())
    )
    driver.input(Chunk.unsafeFromArray(ahead.chunks))
    if (ahead.ended) driver.endInput()
    let rest: Pulled | undefined
    const step: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<CorruptBlob | E>, R> = Effect.suspend(() => {
      const s = driver.next()
      switch (s._tag) {
        case "Emit":
          return Effect.succeed(s.chunk)
        case "Fail":
          return Effect.fail(Option.some(s.error))
        case "Done":
          return Effect.fail(Option.none())
        case "Rest":
          rest = { chunks: s.rest, ended: s.ended }
          return Effect.fail(Option.none())
        case "Wait":
          return Effect.zipRight(driver.wait, step)
        case "Pull":
          return Effect.matchEffect(pull, {
            onFailure: (e) => Option.isNone(e) ? Effect.zipRight(Effect.sync(() => driver.endInput()), step) : Effect.fail(e),
            onSuccess: (chunk) => Effect.zipRight(Effect.sync(() => driver.input(chunk)), step)
          })
      }
    })
    return Stream.concat(
      Stream.repeatEffectChunkOption(step),
      Stream.suspend(() => rest === undefined ? Stream.empty : afterMember(rest, pull, path, maxBytes - driver.total))
    )
  }))

/**
 * The `node:zlib` implementation of core's `Gunzip.Service`.
 *
 * @since 0.1.0
 * @category implementations
 */
export const service: Gunzip.Service = { gunzip, gunzipStream }

/**
 * Provides {@link service} as the gunzip in use (core's `Gunzip.Gunzip`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Gunzip.Gunzip> = Gunzip.layer(service)
