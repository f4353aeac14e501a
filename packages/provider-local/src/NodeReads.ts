/**
 * {@link LocalReads.LocalReads} on `node:fs` (Node, Bun and Deno's Node compatibility): small files are
 * read with synchronous calls, a whole batch inside one effect, as Python's client reads them. Through
 * the asynchronous FileSystem every 300-byte record costs a trip through libuv's thread pool and a fiber;
 * here it costs its syscalls (bench/NOTES.md, F2).
 *
 * Confinement without extra syscalls per file:
 * - a file is opened with `O_NOFOLLOW`, so a symlinked file fails the open (`ELOOP`) and only then is its
 *   real path checked (where `O_NOFOLLOW` does not exist, Windows, one `lstat` per file does the same);
 * - a directory is confined when its parent is and it is not a symlink (or its real path is inside the
 *   root); answers are remembered, and a listing teaches them for its subdirectories for free
 *   (`readdir` with file types).
 *
 * Files above {@link SYNC_READ_LIMIT} are read asynchronously, so a large blob never blocks the event loop.
 *
 * @since 0.1.0
 */
import { Errors } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as NFS from "node:fs"
import * as NPath from "node:path"
import type * as LocalReads from "./LocalReads.js"

/**
 * Files up to this size (bytes) are read synchronously; larger ones asynchronously.
 *
 * @since 0.1.0
 * @category constants
 */
export const SYNC_READ_LIMIT = 4 * 1024 * 1024

/** The remembered confinement answers are dropped when this many directories are known. */
const maxRememberedDirs = 200_000

/**
 * Error codes meaning "no such regular file or directory here" (Python's `isfile`/`isdir` → False);
 * `ESPIPE` is a positioned read of a FIFO or socket, which is not a regular file either.
 */
const ABSENT = new Set(["ENOENT", "ENOTDIR", "EISDIR", "ELOOP", "ESPIPE"])

const codeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

const backendError = (target: string, e: unknown) =>
  new Errors.BackendError({ target, reason: e instanceof Error ? e.message : String(e), cause: e })

/** A failure inside a synchronous batch, carried out of the loop as a value. */
class Refused {
  constructor(readonly error: Errors.BackendError | Errors.PathOutsideRoot) {}
}

/** The result of a synchronous read attempt: content, absent, or too large to read synchronously. */
type Attempt<A> = { readonly _tag: "Read"; readonly value: A } | { readonly _tag: "Absent" } | { readonly _tag: "Large" }

const ABSENT_ATTEMPT = { _tag: "Absent" } as const
const LARGE_ATTEMPT = { _tag: "Large" } as const

/**
 * The reads over a root (its `.metaflow` directory, absolute).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (base: string): LocalReads.LocalReads => {
  const root = NPath.resolve(base)
  const realRoot = (() => {
    try {
      return NFS.realpathSync.native(root)
    } catch {
      return root
    }
  })()
  const within = (r: string, p: string) => p === r || p.startsWith(r.endsWith(NPath.sep) ? r : r + NPath.sep)
  const insideRoot = (real: string) => within(realRoot, real) || within(root, real)
  const outside = (p: string) => new Refused(new Errors.PathOutsideRoot({ root: base, path: p }))
  const noFollow = NFS.constants.O_NOFOLLOW as number | undefined
  // O_NONBLOCK: opening a FIFO someone planted must not block the event loop (regular files ignore it)
  const openFlags = NFS.constants.O_RDONLY | (noFollow ?? 0) | ((NFS.constants.O_NONBLOCK as number | undefined) ?? 0)

  /** dir → confined (true) or leading outside (false). Absent directories are not remembered. */
  const dirs = new Map<string, boolean>([[root, true]])
  const remember = (dir: string, ok: boolean) => {
    if (dirs.size >= maxRememberedDirs) {
      dirs.clear()
      dirs.set(root, true)
    }
    dirs.set(dir, ok)
  }

  /** The real path of `p`, or undefined when it does not resolve (absent, loop). */
  const realPathOf = (p: string): string | undefined => {
    try {
      return NFS.realpathSync.native(p)
    } catch (e) {
      if (ABSENT.has(codeOf(e) ?? "")) return undefined
      throw new Refused(backendError(p, e))
    }
  }

  /** Whether `dir` resolves inside the root; undefined when it is absent. Throws `Refused` on I/O errors. */
  const dirConfined = (dir: string): boolean | undefined => {
    const known = dirs.get(dir)
    if (known !== undefined) return known
    const parent = NPath.dirname(dir)
    if (parent === dir || !within(root, dir)) {
      // not below the configured root (a caller passed another path): judge by the real path alone
      const real = realPathOf(dir)
      return real === undefined ? undefined : insideRoot(real)
    }
    const parentOk = dirConfined(parent)
    if (parentOk !== true) return parentOk
    let info: NFS.Stats | undefined
    try {
      info = NFS.lstatSync(dir, { throwIfNoEntry: false })
    } catch (e) {
      if (ABSENT.has(codeOf(e) ?? "")) return undefined
      throw new Refused(backendError(dir, e))
    }
    if (info === undefined) return undefined
    let ok = true
    if (info.isSymbolicLink()) {
      const real = realPathOf(dir)
      if (real === undefined) return undefined
      ok = insideRoot(real)
    }
    remember(dir, ok)
    return ok
  }

  /** Reads a confined file synchronously; `Large` when it should be read asynchronously. Throws `Refused`. */
  const attemptRead = <A>(file: string, decode: (fd: number) => A | undefined): Attempt<A> => {
    const dirOk = dirConfined(NPath.dirname(file))
    if (dirOk === undefined) return ABSENT_ATTEMPT
    if (!dirOk) throw outside(file)
    let fd: number
    try {
      if (noFollow === undefined) {
        // no O_NOFOLLOW (Windows): an lstat tells a symlink apart
        const info = NFS.lstatSync(file, { throwIfNoEntry: false })
        if (info === undefined) return ABSENT_ATTEMPT
        if (info.isSymbolicLink()) {
          const real = realPathOf(file)
          if (real === undefined) return ABSENT_ATTEMPT
          if (!insideRoot(real)) throw outside(file)
        }
      }
      fd = NFS.openSync(file, openFlags)
    } catch (e) {
      if (e instanceof Refused) throw e
      const code = codeOf(e)
      if (code === "ELOOP" && noFollow !== undefined) {
        // the file itself is a symlink: allowed when it resolves inside the root
        const real = realPathOf(file)
        if (real === undefined) return ABSENT_ATTEMPT
        if (!insideRoot(real)) throw outside(file)
        try {
          fd = NFS.openSync(file, openFlags & ~(noFollow ?? 0))
        } catch (e2) {
          if (ABSENT.has(codeOf(e2) ?? "")) return ABSENT_ATTEMPT
          throw new Refused(backendError(file, e2))
        }
      } else if (ABSENT.has(code ?? "")) {
        return ABSENT_ATTEMPT
      } else {
        throw new Refused(backendError(file, e))
      }
    }
    try {
      const value = decode(fd)
      return value === undefined ? LARGE_ATTEMPT : { _tag: "Read", value }
    } catch (e) {
      if (ABSENT.has(codeOf(e) ?? "")) return ABSENT_ATTEMPT
      throw new Refused(backendError(file, e))
    } finally {
      NFS.closeSync(fd)
    }
  }

  /** Sorted visible names of a directory; teaches the confinement of its plain subdirectories. */
  const listOne = (dir: string): ReadonlyArray<string> => {
    let entries: Array<NFS.Dirent | string>
    try {
      // a `_meta` directory holds only files: its names are enough (no Dirent objects)
      entries = NPath.basename(dir) === "_meta" ? NFS.readdirSync(dir) : NFS.readdirSync(dir, { withFileTypes: true })
    } catch (e) {
      if (ABSENT.has(codeOf(e) ?? "")) return []
      throw new Refused(backendError(dir, e))
    }
    const names: Array<string> = []
    // a plain (non-symlink) directory below a confined one is confined: no lstat needed later
    const teach = dirs.get(dir) === true
    for (const entry of entries) {
      if (typeof entry === "string") {
        if (!entry.startsWith(".")) names.push(entry)
        continue
      }
      if (entry.name.startsWith(".")) continue
      names.push(entry.name)
      if (teach && entry.isDirectory()) remember(dir + NPath.sep + entry.name, true)
    }
    return names.sort()
  }

  /**
   * Visible names of a directory in the order the file system lists them: `opendir` reads the directory
   * stream as Python's `glob` (`os.scandir`) does, where `readdir` (libuv's `scandir`) sorts by name.
   * Teaches the confinement of plain subdirectories as {@link listOne} does.
   */
  const listInOrder = (dir: string): ReadonlyArray<string> => {
    let handle: NFS.Dir
    try {
      handle = NFS.opendirSync(dir)
    } catch (e) {
      if (ABSENT.has(codeOf(e) ?? "")) return []
      throw new Refused(backendError(dir, e))
    }
    const names: Array<string> = []
    const teach = dirs.get(dir) === true
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        if (entry.name.startsWith(".")) continue
        names.push(entry.name)
        if (teach && entry.isDirectory()) remember(dir + NPath.sep + entry.name, true)
      }
    } catch (e) {
      // removed while being read: absent, as if it had gone before
      if (ABSENT.has(codeOf(e) ?? "")) return []
      throw new Refused(backendError(dir, e))
    } finally {
      handle.closeSync()
    }
    return names
  }

  /** Runs a synchronous batch, turning a thrown `Refused` into the effect's failure. */
  const batch = <A>(run: () => A): Effect.Effect<A, Errors.BackendError | Errors.PathOutsideRoot> =>
    Effect.suspend(() => {
      try {
        return Effect.succeed(run())
      } catch (e) {
        if (e instanceof Refused) return Effect.fail(e.error)
        return Effect.die(e)
      }
    })

  const readLarge = <A>(file: string, read: () => Promise<A>) =>
    Effect.tryPromise({
      try: read,
      catch: (e) => backendError(file, e)
    }).pipe(
      Effect.map(Option.some),
      Effect.catchIf((e) => ABSENT.has(codeOf(e.cause) ?? ""), () => Effect.succeedNone)
    )

  /**
   * A small file's text from one `read` into a scratch buffer (metadata records are a few hundred bytes:
   * no `fstat` needed); a file that fills the buffer is measured and read whole, or left to the
   * asynchronous path (undefined) above the limit. A directory fails the read with `EISDIR` (absent).
   */
  const scratch = Buffer.allocUnsafe(64 * 1024)
  const notAFile = () => Object.assign(new Error("not a regular file"), { code: "EISDIR" })
  const decodeText = (fd: number): string | undefined => {
    const n = NFS.readSync(fd, scratch, 0, scratch.length, 0)
    // an empty or buffer-filling read is where a FIFO or a device would show: only then is it worth a stat
    if (n > 0 && n < scratch.length) return scratch.toString("utf8", 0, n)
    const info = NFS.fstatSync(fd)
    if (!info.isFile()) throw notAFile()
    if (n === 0) return ""
    return info.size > SYNC_READ_LIMIT ? undefined : NFS.readFileSync(fd).toString("utf8")
  }
  const decodeBytes = (fd: number): Uint8Array | undefined => {
    const info = NFS.fstatSync(fd)
    if (!info.isFile()) throw notAFile()
    return info.size > SYNC_READ_LIMIT ? undefined : NFS.readFileSync(fd)
  }

  const readTexts: LocalReads.LocalReads["readTexts"] = (files) =>
    Effect.flatMap(
      batch(() => files.map((file) => attemptRead(file, decodeText))),
      (attempts) => {
        if (!attempts.some((a) => a._tag === "Large")) {
          return Effect.succeed(attempts.map((a) => a._tag === "Read" ? Option.some(a.value) : Option.none()))
        }
        return Effect.forEach(attempts, (a, i) =>
          a._tag === "Read"
            ? Effect.succeed(Option.some(a.value))
            : a._tag === "Absent"
            ? Effect.succeedNone
            : readLarge(files[i]!, () => NFS.promises.readFile(files[i]!, "utf8")))
      }
    )

  return {
    listDir: (dir) => batch(() => listOne(dir)) as Effect.Effect<ReadonlyArray<string>, Errors.BackendError>,
    listDirInOrder: (dir) => batch(() => listInOrder(dir)) as Effect.Effect<ReadonlyArray<string>, Errors.BackendError>,
    listDirs: (list) =>
      batch(() => list.map(listOne)) as Effect.Effect<ReadonlyArray<ReadonlyArray<string>>, Errors.BackendError>,
    readTexts,
    readBytes: (file) =>
      Effect.flatMap(batch(() => attemptRead(file, decodeBytes)), (a) =>
        a._tag === "Read"
          ? Effect.succeed(Option.some(a.value))
          : a._tag === "Absent"
          ? Effect.succeedNone
          : readLarge(file, () => NFS.promises.readFile(file).then((b): Uint8Array => b))),
    fingerprint: (file) =>
      batch(() => {
        try {
          const i = NFS.statSync(file, { throwIfNoEntry: false })
          return i === undefined ? Option.none() : Option.some(`${i.dev}:${i.ino}:${i.size}:${i.mtimeMs}`)
        } catch (e) {
          if (ABSENT.has(codeOf(e) ?? "")) return Option.none()
          throw new Refused(backendError(file, e))
        }
      }) as Effect.Effect<Option.Option<string>, Errors.BackendError>,
    checkConfined: (file) =>
      batch(() => {
        const dirOk = dirConfined(NPath.dirname(file))
        if (dirOk === false) throw outside(file)
        if (dirOk === undefined) return
        const info = NFS.lstatSync(file, { throwIfNoEntry: false })
        if (info?.isSymbolicLink() === true) {
          const real = realPathOf(file)
          if (real !== undefined && !insideRoot(real)) throw outside(file)
        }
      })
  }
}

/**
 * The factory for the local backends' constructors.
 *
 * @since 0.1.0
 * @category constructors
 */
export const factory: LocalReads.Factory = (base) => Effect.sync(() => make(base))
