/**
 * Metaflow's content-addressed store: how blobs are packed (gzip, or raw with `cas_raw`), where they live,
 * and how an artifact `location` names its datastore root.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { gunzipSync } from "fflate"
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

/**
 * Gunzips one gzip member, refusing output larger than `maxBytes` and reporting truncation or garbage as
 * `CorruptBlob` naming the path.
 *
 * @since 0.1.0
 * @category unpacking
 */
export const gunzip = (bytes: Uint8Array, path: string, maxBytes = defaultMaxBlobBytes): Either.Either<Uint8Array, CorruptBlob> => {
  if (!isGzip(bytes)) return Either.left(new CorruptBlob({ path, reason: "not gzip data" }))
  if (bytes.length < 18) return Either.left(new CorruptBlob({ path, reason: "truncated gzip data" }))
  // ISIZE (the last 4 bytes) is the uncompressed size mod 2^32: check it before allocating.
  const n = bytes.length
  const isize = (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0
  if (isize > maxBytes) {
    return Either.left(new CorruptBlob({ path, reason: `declared size ${isize} exceeds the limit of ${maxBytes} bytes` }))
  }
  try {
    const out = gunzipSync(bytes)
    if (out.length !== isize) {
      return Either.left(new CorruptBlob({ path, reason: `truncated gzip data (${out.length} of ${isize} bytes)` }))
    }
    return Either.right(out)
  } catch (e) {
    return Either.left(new CorruptBlob({ path, reason: `invalid gzip data: ${e instanceof Error ? e.message : String(e)}` }))
  }
}

/**
 * Unpacks a stored CAS object as Python does: sidecar `cas_raw: true` → as is; no sidecar (pre-2.4) →
 * gunzip; `cas_version` 1 → gunzip; anything else is an error. `forceRaw` is for callers that know the
 * blob is raw (code packages). A raw-flagged blob that is gzip anyway is still returned as stored.
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
  if (Option.isSome(stored.sidecar)) {
    let meta: unknown
    try {
      meta = JSON.parse(stored.sidecar.value)
    } catch {
      return Either.left(new CorruptBlob({ path, reason: "sidecar metadata is not JSON" }))
    }
    if (typeof meta !== "object" || meta === null) {
      return Either.left(new CorruptBlob({ path, reason: "sidecar metadata is not an object" }))
    }
    const m = meta as { cas_raw?: unknown; cas_version?: unknown }
    if (m.cas_raw === true) return Either.right(stored.bytes)
    if (m.cas_version === undefined) return Either.left(new CorruptBlob({ path, reason: "Could not extract encoding version" }))
    if (m.cas_version !== 1) return Either.left(new CorruptBlob({ path, reason: `Unknown encoding version ${String(m.cas_version)}` }))
  }
  return gunzip(stored.bytes, path, options.maxBytes)
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
