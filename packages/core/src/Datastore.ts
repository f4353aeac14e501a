/**
 * The datastore port: "the bytes". A storage backend reads objects by (root, key) below a datastore root
 * and never lists. Core routes every read to the storage named by the metadata (`ds-type`, `ds_type`)
 * and owns the formats: the content-addressed store's packing, task files, logs and code packages.
 *
 * Each datastore type has its own tag, so backends compose by merging Layers:
 * `Layer.mergeAll(LocalProvider.layer(...), S3Datastore.layer(...))`.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { DatastoreNotProvided, type StorageError } from "./Errors.js"

/**
 * A stored object with the user metadata its storage keeps beside it (the CAS sidecar JSON text:
 * a `<key>_meta` file on local disk, the `metaflow-user-attributes` object metadata on S3).
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredObject {
  readonly bytes: Uint8Array
  readonly sidecar: Option.Option<string>
}

/**
 * What a storage backend supplies. `root` is a datastore root as recorded by Metaflow (an absolute
 * `.metaflow` path, or `s3://bucket/prefix`); `key` is `/`-separated below it. Absent objects are `None`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Storage {
  readonly dsType: string
  readonly read: (root: string, key: string) => Effect.Effect<Option.Option<Uint8Array>, StorageError>
  /** An object and its CAS sidecar. */
  readonly readWithSidecar: (root: string, key: string) => Effect.Effect<Option.Option<StoredObject>, StorageError>
  readonly size: (root: string, key: string) => Effect.Effect<Option.Option<number>, StorageError>
  /** Large objects in chunks, in bounded memory; fails with a not-found `BackendError` when absent. */
  readonly stream: (root: string, key: string) => Stream.Stream<Uint8Array, StorageError>
  /**
   * Optional: a large object opened for reads into the caller's buffers, so that a copy allocates nothing
   * per chunk (see {@link ObjectReader}); closed with the scope. Fails with a not-found `BackendError`
   * when absent. Without it, {@link openObject} reads the object's {@link Storage.stream}.
   */
  readonly open?: (root: string, key: string) => Effect.Effect<ObjectReader, StorageError, Scope.Scope>
  /**
   * Reads an absolute URL of this storage's scheme (IncludeFile payloads: `local:///…`, `s3://…`), given
   * the datastore root the referring artifact came from; a storage may refuse URLs outside its roots.
   */
  readonly readUrl: (url: string, root: string) => Effect.Effect<Option.Option<Uint8Array>, StorageError>
}

/**
 * An object open for reading, front to back, into buffers the caller owns.
 *
 * @since 0.1.0
 * @category models
 */
export interface ObjectReader {
  /** Reads the next bytes into the start of `into` (not empty) and returns how many: 0 only at the end of the object. */
  readonly read: (into: Uint8Array) => Effect.Effect<number, StorageError>
}

/**
 * Opens an object for reads into the caller's buffers: the storage's own {@link Storage.open} where it
 * has one, else its {@link Storage.stream}, whose chunks are copied into the caller's buffers.
 *
 * @since 0.1.0
 * @category accessors
 */
export const openObject = (
  storage: Storage,
  root: string,
  key: string
): Effect.Effect<ObjectReader, StorageError, Scope.Scope> =>
  storage.open !== undefined
    ? storage.open(root, key)
    : Effect.map(Stream.toPull(storage.stream(root, key)), (pull): ObjectReader => {
      // the chunk being copied out, and how much of it is left
      let pending: Array<Uint8Array> = []
      let current: Uint8Array | undefined
      let at = 0
      let ended = false
      const copy = (into: Uint8Array): number => {
        const n = Math.min(into.length, current!.length - at)
        into.set(current!.subarray(at, at + n))
        at += n
        if (at === current!.length) current = undefined
        return n
      }
      const read = (into: Uint8Array): Effect.Effect<number, StorageError> =>
        Effect.suspend(() => {
          while (current === undefined && pending.length > 0) {
            const next = pending.shift()!
            if (next.length > 0) {
              current = next
              at = 0
            }
          }
          if (into.length === 0) return Effect.succeed(0)
          if (current !== undefined) return Effect.succeed(copy(into))
          if (ended) return Effect.succeed(0)
          return Effect.matchEffect(pull, {
            onFailure: Option.match({
              onNone: () => Effect.sync(() => (ended = true, 0)),
              onSome: Effect.fail
            }),
            onSuccess: (chunk) => Effect.suspend(() => ((pending = [...chunk]), read(into)))
          })
        })
      return { read }
    })

/**
 * The local-disk datastore (`ds-type: local`), supplied by `@metaflow-client/provider-local`.
 *
 * @since 0.1.0
 * @category tags
 */
export class LocalStorage extends Context.Tag("@metaflow-client/core/Datastore/LocalStorage")<LocalStorage, Storage>() {}

/**
 * The S3 datastore (`ds-type: s3`), supplied by `@metaflow-client/datastore-s3`.
 *
 * @since 0.1.0
 * @category tags
 */
export class S3Storage extends Context.Tag("@metaflow-client/core/Datastore/S3Storage")<S3Storage, Storage>() {}

const hints: Record<string, string> = {
  local: "provide LocalProvider.layer (or LocalProvider.storageLayer) from @metaflow-client/provider-local",
  s3: "provide S3Datastore.layer or S3Datastore.layerConfig from @metaflow-client/datastore-s3"
}

/**
 * The storage for a datastore type, or a typed error naming the Layer to add.
 *
 * @since 0.1.0
 * @category accessors
 */
export const storageFor = (dsType: string): Effect.Effect<Storage, DatastoreNotProvided> => {
  const lookup: Effect.Effect<Option.Option<Storage>> | undefined = dsType === "local"
    ? Effect.serviceOption(LocalStorage)
    : dsType === "s3"
    ? Effect.serviceOption(S3Storage)
    : undefined
  if (lookup === undefined) {
    return Effect.fail(
      new DatastoreNotProvided({ dsType, hint: "this client reads the local and s3 datastores only" })
    )
  }
  return Effect.flatMap(
    lookup,
    Option.match({
      onNone: () => Effect.fail(new DatastoreNotProvided({ dsType, hint: hints[dsType] ?? "" })),
      onSome: Effect.succeed
    })
  )
}

/**
 * Joins a key below a root the way Metaflow does: trailing `/` of the root and leading/trailing `/` of the
 * parts are stripped.
 *
 * @since 0.1.0
 * @category keys
 */
export const joinKey = (...parts: ReadonlyArray<string>): string =>
  parts.map((p) => p.replace(/^\/+|\/+$/g, "")).filter((p) => p.length > 0).join("/")

/**
 * Key of a content-addressed blob of a flow.
 *
 * @since 0.1.0
 * @category keys
 */
export const blobKey = (flow: string, sha: string): string => `${flow}/data/${sha.slice(0, 2)}/${sha}`

/**
 * Key of a per-attempt task file (`<attempt>.data.json`, `<attempt>.runtime_stdout.log`, ...).
 *
 * @since 0.1.0
 * @category keys
 */
export const taskFileKey = (
  task: { readonly flow: string; readonly run: string; readonly step: string; readonly task: string },
  attempt: number,
  name: string
): string => `${task.flow}/${task.run}/${task.step}/${task.task}/${attempt}.${name}`
