/**
 * Private helpers shared by the local metadata provider and the local storage: mapping platform errors
 * to core errors, id/key validation, JSON reading, and Python-compatible JSON writing.
 *
 * @internal
 */
import type * as PlatformError from "@effect/platform/Error"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { Errors, Pathspec } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"

/** @internal */
export const backendError = (target: string, error: PlatformError.PlatformError): Errors.BackendError =>
  new Errors.BackendError({ target, reason: error.message, cause: error })

/**
 * Errors meaning "there is no such regular file / directory here": the path or a parent is missing
 * (`ENOENT`), a parent is a file (`ENOTDIR`), the target is a directory where a file was expected
 * (`EISDIR`) or a symlink loop (`ELOOP`). Python's `os.path.isfile` / `isdir` answer `False` for all.
 *
 * @internal
 */
export const isAbsent = (error: PlatformError.PlatformError): boolean =>
  error._tag === "SystemError" && (error.reason === "NotFound" || error.reason === "BadResource")

/** Maps an absent-path failure to `None`, any other platform failure to a `BackendError`. @internal */
export const optional = <A>(
  effect: Effect.Effect<A, PlatformError.PlatformError>,
  target: string
): Effect.Effect<Option.Option<A>, Errors.BackendError> =>
  effect.pipe(
    Effect.map(Option.some),
    Effect.catchAll((e) => isAbsent(e) ? Effect.succeedNone : Effect.fail(backendError(target, e)))
  )

/**
 * The file's info when it is a regular file; `None` when it is absent or anything else (a directory, a FIFO
 * or a device planted in the tree would block or never end when read). @internal
 */
export const regularFile = (
  fs: FileSystem.FileSystem,
  file: string
): Effect.Effect<Option.Option<FileSystem.File.Info>, Errors.BackendError> =>
  Effect.map(optional(fs.stat(file), file), Option.filter((info) => info.type === "File"))

/** Validates ids and joins them below `root`. @internal */
export const joinIds = (
  path: Path.Path,
  root: string,
  ids: ReadonlyArray<string>
): Effect.Effect<string, Errors.PathOutsideRoot> => {
  // a plain loop: this runs for every object read, and the ids are checked one path segment each
  let joined = root
  for (const id of ids) {
    if (Pathspec.idProblem(id) !== undefined) return Effect.fail(new Errors.PathOutsideRoot({ root, path: id }))
    joined += path.sep + id
  }
  return Effect.succeed(joined)
}

/** Whether `candidate` is `root` itself or below it (both absolute, normalised). @internal */
export const isWithin = (path: Path.Path, root: string, candidate: string): boolean => {
  const base = root.endsWith(path.sep) ? root : root + path.sep
  return candidate === root || candidate.startsWith(base)
}

/** Parses the JSON text of `file`; `CorruptRecord` naming the file when it is not JSON. @internal */
export const parseJson = (file: string, text: string): Either.Either<unknown, Errors.CorruptRecord> =>
  Either.try({
    try: () => JSON.parse(text) as unknown,
    catch: (e) => new Errors.CorruptRecord({ path: file, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` })
  })

/**
 * Directory entries, sorted (or, with `"as-listed"`, in the order the `FileSystem` gives them), without
 * hidden names (Python's `glob` never lists names starting with `.`); `[]` when the directory is absent.
 *
 * @internal
 */
export const listDir = (
  fs: FileSystem.FileSystem,
  dir: string,
  order: "sorted" | "as-listed" = "sorted"
): Effect.Effect<ReadonlyArray<string>, Errors.BackendError> =>
  Effect.map(
    optional(fs.readDirectory(dir), dir),
    Option.match({
      onNone: () => [],
      onSome: (names) => {
        const visible = names.filter((n) => !n.startsWith("."))
        return order === "sorted" ? visible.sort() : visible
      }
    })
  )

const escapeNonAscii = (s: string): string =>
  s.replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))

/**
 * JSON text as Python's `json.dump` writes it with default options (`", "` / `": "` separators,
 * `ensure_ascii=True`), so files rewritten by this package look like Metaflow's own.
 *
 * @internal
 */
export const pythonJson = (value: unknown): string => {
  if (value === null || value === undefined) return "null"
  if (typeof value === "string") return escapeNonAscii(JSON.stringify(value))
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value)
  if (Array.isArray(value)) return "[" + value.map(pythonJson).join(", ") + "]"
  if (typeof value === "object") {
    return "{" +
      Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(", ") +
      "}"
  }
  return "null"
}

/**
 * Keeps reads inside the root's real path: symlinks may point anywhere inside, never outside. Each
 * directory's real path is checked once and remembered (bounded); a file is checked only when it is a
 * symlink itself (one `readlink`), so confinement costs one syscall per file instead of a full realpath.
 *
 * @internal
 */
export interface Confinement {
  /** Fails with `PathOutsideRoot` when `file` (or a directory above it, below the root) leads outside. */
  readonly check: (file: string) => Effect.Effect<void, Errors.PathOutsideRoot | Errors.BackendError>
}

const maxRememberedDirs = 100_000

/** @internal */
export const makeConfinement = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  base: string
): Effect.Effect<Confinement> =>
  Effect.map(fs.realPath(base).pipe(Effect.orElseSucceed(() => base)), (realBase) => {
    const dirs = new Map<string, boolean>()
    const outside = (p: string) => new Errors.PathOutsideRoot({ root: base, path: p })
    const inside = (p: string) => (real: Option.Option<string>) => Option.isNone(real) || isWithin(path, realBase, real.value) || isWithin(path, base, real.value)
    const checkDir = (dir: string): Effect.Effect<boolean, Errors.BackendError> => {
      const known = dirs.get(dir)
      if (known !== undefined) return Effect.succeed(known)
      return Effect.map(optional(fs.realPath(dir), dir), (real) => {
        const ok = inside(dir)(real)
        if (dirs.size >= maxRememberedDirs) dirs.clear()
        if (Option.isSome(real)) dirs.set(dir, ok)
        return ok
      })
    }
    const check = (file: string) =>
      Effect.flatMap(checkDir(path.dirname(file)), (ok) => {
        if (!ok) return Effect.fail(outside(file))
        // Only a symlink needs its target checked; readlink fails fast (EINVAL) on anything else.
        return fs.readLink(file).pipe(
          Effect.matchEffect({
            onFailure: () => Effect.void,
            onSuccess: () =>
              Effect.flatMap(optional(fs.realPath(file), file), (real) => inside(file)(real) ? Effect.void : Effect.fail(outside(file)))
          })
        )
      })
    return { check }
  })
