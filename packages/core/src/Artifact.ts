/**
 * Data artifacts: their records, raw bytes and decoded values. Python: `DataArtifact`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Cas from "./Cas.js"
import * as Datastore from "./Datastore.js"
import * as Gunzip from "./Gunzip.js"
import { CorruptBlob, CorruptRecord, UnsupportedEncoding, type DatastoreNotProvided, type StorageError } from "./Errors.js"
import { MetadataProvider } from "./MetadataProvider.js"
import * as Namespace from "./Namespace.js"
import * as Pathspec from "./Pathspec.js"
import * as Pickle from "./Pickle.js"
import type { PyValue } from "./PyValue.js"
import { ensureInNamespace, orNotFound, validateAttempt } from "./internal/lookup.js"
import { ArtifactObject, TaskObject } from "./internal/model.js"
import { includedFile } from "./internal/values.js"
import * as Task from "./Task.js"

/**
 * An artifact: its path, its record (of one attempt), and its namespace.
 *
 * @since 0.1.0
 * @category models
 */
export type DataArtifact = ArtifactObject

/**
 * Errors of reading bytes and values.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReadError = StorageError | DatastoreNotProvided | UnsupportedEncoding | Pickle.PickleError | import("./Errors.js").InvalidPathspec

/**
 * The encodings Metaflow's pickle serializer writes; all are a CAS-packed pickle.
 *
 * @since 0.1.0
 * @category constants
 */
export const pickleEncodings: ReadonlyArray<string> = ["pickle-v2", "pickle-v4", "gzip+pickle-v2", "gzip+pickle-v4"]

/**
 * An artifact by pathspec `Flow/RunID/StepName/TaskID/Name`, of the latest done attempt or of the given
 * one. Python: `DataArtifact(pathspec, attempt=N)`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const get = Effect.fn("Artifact.get")(function*(pathspec: string, options: { readonly attempt?: unknown } = {}) {
  const attempt = yield* validateAttempt(options.attempt)
  const path = yield* Pathspec.parse("DataArtifact", pathspec)
  const md = yield* MetadataProvider
  const namespace = yield* Namespace.get
  const taskPath = { flow: path.flow, run: path.run, step: path.step, task: path.task }
  const taskRecord = yield* md.getTask(taskPath).pipe(orNotFound("DataArtifact", pathspec, attempt))
  const task = new TaskObject({ path: taskPath, record: taskRecord, namespace: null, attempt })
  const record = yield* Task.artifactRecord(task, path.artifact).pipe(orNotFound("DataArtifact", pathspec, attempt))
  yield* ensureInNamespace(namespace, pathspec, record)
  return new ArtifactObject({ path, record, namespace, attempt })
})

const rootOf = (a: DataArtifact) => Cas.rootOfLocation(a.record.location, a.path.flow)

/**
 * The serialized bytes of the artifact (the pickle), read from the datastore its record names and
 * unpacked (gunzipped unless the blob is stored raw).
 *
 * @since 0.1.0
 * @category bytes
 */
export const bytes = Effect.fn("Artifact.bytes")(function*(artifact: DataArtifact) {
  // a copy: the unpacked blob itself may be shared through the cache below
  return (yield* sharedBytes(artifact)).slice()
})

/**
 * The serialized bytes of the artifact (the pickle) as a stream: read from the datastore in chunks and
 * gunzipped as they arrive (raw blobs pass through), so an artifact of any size is read in bounded
 * memory, where {@link bytes} holds it whole (and refuses blobs over 1 GiB). The gzip trailer (size and
 * CRC-32) is checked at the end: a truncated or corrupt blob fails the stream with a `CorruptBlob` after
 * the chunks unpacked so far, so write aside and keep the result only when the stream succeeds.
 *
 * The packing is read from the blob's `<key>_meta` sidecar on local disk; S3 keeps the sidecar in the
 * object's metadata, which the storage port returns only with the whole object, so S3 blobs are
 * gunzipped, as Metaflow packs every artifact (`cas_version` 1).
 *
 * @example
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import * as FileSystem from "@effect/platform/FileSystem"
 * import { Artifact } from "@metaflow-client/core"
 * import { Effect, Stream } from "effect"
 *
 * const save = Effect.gen(function*() {
 *   const fs = yield* FileSystem.FileSystem
 *   const a = yield* Artifact.get("ArtifactZooFlow/1795767114295475/big/2/large_bytes")
 *   yield* Stream.run(Artifact.stream(a), fs.sink("large_bytes.pickle"))
 * })
 * ```
 *
 * @since 0.1.0
 * @category bytes
 */
export const stream = (
  artifact: DataArtifact
): Stream.Stream<Uint8Array, StorageError | DatastoreNotProvided> =>
  Stream.unwrap(Effect.gen(function*() {
    const blob = yield* storedBlob(artifact)
    const stored = blob.storage.stream(blob.root, blob.key).pipe(Stream.mapError(missingAsCorrupt(blob.path)))
    return Cas.unpackStream(stored, blob.sidecar, blob.path, { gunzip: yield* Gunzip.Gunzip })
  })).pipe(Stream.withSpan("Artifact.stream", { attributes: { pathspec: artifact.pathspec } }))

/**
 * The serialized bytes of the artifact (the pickle), as {@link stream} gives them, handed to `write` chunk
 * by chunk in buffers this function owns and reuses: **a chunk is valid only until `write`'s effect
 * completes**, so write it out (or copy it) before returning. Nothing is allocated per chunk, so a copy of
 * any size stays at the memory it started with, where a stream's fresh chunks pile up as 30 MB or more of
 * garbage before V8 collects them (bench/NOTES.md). Gunzips in JavaScript on every platform, a little
 * slower than `node:zlib`, which {@link stream} uses where provided (1 GiB to a file: about 10 s against 8 s
 * here). Returns the number of bytes written.
 *
 * As with {@link stream}, a truncated or corrupt blob fails with a `CorruptBlob` after the chunks unpacked
 * so far: write aside and keep the result only on success.
 *
 * @example
 * ```ts
 * import * as FileSystem from "@effect/platform/FileSystem"
 * import { Artifact } from "@metaflow-client/core"
 * import { Effect } from "effect"
 *
 * const save = Effect.scoped(Effect.gen(function*() {
 *   const fs = yield* FileSystem.FileSystem
 *   const a = yield* Artifact.get("ArtifactZooFlow/1795767114295475/big/2/large_bytes")
 *   const file = yield* fs.open("large_bytes.pickle", { flag: "w" })
 *   return yield* Artifact.writeTo(a, (chunk) => file.writeAll(chunk))
 * }))
 * ```
 *
 * @since 0.1.0
 * @category bytes
 */
export const writeTo = <E, R>(
  artifact: DataArtifact,
  write: (chunk: Uint8Array) => Effect.Effect<void, E, R>
): Effect.Effect<number, StorageError | DatastoreNotProvided | E, R> =>
  // not `Effect.fn`: it would drop the type parameters of `write`
  Effect.scoped(Effect.gen(function*() {
    const blob = yield* storedBlob(artifact)
    const missing = missingAsCorrupt(blob.path)
    const opened = yield* Effect.mapError(Datastore.openObject(blob.storage, blob.root, blob.key), missing)
    // a storage read through its stream learns that the blob is missing at the first read, not at the open
    const reader: Datastore.ObjectReader = { read: (into) => Effect.mapError(opened.read(into), missing) }
    return yield* Cas.unpackInto(reader, blob.sidecar, blob.path, write)
  })).pipe(Effect.withSpan("Artifact.writeTo", { attributes: { pathspec: artifact.pathspec } }))

/** Where an artifact's blob is stored, and its packing sidecar (local disk only; S3 keeps it with the object). */
const storedBlob = (artifact: DataArtifact) =>
  Effect.gen(function*() {
    const storage = yield* Datastore.storageFor(artifact.record.dsType)
    const root = yield* rootOf(artifact)
    const key = Datastore.blobKey(artifact.path.flow, artifact.record.sha)
    const sidecar = storage.dsType === "local"
      ? Option.map(yield* storage.read(root, `${key}_meta`), (b) => new TextDecoder().decode(b))
      : Option.none<string>()
    return { storage, root, key, path: `${root}/${key}`, sidecar }
  })

/** A blob the metadata names but the store lacks is a corrupt artifact, not an absent one. */
const missingAsCorrupt = (path: string) => (e: StorageError): StorageError =>
  e._tag === "BackendError" && e.status === 404 ? new CorruptBlob({ path, reason: "blob is missing" }) : e

/** The unpacked blob, possibly shared with other callers through the cache: read-only. */
const sharedBytes = (artifact: DataArtifact) => Effect.gen(function*() {
  const storage = yield* Datastore.storageFor(artifact.record.dsType)
  const root = yield* rootOf(artifact)
  const key = Datastore.blobKey(artifact.path.flow, artifact.record.sha)
  const cacheKey = `${root}\u0000${key}`
  const cache = blobCacheOf(storage)
  const hit = cache.get(cacheKey)
  if (hit !== undefined) return hit
  const stored = yield* storage.readWithSidecar(root, key)
  if (Option.isNone(stored)) return yield* new CorruptBlob({ path: `${root}/${key}`, reason: "blob is missing" })
  const unpacked = yield* Cas.unpack(stored.value, `${root}/${key}`, { gunzip: yield* Gunzip.Gunzip })
  cache.set(cacheKey, unpacked)
  return unpacked
})

/**
 * Unpacked blobs are content-addressed (the key is the SHA-1 of the bytes), so they never go stale: small
 * ones are kept per storage instance (so per Layer, never process-wide) in a bounded LRU. Callers get the
 * same bytes object: treat it as read-only (decoding never mutates it).
 */
const blobCacheMaxEntryBytes = 1024 * 1024
const blobCacheMaxTotalBytes = 64 * 1024 * 1024

class BlobCache {
  private readonly entries = new Map<string, Uint8Array>()
  private total = 0
  get(key: string): Uint8Array | undefined {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }
  set(key: string, bytes: Uint8Array): void {
    if (bytes.length > blobCacheMaxEntryBytes || this.entries.has(key)) return
    this.entries.set(key, bytes)
    this.total += bytes.length
    for (const [k, v] of this.entries) {
      if (this.total <= blobCacheMaxTotalBytes) break
      this.entries.delete(k)
      this.total -= v.length
    }
  }
}

const blobCaches = new WeakMap<Datastore.Storage, BlobCache>()
const blobCacheOf = (storage: Datastore.Storage): BlobCache => {
  let cache = blobCaches.get(storage)
  if (cache === undefined) {
    cache = new BlobCache()
    blobCaches.set(storage, cache)
  }
  return cache
}

/**
 * The decoded value. An `IncludeFile` artifact gives the included file's content (text, or bytes when
 * the file is binary), as Python does. Python: `artifact.data`.
 *
 * @since 0.1.0
 * @category values
 */
export const value = Effect.fn("Artifact.value")((artifact: DataArtifact) => valueUntraced(artifact))

/**
 * {@link value} without its span, for core's own accessors built on it (`Task.successful`, ...): one
 * span per user call, not one per layer (a span costs more than decoding a small value).
 *
 * @internal
 */
export const valueUntraced = (artifact: DataArtifact) =>
  Effect.gen(function*() {
    if (!pickleEncodings.includes(artifact.record.contentType)) {
      return yield* new UnsupportedEncoding({ pathspec: artifact.pathspec, encoding: artifact.record.contentType })
    }
    const decoded: PyValue = yield* Pickle.decodeUntraced(yield* sharedBytes(artifact))
    const descriptor = includedFile(decoded)
    if (descriptor === undefined) return decoded
    return yield* includedContent(artifact, descriptor)
  })

/**
 * The values of many artifacts, each distinct content (same datastore, location, sha and encoding) read
 * and decoded once: `values[i]` is the value of `artifacts[i]`. For questions about many tasks, whose
 * artifacts mostly share a few blobs (`_success` is one of two pickles in every run).
 *
 * @internal
 */
export const valuesOfMany = (artifacts: ReadonlyArray<DataArtifact>, concurrency: number) =>
  Effect.gen(function*() {
    const keyOf = (a: DataArtifact) =>
      `${a.record.dsType}\u0000${a.record.location}\u0000${a.record.sha}\u0000${a.record.contentType}`
    const distinct = new Map<string, DataArtifact>()
    for (const a of artifacts) if (!distinct.has(keyOf(a))) distinct.set(keyOf(a), a)
    const decoded = yield* Effect.forEach(distinct, ([key, a]) => Effect.map(valueUntraced(a), (v) => [key, v] as const), {
      concurrency
    })
    const byKey = new Map<string, PyValue>(decoded)
    return artifacts.map((a) => byKey.get(keyOf(a))!)
  })

const includedContent = (artifact: DataArtifact, d: NonNullable<ReturnType<typeof includedFile>>) =>
  Effect.gen(function*() {
    const scheme = d.url.split("://")[0] ?? ""
    const storage = yield* Datastore.storageFor(scheme)
    const root = yield* rootOf(artifact)
    const raw = yield* storage.readUrl(d.url, root)
    if (Option.isNone(raw)) return yield* new CorruptBlob({ path: d.url, reason: "included file is missing" })
    const packed = d.subType === "uploaded" || d.type === "uploader-v1"
    const content = packed ? yield* (yield* Gunzip.Gunzip).gunzip(raw.value, d.url, Cas.defaultMaxBlobBytes) : raw.value
    if (!d.isText) return content as PyValue
    return new TextDecoder(d.encoding === "utf-8" || d.encoding === "utf8" ? "utf-8" : d.encoding).decode(content) as PyValue
  })

/**
 * The size Python reports: the serialized size from the attempt's `data.json` (`info[name].size`); for an
 * `IncludeFile` artifact, the included file's size. Python: `artifact.size`.
 *
 * @since 0.1.0
 * @category bytes
 */
export const size = Effect.fn("Artifact.size")(function*(artifact: DataArtifact) {
  const info = yield* dataInfo(artifact)
  const entry = info[artifact.path.artifact]
  if (entry !== undefined && entry.type === "<class 'metaflow.includefile.IncludedFile'>") {
    const decoded = yield* Pickle.decodeUntraced(yield* sharedBytes(artifact))
    const d = includedFile(decoded)
    if (d?.size !== undefined) return d.size
  }
  if (entry === undefined || typeof entry.size !== "number") {
    return yield* new CorruptRecord({ path: artifact.pathspec, reason: "no size recorded in data.json" })
  }
  return entry.size
})

/**
 * The Python type name recorded for the artifact (`<class 'int'>`), when the datastore has it.
 *
 * @since 0.1.0
 * @category bytes
 */
export const pythonType = Effect.fn("Artifact.pythonType")(function*(artifact: DataArtifact) {
  const info = yield* dataInfo(artifact)
  return Option.fromNullable(info[artifact.path.artifact]?.type)
})

/**
 * What the datastore recorded for the artifact in its attempt's `data.json` (`info[name]`): serialized
 * `size`, Python `type` and `encoding`; none when the entry is absent.
 *
 * @since 0.1.0
 * @category bytes
 */
export const datastoreInfo = Effect.fn("Artifact.datastoreInfo")(function*(artifact: DataArtifact) {
  const info = yield* dataInfo(artifact)
  const entry = info[artifact.path.artifact]
  return Option.fromNullable(entry as { readonly size?: number; readonly type?: string; readonly encoding?: string } | undefined)
})

type Info = Record<string, { size?: number; type?: string } | undefined>

/**
 * Parsed `data.json` files, most recently used last. They are written once, when their attempt is
 * done, and never change, so a small bounded cache is safe; it spares re-reading one file per artifact.
 */
const infoCaches = new WeakMap<Datastore.Storage, Map<string, Info>>()
const infoCacheSize = 64

/** `info` of `<attempt>.data.json`: name → { size, type, encoding }. */
const dataInfo = (artifact: DataArtifact) =>
  Effect.gen(function*() {
    const storage = yield* Datastore.storageFor(artifact.record.dsType)
    const root = yield* rootOf(artifact)
    const key = Datastore.taskFileKey(artifact.path, artifact.record.attemptId, "data.json")
    const cacheKey = `${root}\u0000${key}`
    let infoCache = infoCaches.get(storage)
    if (infoCache === undefined) {
      infoCache = new Map()
      infoCaches.set(storage, infoCache)
    }
    const cached = infoCache.get(cacheKey)
    if (cached !== undefined) {
      infoCache.delete(cacheKey)
      infoCache.set(cacheKey, cached)
      return cached
    }
    const info = yield* readInfo(storage, root, key)
    infoCache.set(cacheKey, info)
    if (infoCache.size > infoCacheSize) infoCache.delete(infoCache.keys().next().value!)
    return info
  })

const readInfo = (storage: Datastore.Storage, root: string, key: string) =>
  Effect.gen(function*() {
    const raw = yield* storage.read(root, key)
    if (Option.isNone(raw)) return yield* new CorruptRecord({ path: `${root}/${key}`, reason: "missing" })
    const parsed = Either.try(() => JSON.parse(new TextDecoder().decode(raw.value)) as unknown)
    if (Either.isLeft(parsed)) return yield* new CorruptRecord({ path: `${root}/${key}`, reason: "not JSON" })
    const info = (parsed.right as { info?: unknown } | null)?.info
    // A null-prototype copy: artifact names like `constructor` or `__proto__` must not find Object's members.
    const out: Info = Object.create(null)
    if (typeof info !== "object" || info === null || Array.isArray(info)) return out
    for (const [name, entry] of Object.entries(info)) {
      if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) out[name] = entry as Info[string]
    }
    return out
  })

/**
 * When the artifact's attempt was marked done (Python's `created_at` and `finished_at` of an artifact).
 *
 * @since 0.1.0
 * @category accessors
 */
export const createdAt = (artifact: DataArtifact): Date => new Date(artifact.record.tsEpoch)
