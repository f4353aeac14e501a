/**
 * Gunzip on `node:zlib` (native inflate, CRC-32 and size checks), for Node, Bun and Deno: an implementation
 * of core's `Gunzip` port, provided by `NodeLocalProvider`'s layers. Several times faster than the
 * portable (fflate) implementation on big blobs, and its streaming form runs in a few hundred KiB.
 *
 * It answers as the portable implementation does (core's `Gunzip` module states the contract): the same
 * pre-checks and reasons, bytes after the gzip member handled alike (zlib would skip trailing bytes that
 * start with a zero; they are judged here as the portable implementation judges them), and a member that
 * zlib refuses while fflate tolerates it (reserved header flags, a wrong header CRC or stored-block length,
 * bytes between the DEFLATE data and the trailer) is refused, never decoded differently.
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

/** `zlib`'s failure as the portable implementation words it. */
const reasonOf = (e: unknown, path: string, maxBytes: number, total: number, isize: number): CorruptBlob => {
  const err = e as { readonly code?: unknown; readonly message?: unknown }
  const message = typeof err?.message === "string" ? err.message : String(e)
  if (e instanceof RangeError || err?.code === "ERR_BUFFER_TOO_LARGE") return Gunzip.reasons.tooLarge(path, maxBytes)
  if (err?.code === "Z_BUF_ERROR" || message === "unexpected end of file") return Gunzip.reasons.truncated(path)
  if (message === "incorrect data check") return Gunzip.reasons.checksumMismatch(path)
  if (message === "incorrect length check") return Gunzip.reasons.sizeMismatch(path, total, isize)
  return Gunzip.reasons.invalid(path, message)
}

/**
 * zlib stops at bytes after a gzip member that start with a zero (padding, to zlib) and returns what it
 * inflated. The portable implementation reads a member header in four or more such bytes (and fails), and
 * with one to three takes the last eight input bytes as the trailer: judged here the same way. `window` is
 * the input's last `leftover + 8` bytes (or more); zlib has checked the member's own trailer against the
 * output, so the member's CRC is the output's.
 */
const leftoverVerdict = (path: string, window: Uint8Array, leftover: number, total: number): CorruptBlob | undefined => {
  if (leftover >= 4) return Gunzip.reasons.invalid(path, "invalid gzip data")
  const n = window.length
  return Gunzip.checkTrailer(path, window.subarray(n - 8), total, Gunzip.readU32(window, n - leftover - 8))
}

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
  const n = bytes.length
  const isize = Gunzip.readU32(bytes, n - 4)
  const limit = Math.max(1, Math.min(maxBytes, bufferConstants.MAX_LENGTH))
  let out: Buffer
  let consumed: number
  try {
    const r = zlib.gunzipSync(bytes, {
      maxOutputLength: limit,
      chunkSize: Math.max(minChunkBytes, Math.min(isize + 1, limit + 1)),
      info: true
    }) as unknown as { readonly buffer: Buffer; readonly engine: { readonly bytesWritten: number } }
    out = r.buffer
    consumed = r.engine.bytesWritten
  } catch (e) {
    // zlib does not say how much it inflated before a wrong size: the portable implementation does
    if ((e as { message?: unknown }).message === "incorrect length check") return Gunzip.portable.gunzip(bytes, path, maxBytes)
    return Either.left(reasonOf(e, path, maxBytes, 0, isize))
  }
  if (out.length > maxBytes) return Either.left(Gunzip.reasons.tooLarge(path, maxBytes))
  const verdict = consumed < n
    ? leftoverVerdict(path, bytes.subarray(Math.max(0, n - 12)), n - consumed, out.length)
    : Gunzip.checkTrailer(path, bytes.subarray(n - 8), out.length, Gunzip.readU32(bytes, n - 8)) // several members
  if (verdict !== undefined) return Either.left(verdict)
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
  /** The gzip magic and the last 12 input bytes: the trailer, and up to three bytes after it. */
  private readonly window = new Gunzip.InputWindow(12)
  /** Input received and not yet written to the inflater. */
  private readonly queue: Array<Uint8Array> = []
  private written = 0
  private writing = false
  private inputDone = false
  private endCalled = false
  private zEnded = false
  private zError: unknown = undefined
  private failure: CorruptBlob | undefined
  private out: Array<Uint8Array> = []
  private outBytes = 0
  private total = 0
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
      const leftover = this.window.bytes - this.z.bytesWritten
      if (leftover >= 4) return this.fail(Gunzip.reasons.invalid(this.path, "invalid gzip data"))
      if (!this.inputDone) return PULL
      if (!this.zEnded) return WAIT
      const verdict = leftoverVerdict(this.path, this.window.tail, leftover, this.total)
      return verdict === undefined ? DONE : this.fail(verdict)
    }
    if (this.zEnded) {
      if (!this.endCalled) return WAIT // ended early: `stopped` tells once the write in flight is done
      // all input read; several members → the last one's trailer against all the output, as the portable one
      const t = this.window.tail
      const verdict = Gunzip.checkTrailer(this.path, t.subarray(t.length - 8), this.total, Gunzip.readU32(t, t.length - 8))
      return verdict === undefined ? DONE : this.fail(verdict)
    }
    if (this.writing) return this.inputDone || this.queue.length >= 2 ? WAIT : PULL
    // nothing in the inflater: feed it (all but the newest chunk until the input has ended)
    if (this.queue.length > (this.inputDone ? 0 : 1)) {
      const isTrailer = this.inputDone && this.queue.length === 1
      // the trailer goes in once all output before it has been handed on (a failure then loses none)
      if (isTrailer && this.window.bytes > 8 && (this.z.readableLength > 0 || this.paused)) return WAIT
      const b = this.queue.shift()!
      this.writing = true
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

/**
 * Streaming gunzip: a `zlib.createGunzip()` driven from the input stream with backpressure (see the
 * module's contract); output comes in chunks of up to 64 KiB, a few per Stream chunk.
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
    const driver = yield* Effect.acquireRelease(
      Effect.sync(() => new Driver(path, maxBytes)),
      (d) => Effect.sync(() => d.close())
    )
    const step: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<CorruptBlob | E>, R> = Effect.suspend(() => {
      const s = driver.next()
      switch (s._tag) {
        case "Emit":
          return Effect.succeed(s.chunk)
        case "Fail":
          return Effect.fail(Option.some(s.error))
        case "Done":
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
    return Stream.repeatEffectChunkOption(step)
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
