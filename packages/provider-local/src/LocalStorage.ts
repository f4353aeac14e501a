/**
 * Core's `Datastore.Storage` for `ds-type: local`: reads files below a configured `.metaflow` directory.
 *
 * The datastore root recorded in metadata (`ds-root`, artifact `location`, IncludeFile URLs) is an
 * absolute path on the machine that wrote the run. This storage ignores it for keys: every key is
 * resolved below the root it was configured with, so a `.metaflow` tree that was moved or copied
 * (`/corpus/.metaflow` → `./testdata/.../.metaflow`) still reads. `readUrl` maps an URL below the recorded
 * root to the same key below the configured root and refuses anything else.
 *
 * Every read is confined to the root: keys with `.`/`..`/empty segments, backslashes or NUL are refused,
 * and the file's real path (symlinks resolved) must lie below the root's real path (`PathOutsideRoot`).
 * Missing files are `None`; other I/O failures are `BackendError`s naming the file.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type * as PlatformError from "@effect/platform/Error"
import * as Path from "@effect/platform/Path"
import { Datastore, Errors } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { backendError, isAbsent, regularFile } from "./internal/files.js"
import * as LocalReads from "./LocalReads.js"
import type * as Root from "./Root.js"

const LOCAL_SCHEME = "local://"

/**
 * The storage over a discovered root.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("LocalStorage.make")(function*(
  root: Root.Root,
  readsFactory: LocalReads.Factory = LocalReads.fromFileSystem
) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const base = root.metaflowDir
  const realBase = yield* fs.realPath(base).pipe(Effect.orElseSucceed(() => base))

  const outside = (p: string) => new Errors.PathOutsideRoot({ root: base, path: p })

  /** The file of a key below the configured root, refusing keys that could leave it. */
  const fileOf = (key: string): Effect.Effect<string, Errors.PathOutsideRoot> => {
    const parts = key.split("/").filter((s) => s.length > 0)
    const bad = parts.length === 0 ||
      parts.some((s) => s === "." || s === ".." || s.includes("\\") || s.includes("\u0000"))
    return bad ? Effect.fail(outside(key)) : Effect.succeed(path.join(base, ...parts))
  }

  const reads = yield* readsFactory(base)

  /** The file of a key, checked to resolve inside the root (absent files pass: reading them gives None). */
  const resolve = (key: string): Effect.Effect<Option.Option<string>, Errors.StorageError> =>
    Effect.flatMap(fileOf(key), (file) => Effect.as(reads.checkConfined(file), Option.some(file)))

  const read = (key: string): Effect.Effect<Option.Option<Uint8Array>, Errors.StorageError> =>
    Effect.flatMap(fileOf(key), reads.readBytes)

  const notFound = (target: string, reason: string, cause?: unknown) =>
    new Errors.BackendError({ target, reason, status: 404, cause })

  /** The file of a key for a large read: confined, and a regular file, or a not-found `BackendError`. */
  const regularFileOf = (key: string): Effect.Effect<string, Errors.StorageError> =>
    Effect.flatMap(resolve(key), Option.match({
      onNone: () => Effect.fail(notFound(`${base}/${key}`, "not found")),
      onSome: (file) =>
        Effect.flatMap(regularFile(fs, file), (info) =>
          Option.isSome(info) ? Effect.succeed(file) : Effect.fail(notFound(file, "not found (not a regular file)")))
    }))

  const readError = (file: string, e: PlatformError.PlatformError) => isAbsent(e) ? notFound(file, "not found", e) : backendError(file, e)

  const stripRoot = (r: string) => {
    const s = r.startsWith(":root:") ? r.slice(":root:".length) : r
    return s.length > 1 ? s.replace(/\/+$/, "") : s
  }

  const storage: Datastore.Storage = {
    dsType: "local",

    read: (_root, key) => read(key),

    readWithSidecar: (_root, key) =>
      Effect.gen(function*() {
        const bytes = yield* read(key)
        if (Option.isNone(bytes)) return Option.none<Datastore.StoredObject>()
        const [sidecar] = yield* reads.readTexts([yield* fileOf(`${key}_meta`)])
        return Option.some<Datastore.StoredObject>({ bytes: bytes.value, sidecar: sidecar ?? Option.none() })
      }),

    size: (_root, key) =>
      Effect.flatMap(resolve(key), Option.match({
        onNone: () => Effect.succeedNone,
        onSome: (file) =>
          Effect.map(regularFile(fs, file), Option.map((info) => Number(info.size)))
      })),

    stream: (_root, key) =>
      Stream.unwrap(Effect.map(regularFileOf(key), (file) =>
        fs.stream(file).pipe(Stream.mapError((e) => readError(file, e))))),

    open: (_root, key) =>
      Effect.flatMap(regularFileOf(key), (file) =>
        Effect.map(
          Effect.mapError(fs.open(file, { flag: "r" }), (e) => readError(file, e)),
          (handle): Datastore.ObjectReader => ({
            read: (into) => Effect.mapBoth(handle.read(into), { onFailure: (e) => readError(file, e), onSuccess: Number })
          })
        )),

    readUrl: (url, recordedRoot) =>
      Effect.suspend(() => {
        if (!url.startsWith(LOCAL_SCHEME)) return Effect.fail(outside(url))
        const p = url.slice(LOCAL_SCHEME.length)
        if (!path.isAbsolute(p) || p.includes("\u0000")) return Effect.fail(outside(url))
        for (const r of new Set([stripRoot(recordedRoot), base, realBase])) {
          if (r.length > 0 && p.startsWith(r.endsWith("/") ? r : r + "/")) {
            const key = p.slice(r.length).replace(/^\/+/, "")
            return Effect.catchTag(read(key), "PathOutsideRoot", () => Effect.fail(outside(url)))
          }
        }
        return Effect.fail(outside(url))
      })
  }
  return storage
})
