/**
 * Finding the `.metaflow` directory a local client reads, as Metaflow does:
 *
 * 1. an explicit directory — the directory that CONTAINS `.metaflow` (what Python's
 *    `metadata("local@/some/dir")` takes), or the path of the `.metaflow` directory itself;
 * 2. else `METAFLOW_DATASTORE_SYSROOT_LOCAL=D` (read through `Config`): the root is `D/.metaflow`;
 * 3. else the working directory: `realpath(cwd/.metaflow)` if that is a directory, else each parent
 *    `<dir>/.metaflow` in turn, up to the filesystem root.
 *
 * Where Python's client silently lists nothing when no root is found (and only fails for an explicit
 * directory), this module always fails with a typed {@link RootNotFound} whose message says what was
 * searched and how to fix it, so that a CLI can print it as is. Config files (`.metaflow/config.json`,
 * `~/.metaflowconfig`) are not consulted for the sysroot.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/**
 * The name of the datastore directory (`DATASTORE_LOCAL_DIR`).
 *
 * @since 0.1.0
 * @category constants
 */
export const DATASTORE_DIR = ".metaflow"

/**
 * How a root was found.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = "explicit" | "env" | "cwd"

/**
 * A discovered local root.
 *
 * @since 0.1.0
 * @category models
 */
export interface Root {
  /** Absolute path of the `.metaflow` directory: the datastore root and the metadata root. */
  readonly metaflowDir: string
  /** The directory that contains `.metaflow`, as Python's `get_metadata()` shows it. */
  readonly baseDir: string
  readonly source: Source
}

/**
 * No `.metaflow` directory where one was looked for.
 *
 * @since 0.1.0
 * @category errors
 */
export class RootNotFound extends Schema.TaggedError<RootNotFound>()("RootNotFound", {
  /** The explicit directory, the `METAFLOW_DATASTORE_SYSROOT_LOCAL` value, or the walk-up start. */
  path: Schema.String,
  source: Schema.Literal("explicit", "env", "cwd")
}) {
  override get message() {
    switch (this.source) {
      case "explicit":
        return `Could not find directory ${DATASTORE_DIR} in directory ${this.path}`
      case "env":
        return `METAFLOW_DATASTORE_SYSROOT_LOCAL is '${this.path}' but '${this.path}/${DATASTORE_DIR}' is not a directory`
      case "cwd":
        return `No ${DATASTORE_DIR} directory found in current working tree (searched from ${this.path} up to the filesystem root); ` +
          `pass a directory containing ${DATASTORE_DIR} or set METAFLOW_DATASTORE_SYSROOT_LOCAL`
    }
  }
}

/**
 * Python's `get_metadata()` string for a root: `local@<directory containing .metaflow>`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const describe = (root: Root): string => `local@${root.baseDir}`

const isDirectory = (fs: FileSystem.FileSystem, p: string) =>
  fs.stat(p).pipe(Effect.map((info) => info.type === "Directory"), Effect.orElseSucceed(() => false))

const realPathOr = (fs: FileSystem.FileSystem, p: string) => fs.realPath(p).pipe(Effect.orElseSucceed(() => p))

/**
 * A root from an explicit directory: `dir` contains `.metaflow` (Python: `realpath(dir/.metaflow)` must be
 * a directory), or `dir` is itself a directory named `.metaflow`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromDirectory = Effect.fn("Root.fromDirectory")(function*(dir: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const inside = yield* realPathOr(fs, path.resolve(dir, DATASTORE_DIR))
  if (yield* isDirectory(fs, inside)) {
    return { metaflowDir: inside, baseDir: dir, source: "explicit" } satisfies Root as Root
  }
  const self = path.resolve(dir)
  if (path.basename(self) === DATASTORE_DIR && (yield* isDirectory(fs, self))) {
    const real = yield* realPathOr(fs, self)
    return { metaflowDir: real, baseDir: path.dirname(self), source: "explicit" } satisfies Root as Root
  }
  return yield* new RootNotFound({ path: dir, source: "explicit" })
})

/**
 * A root from a `METAFLOW_DATASTORE_SYSROOT_LOCAL` value `d`: `d/.metaflow` (plain join, as Python).
 * Unlike Python, a missing directory is reported at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSysroot = Effect.fn("Root.fromSysroot")(function*(sysroot: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const dir = path.resolve(sysroot, DATASTORE_DIR)
  if (!(yield* isDirectory(fs, dir))) return yield* new RootNotFound({ path: sysroot, source: "env" })
  return { metaflowDir: dir, baseDir: sysroot, source: "env" } satisfies Root as Root
})

/**
 * Walks up from `start` (normally the working directory): `realpath(start/.metaflow)` if it is a
 * directory, else `<parent>/.metaflow` for each parent (not realpath'd, as Python).
 *
 * @since 0.1.0
 * @category constructors
 */
export const walkUp = Effect.fn("Root.walkUp")(function*(start: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  let current = path.resolve(start)
  let check = yield* realPathOr(fs, path.join(current, DATASTORE_DIR))
  while (!(yield* isDirectory(fs, check))) {
    const parent = path.dirname(current)
    if (parent === current) return yield* new RootNotFound({ path: path.resolve(start), source: "cwd" })
    current = parent
    check = path.join(current, DATASTORE_DIR)
  }
  return { metaflowDir: check, baseDir: path.dirname(check), source: "cwd" } satisfies Root as Root
})

/**
 * The `Config` of the sysroot: `METAFLOW_DATASTORE_SYSROOT_LOCAL`, optional (empty counts as unset).
 *
 * @since 0.1.0
 * @category config
 */
export const sysrootConfig: Config.Config<Option.Option<string>> = Config.string("METAFLOW_DATASTORE_SYSROOT_LOCAL").pipe(
  Config.option,
  Config.map(Option.filter((s) => s.length > 0))
)

/**
 * Options of {@link discover}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DiscoverOptions {
  /** Explicit directory (containing `.metaflow`, or the `.metaflow` directory itself). */
  readonly root?: string | undefined
  /** Sysroot to use instead of reading `METAFLOW_DATASTORE_SYSROOT_LOCAL` from `Config`. */
  readonly sysroot?: Option.Option<string> | undefined
  /** Where the walk-up starts; defaults to the working directory. */
  readonly cwd?: string | undefined
}

/**
 * The root as Python finds it: explicit directory, else the sysroot (`Config`), else walk-up from the
 * working directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const discover = Effect.fn("Root.discover")(function*(options: DiscoverOptions = {}) {
  if (options.root !== undefined) return yield* fromDirectory(options.root)
  const sysroot = options.sysroot ?? (yield* sysrootConfig.pipe(Effect.orElseSucceed(() => Option.none<string>())))
  if (Option.isSome(sysroot)) return yield* fromSysroot(sysroot.value)
  const path = yield* Path.Path
  return yield* walkUp(options.cwd ?? path.resolve("."))
})
