/**
 * Task logs: the mflog files of an attempt, read from the datastore the task's metadata names and merged
 * as Python merges them. Python: `task.stdout`, `task.stderr`, `task.loglines(stream)`, `*_size`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Datastore from "./Datastore.js"
import * as Mflog from "./Mflog.js"
import * as Task from "./Task.js"

/**
 * Which log: `stdout` or `stderr`.
 *
 * @since 0.1.0
 * @category models
 */
export type LogStream = Mflog.LogStream

/** Where an attempt's logs are, from its metadata (one listing): datastore type and root, or legacy locations. */
const locate = (task: Task.Task, stream: LogStream) =>
  Effect.gen(function*() {
    const dict = yield* Task.metadataValues(task, ["attempt", "ds-type", "ds-root", Mflog.legacyLogLocationKey(stream)])
    const n = Number(dict["attempt"] ?? 0)
    const attempt = task.attempt ?? (Number.isInteger(n) ? n : 0)
    const legacy = dict[Mflog.legacyLogLocationKey(stream)]
    const dsType = dict["ds-type"]
    const dsRoot = dict["ds-root"]
    return { attempt, legacy, dsType: typeof dsType === "string" ? dsType : undefined, dsRoot: typeof dsRoot === "string" ? dsRoot : undefined }
  })

/** The raw log files of the attempt (runtime and task sources); empty when the metadata names no datastore. */
/** The log files of the attempt (runtime and task sources, or the legacy file): where they are, not yet read. */
const files = (task: Task.Task, stream: LogStream) =>
  Effect.gen(function*() {
    const where = yield* locate(task, stream)
    if (typeof where.legacy === "string") {
      const loc = JSON.parse(where.legacy) as { ds_type: string; location: string; attempt: number }
      const storage = yield* Datastore.storageFor(loc.ds_type)
      const root = loc.location.split("/").slice(0, -5).join("/")
      return { kind: "legacy" as const, storage, root, keys: [Datastore.taskFileKey(task.path, loc.attempt, `${stream}.log`)] }
    }
    if (where.dsType === undefined || where.dsRoot === undefined) return { kind: "none" as const }
    const storage = yield* Datastore.storageFor(where.dsType)
    const keys = Mflog.LOG_SOURCES.map((source) => Datastore.taskFileKey(task.path, where.attempt, `${source}_${stream}.log`))
    return { kind: "mflog" as const, storage, root: where.dsRoot, keys }
  })

/** The raw log files of the attempt; empty when the metadata names no datastore. */
const sources = (task: Task.Task, stream: LogStream) =>
  Effect.gen(function*() {
    const found = yield* files(task, stream)
    if (found.kind === "none") return { kind: "none" as const, files: [] as Array<Uint8Array> }
    const read = yield* Effect.forEach(found.keys, (key) => found.storage.read(found.root, key), { concurrency: 2 })
    return { kind: found.kind, files: read.flatMap((f) => Option.isSome(f) ? [f.value] : []) }
  })

/**
 * Timestamped log lines of the attempt, merged across sources in Python's order. Invalid UTF-8 is
 * replaced, never fatal; `raw` keeps the bytes. A task whose metadata names no datastore gives one empty
 * line with no timestamp, as in Python. Python: `task.loglines(stream)`.
 *
 * @since 0.1.0
 * @category logs
 */
export const loglines = Effect.fn("Logs.loglines")(function*(task: Task.Task, stream: LogStream, options?: Mflog.MergeOptions) {
  return yield* linesOf(yield* sources(task, stream), options)
})

const linesOf = (found: Effect.Effect.Success<ReturnType<typeof sources>>, options?: Mflog.MergeOptions) => {
  if (found.kind === "none") return Effect.succeed(Mflog.noDatastoreLines)
  if (found.kind === "legacy") {
    const text = found.files.length === 0 ? "" : Mflog.legacyText(found.files[0]!)
    return Effect.succeed(text.split("\n").map((message): Mflog.LogLine => ({ ...Mflog.noDatastoreLine, message })))
  }
  return Mflog.mergeLogs(found.files, options)
}

/**
 * The whole log as text (`message + "\n"` per line). Python: `task.stdout` / `task.stderr`.
 *
 * @since 0.1.0
 * @category logs
 */
export const text = Effect.fn("Logs.text")(function*(task: Task.Task, stream: LogStream) {
  const found = yield* sources(task, stream)
  if (found.kind === "legacy") return found.files.length === 0 ? "" : Mflog.legacyText(found.files[0]!)
  return Mflog.toText(yield* linesOf(found))
})

/**
 * Size in bytes of the raw log files of the attempt (all sources summed, headers included); 0 when the
 * metadata names no datastore. Python: `task.stdout_size` / `task.stderr_size`.
 *
 * @since 0.1.0
 * @category logs
 */
export const size = Effect.fn("Logs.size")(function*(task: Task.Task, stream: LogStream) {
  // sizes come from the storage (stat / HEAD): the logs themselves are not read
  const found = yield* files(task, stream)
  if (found.kind === "none") return 0
  const sizes = yield* Effect.forEach(found.keys, (key) => found.storage.size(found.root, key), { concurrency: 2 })
  return sizes.reduce((total, s) => total + Option.getOrElse(s, () => 0), 0)
})
