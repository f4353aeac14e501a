/**
 * Metaflow's content-addressed store: how blobs are packed (gzip, or raw with `cas_raw`), where they live,
 * and how an artifact `location` names its datastore root.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { ObjectReader, StoredObject } from "./Datastore.js"
import { CorruptBlob, type StorageError } from "./Errors.js"
import * as Gunzip from "./Gunzip.js"

/**
 * The largest blob we unpack into memory, by default (1 GiB). Bigger artifacts can still be streamed raw.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBlobBytes = Gunzip.defaultMaxBytes

/**
 * Gunzips a blob with the portable implementation ({@link Gunzip.portable}, the gzip rule of Python's
 * `GzipFile`), refusing output larger than `maxBytes` (counted while inflating, so a bomb that lies about
 * its size is stopped too) and checking each member's size and CRC: truncation, garbage or a tampered
 * trailer is a `CorruptBlob` naming the path. Effect programs use the implementation in context instead: {@link Gunzip.gunzip}.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzip = (bytes: Uint8Array, path: string, maxBytes = defaultMaxBlobBytes): Either.Either<Uint8Array, CorruptBlob> =>
  Gunzip.portable.gunzip(bytes, path, maxBytes)

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
 * What {@link unpack} and {@link unpackStream} take: `forceRaw` for callers that know the blob is raw (code
 * packages), `maxBytes` (default {@link defaultMaxBlobBytes} whole, unlimited streamed), and the gunzip
 * implementation (default {@link Gunzip.portable}; Effect programs pass the one in context, `yield* Gunzip.Gunzip`).
 *
 * @since 0.1.0
 * @category unpacking
 */
export interface UnpackOptions {
  readonly forceRaw?: boolean
  readonly maxBytes?: number
  readonly gunzip?: Gunzip.Service
}

/**
 * Unpacks a stored CAS object as Python does (see {@link packingOf}): raw blobs as they are, the others
 * gunzipped. `forceRaw` is for callers that know the blob is raw (code packages). A raw-flagged blob
 * that is gzip anyway is still returned as stored.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const unpack = (stored: StoredObject, path: string, options: UnpackOptions = {}): Either.Either<Uint8Array, CorruptBlob> => {
  if (options.forceRaw === true) return Either.right(stored.bytes)
  const packing = packingOf(stored.sidecar, path)
  if (Either.isLeft(packing)) return Either.left(packing.left)
  if (packing.right === "raw") return Either.right(stored.bytes)
  return (options.gunzip ?? Gunzip.portable).gunzip(stored.bytes, path, options.maxBytes ?? defaultMaxBlobBytes)
}

/**
 * Gunzips a stream of gzip bytes as it arrives with the portable implementation ({@link Gunzip.portable}),
 * in bounded memory, with the checks of {@link gunzip}: the trailer's size and CRC-32 are verified when the
 * input ends, so truncation, garbage or a tampered trailer fail the stream with a `CorruptBlob` naming the
 * path (after the chunks unpacked so far: a consumer that must not keep partial output should write aside
 * and commit on success). Output is unlimited unless `maxBytes` is given. Effect programs use the
 * implementation in context instead: {@link Gunzip.gunzipStream}.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzipStream = <E, R>(
  input: Stream.Stream<Uint8Array, E, R>,
  path: string,
  maxBytes = Number.POSITIVE_INFINITY
): Stream.Stream<Uint8Array, CorruptBlob | E, R> => Gunzip.portable.gunzipStream(input, path, maxBytes)

/**
 * Streaming {@link unpack}: the stored bytes of a CAS object as a stream, and its sidecar (from the
 * storage's `<key>_meta` object, or none). Raw blobs pass through untouched; the others are gunzipped
 * as they arrive (by `options.gunzip`, default {@link Gunzip.portable}). The blob is never held whole.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const unpackStream = <E, R>(
  stored: Stream.Stream<Uint8Array, E, R>,
  sidecar: Option.Option<string>,
  path: string,
  options: UnpackOptions = {}
): Stream.Stream<Uint8Array, CorruptBlob | E, R> => {
  if (options.forceRaw === true) return stored
  const packing = packingOf(sidecar, path)
  if (Either.isLeft(packing)) return Stream.fail(packing.left)
  if (packing.right === "raw") return stored
  return (options.gunzip ?? Gunzip.portable).gunzipStream(stored, path, options.maxBytes ?? Number.POSITIVE_INFINITY)
}

/** The buffer a raw blob is copied through by {@link unpackInto}. */
const rawCopyBytes = 256 * 1024

/**
 * {@link unpackStream} into `write`, in buffers it owns: reads the stored object from `reader` and hands
 * each unpacked chunk to `write`, **valid only until its effect completes** (the memory is reused), so
 * that a copy of any size allocates nothing per chunk (see {@link Gunzip.gunzipInto}: pure JavaScript, on
 * every platform). Raw blobs are copied as stored. Returns the number of bytes written; a truncated or
 * corrupt blob fails after the chunks unpacked so far, as in the stream.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const unpackInto = <E, R>(
  reader: ObjectReader,
  sidecar: Option.Option<string>,
  path: string,
  write: (chunk: Uint8Array) => Effect.Effect<void, E, R>,
  options: Pick<UnpackOptions, "forceRaw" | "maxBytes"> = {}
): Effect.Effect<number, CorruptBlob | StorageError | E, R> => {
  const packing = options.forceRaw === true ? Either.right("raw" as const) : packingOf(sidecar, path)
  if (Either.isLeft(packing)) return Effect.fail(packing.left)
  if (packing.right === "gzip") return Gunzip.gunzipInto(reader.read, write, path, options.maxBytes)
  return Effect.suspend(() => {
    const buffer = new Uint8Array(rawCopyBytes)
    let total = 0
    const step: Effect.Effect<number, StorageError | E, R> = Effect.flatMap(reader.read(buffer), (n) => {
      if (n === 0) return Effect.succeed(total)
      total += n
      return Effect.zipRight(write(buffer.subarray(0, n)), step)
    })
    return step
  })
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
