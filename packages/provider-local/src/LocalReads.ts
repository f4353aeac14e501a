/**
 * The hot read path of the local backend, as a small port: directory listings and reads of files that
 * must resolve inside the root. The metadata provider and the storage do every per-object read through
 * it; rare operations (root discovery, stat, streaming, tag writes) stay on `@effect/platform`'s FileSystem.
 *
 * Two implementations: {@link fromFileSystem} (portable: any `FileSystem`) and the Node one in
 * `@metaflow-client/provider-local/node` (synchronous `node:fs` calls in batches, symlink checks folded
 * into the open). Batch operations exist so that an implementation can answer a whole directory's worth
 * of reads in one effect: per-file effects cost more than the reads themselves (bench/NOTES.md, F1/F2).
 *
 * Contract of every implementation:
 * - a path that does not exist, whose parent is a file, that is a directory where a file was expected,
 *   or that loops, is absent (`None` / `[]`), as Python's `os.path.isfile` answers `False`;
 * - a file (or a directory above it, below the root) that is a symlink resolving outside the root's real
 *   path is `PathOutsideRoot`, and its content is never returned;
 * - listings are sorted and omit names starting with `.` (Python's `glob` never lists them), except
 *   `listDirInOrder`, which keeps the order the file system lists entries in (Python's `glob` order);
 * - any other I/O failure is a `BackendError` naming the path.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type { PlatformError } from "@effect/platform/Error"
import * as Path from "@effect/platform/Path"
import type { Errors } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { listDir, makeConfinement, optional, regularFile } from "./internal/files.js"

/**
 * The read operations of the local backend over one root.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalReads {
  /** Entry names of a directory, sorted, without hidden names; `[]` when the directory is absent. */
  readonly listDir: (dir: string) => Effect.Effect<ReadonlyArray<string>, Errors.BackendError>
  /**
   * Entry names of a directory in the order the file system lists them (the order of Python's `glob`,
   * which decides Python's order among runs created in the same millisecond), without hidden names; `[]`
   * when the directory is absent. The portable implementation gives the order its `FileSystem` reports
   * (sorted by name on Node's `fs.readdir`).
   */
  readonly listDirInOrder: (dir: string) => Effect.Effect<ReadonlyArray<string>, Errors.BackendError>
  /** {@link LocalReads.listDir} of many directories, in order. */
  readonly listDirs: (
    dirs: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<string>>, Errors.BackendError>
  /** UTF-8 texts of files confined to the root, in order; `None` for an absent one. */
  readonly readTexts: (
    files: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<Option.Option<string>>, Errors.BackendError | Errors.PathOutsideRoot>
  /** The bytes of one file confined to the root; `None` when absent. */
  readonly readBytes: (file: string) => Effect.Effect<Option.Option<Uint8Array>, Errors.BackendError | Errors.PathOutsideRoot>
  /**
   * Identity and version of a file's content as it is now (device, inode, size, modification time), or
   * `None` when it is absent: a record cached under a fingerprint is still current while the fingerprint
   * is the same (Metaflow replaces a record by writing a new file and renaming it over the old one).
   */
  readonly fingerprint: (file: string) => Effect.Effect<Option.Option<string>, Errors.BackendError>
  /** Fails with `PathOutsideRoot` when `file` (or a directory above it) leads outside the root. */
  readonly checkConfined: (file: string) => Effect.Effect<void, Errors.BackendError | Errors.PathOutsideRoot>
}

/**
 * How a backend builds its {@link LocalReads} for a root (`.metaflow` directory, absolute).
 *
 * @since 0.1.0
 * @category models
 */
export type Factory = (base: string) => Effect.Effect<LocalReads, never, FileSystem.FileSystem | Path.Path>

/** Concurrency of fan-out reads through an asynchronous FileSystem. */
const READ_CONCURRENCY = 32

/**
 * Reads through `@effect/platform`'s `FileSystem`: works on every platform that provides one. Each
 * directory's real path is checked once; each file costs a `readlink` (to detect a symlink) beside the read.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromFileSystem: Factory = (base) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const confinement = yield* makeConfinement(fs, path, base)
    /** Only a regular file is read: a FIFO or a device planted in the tree would block or never end. */
    const ifRegular = <A>(file: string, read: Effect.Effect<A, PlatformError>) =>
      Effect.flatMap(regularFile(fs, file), (info) => Option.isSome(info) ? optional(read, file) : Effect.succeedNone)
    const readBytes = (file: string) =>
      // the check runs beside the read (latency, not CPU); a refused file's content is never returned
      Effect.zipRight(confinement.check(file), ifRegular(file, fs.readFile(file)), { concurrent: true })
    const readText = (file: string) =>
      Effect.zipRight(confinement.check(file), ifRegular(file, fs.readFileString(file)), { concurrent: true })
    const reads: LocalReads = {
      listDir: (dir) => listDir(fs, dir),
      listDirInOrder: (dir) => listDir(fs, dir, "as-listed"),
      listDirs: (dirs) => Effect.forEach(dirs, (dir) => listDir(fs, dir), { concurrency: READ_CONCURRENCY }),
      readTexts: (files) => Effect.forEach(files, readText, { concurrency: READ_CONCURRENCY }),
      readBytes,
      fingerprint: (file) =>
        Effect.map(
          optional(fs.stat(file), file),
          Option.map((i) => `${i.dev}:${Option.getOrElse(i.ino, () => 0)}:${i.size}:${Option.getOrElse(Option.map(i.mtime, (d) => d.getTime()), () => 0)}`)
        ),
      checkConfined: confinement.check
    }
    return reads
  })
