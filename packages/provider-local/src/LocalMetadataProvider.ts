/**
 * The local metadata provider: core's `MetadataProvider` over the `_meta/` trees of a `.metaflow`
 * directory, read with `@effect/platform`'s `FileSystem` and `Path`.
 *
 * Rules (Metaflow 2.19 `plugins/metadata_providers/local.py`):
 * - a directory is a flow/run/step/task iff it holds `_meta/_self.json`; names starting with `.` are
 *   never listed (so `data/`, `mf.cards/`, `config.json`, `latest_run` are not objects);
 * - fetching an object whose directory or `_meta/` directory is absent gives `None`; a `_meta/` without
 *   `_self.json`, or an unreadable `_self.json`, is a `CorruptRecord` naming the file. In listings an
 *   entry without `_self.json` is skipped, but an existing corrupt one fails the listing;
 * - a task's artifacts, when no attempt is asked for, are those of the attempt its lexicographically last
 *   `sysmeta_attempt-done_*` record names; a task with none has no artifacts;
 * - steps, tasks and artifacts carry their run's current tags (read once per call);
 * - `mutateRunTags` is the only write: Python's optimistic read-modify-write of the run's `_self.json`.
 *
 * Listings are sorted by name (core re-sorts them newest first), except runs: those come in the file
 * system's order, as Python's, since core keeps the provider's order among runs of the same millisecond.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Errors, MetadataProvider, Namespace, Records } from "@metaflow-client/core"
import type { Pathspec } from "@metaflow-client/core"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import { backendError, isAbsent, isWithin, joinIds, optional, parseJson, pythonJson } from "./internal/files.js"
import * as LocalReads from "./LocalReads.js"
import * as Root from "./Root.js"

type Decoder<A> = (input: unknown, path: string) => Either.Either<A, Errors.CorruptRecord>

/**
 * Maximum read-modify-write attempts of a tag mutation (Python: 5).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_TAG_MUTATION_TRIES = 5

/**
 * Maximum size of a user tag set that a mutation may grow (Python's `MAX_USER_TAG_SET_SIZE`).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_USER_TAG_SET_SIZE = 50

/** A tag-mutation lock older than this (ms) was left by a crashed process and is broken. */
const staleLockMs = 30_000
/** How long a mutation waits for another process's lock (ms) before failing. */
const lockTimeoutMs = 20_000

/**
 * Run records read per batch of a run listing: the first batch is small and each next one doubles up to
 * the last size, so a consumer that wants one run (a flow's namespace check) reads a few records, and a
 * full listing still reads in large batches.
 */
const RUN_BATCHES = [16, 32, 64, 128, 256] as const

/** Splits `files` into batches of the sizes of {@link RUN_BATCHES} (the last size repeats). */
const runBatches = (files: ReadonlyArray<string>): Array<ReadonlyArray<string>> => {
  const batches: Array<ReadonlyArray<string>> = []
  for (let i = 0, k = 0; i < files.length; k = Math.min(k + 1, RUN_BATCHES.length - 1)) {
    batches.push(files.slice(i, i + RUN_BATCHES[k]))
    i += RUN_BATCHES[k]
  }
  return batches
}

/** Name prefix of a task's `attempt-done` metadata records (`sysmeta_attempt-done_<ms>.json`). */
const ATTEMPT_DONE = "sysmeta_attempt-done_"
const SYSMETA_FILE = /^sysmeta_(.+)_\d+\.json$/

/**
 * The attempt number of an `attempt-done` record: its `value`, as Python's `int(...)` reads it (a decimal
 * string, or a JSON integer); anything else is a `CorruptRecord` naming the file (Python fails there too).
 */
const decodeAttemptDone: Decoder<number> = (input, file) => {
  const value = typeof input === "object" && input !== null ? (input as { readonly value?: unknown }).value : undefined
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN
  return Number.isSafeInteger(n)
    ? Either.right(n)
    : Either.left(new Errors.CorruptRecord({ path: file, reason: `attempt-done value ${JSON.stringify(value) ?? "missing"} is not an attempt number` }))
}

const pyRepr = (s: string): string => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Pause before retry `n` (1-based) of a conflicting tag mutation. Default: Python's
   * `0.3 s * uniform(1.1, 1.3) ** n`.
   */
  readonly retryDelay?: ((retry: number) => Effect.Effect<Duration.Duration>) | undefined
}

const defaultRetryDelay = (retry: number): Effect.Effect<Duration.Duration> =>
  Effect.map(Random.nextRange(1.1, 1.3), (f) => Duration.millis(300 * Math.pow(f, retry)))

/**
 * The provider over a discovered root.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("LocalMetadataProvider.make")(function*(
  root: Root.Root,
  options: Options = {},
  readsFactory: LocalReads.Factory = LocalReads.fromFileSystem
) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const base = root.metaflowDir
  const retryDelay = options.retryDelay ?? defaultRetryDelay
  /** Serialises this process's mutations; the optimistic protocol covers other processes. */
  const mutationLock = yield* Effect.makeSemaphore(1)

  const reads = yield* readsFactory(base)
  /** Reads JSON from a file that must resolve inside the root (symlinks leading out are refused). */
  const readConfined = (file: string): Effect.Effect<Option.Option<unknown>, Errors.StorageError> =>
    Effect.flatMap(reads.readTexts([file]), ([text]) =>
      text === undefined || Option.isNone(text) ? Effect.succeedNone : Effect.map(parseJson(file, text.value), Option.some))

  /**
   * Reads and decodes groups of record files in one batch, skipping absent ones; a corrupt one fails the
   * batch. `out[g]` holds the records of `groups[g]`, each mapped by `wrap` (e.g. given its run's tags).
   */
  const readRecordGroups = <A, B = A>(
    groups: ReadonlyArray<ReadonlyArray<string>>,
    decode: Decoder<A>,
    wrap?: (a: A, group: number) => B
  ): Effect.Effect<Array<Array<B>>, Errors.StorageError> =>
    Effect.flatMap(reads.readTexts(groups.flat()), (texts) => {
      const out: Array<Array<B>> = []
      let i = 0
      for (let g = 0; g < groups.length; g++) {
        const records: Array<B> = []
        for (const file of groups[g]!) {
          const text = texts[i++]!
          if (Option.isNone(text)) continue
          const json = parseJson(file, text.value)
          if (Either.isLeft(json)) return Either.left(json.left)
          const decoded = decode(json.right, file)
          if (Either.isLeft(decoded)) return Either.left(decoded.left)
          records.push(wrap === undefined ? decoded.right as unknown as B : wrap(decoded.right, g))
        }
        out.push(records)
      }
      return Either.right(out)
    })

  /** {@link readRecordGroups} of one group. */
  const readRecords = <A, B = A>(
    files: ReadonlyArray<string>,
    decode: Decoder<A>,
    wrap?: (a: A) => B
  ): Effect.Effect<Array<B>, Errors.StorageError> =>
    Effect.map(readRecordGroups([files], decode, wrap), (groups) => groups[0]!)

  const dirOf = (...ids: ReadonlyArray<string>) => joinIds(path, base, ids)
  const selfFile = (dir: string) => dir + path.sep + "_meta" + path.sep + "_self.json"

  const decodeWith = <A>(decode: Decoder<A>, file: string, json: unknown): Effect.Effect<A, Errors.CorruptRecord> =>
    decode(json, file)

  /** `_self.json` of an object being fetched: absent object → None, `_meta/` without the file → corrupt. */
  const fetchSelf = <A>(dir: string, decode: Decoder<A>): Effect.Effect<Option.Option<A>, Errors.StorageError> =>
    Effect.gen(function*() {
      const file = selfFile(dir)
      const json = yield* readConfined(file)
      if (Option.isSome(json)) return Option.some(yield* decodeWith(decode, file, json.value))
      const meta = path.dirname(file)
      const metaInfo = yield* optional(fs.stat(meta), meta)
      if (Option.isSome(metaInfo) && metaInfo.value.type === "Directory") {
        return yield* new Errors.CorruptRecord({ path: file, reason: "missing (the _meta directory exists)" })
      }
      return Option.none()
    })

  /**
   * Children of `dir` that are objects (an entry without `_self.json` is not one; a corrupt one fails the
   * listing), decoded, in name order. One directory is one batch: a Stream stage per entry costs more than
   * the read.
   */
  const listObjects = <A, B = A>(dir: string, decode: Decoder<A>, wrap?: (a: A) => B): Effect.Effect<Array<B>, Errors.StorageError> =>
    Effect.flatMap(reads.listDir(dir), (names) =>
      readRecords(names.filter((name) => name !== "_meta").map((name) => selfFile(dir + path.sep + name)), decode, wrap))

  const getRunRecord = (p: Pathspec.RunPath) => Effect.flatMap(dirOf(p.flow, p.run), (dir) => fetchSelf(dir, Records.decodeRun))

  /**
   * The run record as steps, tasks and artifacts inherit its tags: read again only when the file changed
   * (its fingerprint: one `stat` instead of a read and a decode per listing under the run). Tag writes and
   * their read-back never use it.
   */
  const runRecords = new Map<string, { readonly fingerprint: string; readonly record: Records.RunRecord }>()
  const maxCachedRuns = 10_000
  const runRecordForTags = (p: Pathspec.RunPath): Effect.Effect<Option.Option<Records.RunRecord>, Errors.StorageError> =>
    Effect.flatMap(dirOf(p.flow, p.run), (dir) => {
      const file = selfFile(dir)
      return Effect.flatMap(reads.fingerprint(file), (fingerprint) => {
        const cached = runRecords.get(dir)
        if (Option.isSome(fingerprint) && cached !== undefined && cached.fingerprint === fingerprint.value) {
          return Effect.succeed(Option.some(cached.record))
        }
        return Effect.tap(fetchSelf(dir, Records.decodeRun), (record) => {
          if (Option.isNone(record) || Option.isNone(fingerprint)) return
          if (runRecords.size >= maxCachedRuns) runRecords.clear()
          runRecords.set(dir, { fingerprint: fingerprint.value, record: record.value })
        })
      })
    })

  /** The run record that descendants inherit tags from; must exist once a descendant does. */
  const requireRun = (p: Pathspec.RunPath, what: string): Effect.Effect<Records.RunRecord, Errors.StorageError> =>
    Effect.flatMap(runRecordForTags(p), (run) =>
      Option.match(run, {
        onSome: Effect.succeed,
        onNone: () =>
          Effect.flatMap(dirOf(p.flow, p.run), (dir) =>
            Effect.fail(new Errors.CorruptRecord({ path: selfFile(dir), reason: `run record missing while reading ${what}` })))
      }))

  /** A listing under a run, with the run record read once; nothing when the run does not exist. */
  const underRun = <A>(
    p: Pathspec.RunPath,
    f: (run: Records.RunRecord) => Effect.Effect<ReadonlyArray<A>, Errors.StorageError>
  ): Effect.Effect<ReadonlyArray<A>, Errors.StorageError> =>
    Effect.flatMap(runRecordForTags(p), (run) => Option.isNone(run) ? Effect.succeed([]) : f(run.value))

  const withRunTags = <A extends Records.Tagged>(run: Records.RunRecord) => (a: A): A => Records.withRunTags(a, run)

  /**
   * For batch listings under many runs: the record of each path's run, each distinct run read once (as
   * {@link underRun} reads it); none where the run does not exist (its listings are then empty).
   */
  const runsOf = (paths: ReadonlyArray<Pathspec.RunPath>) =>
    Effect.gen(function*() {
      const byRun = new Map<string, Option.Option<Records.RunRecord>>()
      for (const p of paths) {
        const key = `${p.flow}/${p.run}`
        if (!byRun.has(key)) byRun.set(key, yield* runRecordForTags(p))
      }
      return paths.map((p) => byRun.get(`${p.flow}/${p.run}`)!)
    })

  /** Gives each record of group `g` the tags of run `runs[g]`. */
  const withTagsOf = (runs: ReadonlyArray<Option.Option<Records.RunRecord>>) => <A extends Records.Tagged>(a: A, g: number): A =>
    Records.withRunTags(a, Option.getOrThrow(runs[g]!))

  /** Leaves out the entries of paths whose run does not exist. */
  const whereRunExists = <A>(runs: ReadonlyArray<Option.Option<Records.RunRecord>>, groups: ReadonlyArray<ReadonlyArray<A>>) =>
    groups.map((group, g) => Option.isSome(runs[g]!) ? group : [])

  // ---------------------------------------------------------------------------------------------------
  // artifacts

  /**
   * Artifact record files of a task's attempt (`N_artifact_*.json`, Python's glob): all of them, or with
   * `name` only that artifact's file. No attempt (a task with no done attempt): none.
   */
  const artifactFiles = (taskDir: string, names: ReadonlyArray<string>, attempt: number | undefined, name?: string) => {
    if (attempt === undefined) return []
    const prefix = `${attempt}_artifact_`
    const metaDir = taskDir + path.sep + "_meta" + path.sep
    if (name !== undefined) {
      const file = `${prefix}${name}.json`
      return names.includes(file) ? [metaDir + file] : []
    }
    return names.filter((n) => n.startsWith(prefix) && n.endsWith(".json")).map((n) => metaDir + n)
  }

  /**
   * The attempt whose artifacts each task shows when none is asked for, by Python's rule (Metaflow's
   * `LocalMetadataProvider`): the `value` of the task's lexicographically last `sysmeta_attempt-done_*`
   * record (its `_meta` listing is sorted by name). A task with none (running, or killed before an attempt
   * was marked done) shows no artifacts, even where an older attempt registered some: Metaflow marks an
   * attempt done before it registers that attempt's artifacts, so the newest done attempt may have none.
   * All tasks' records are read in one batch.
   */
  const doneAttempts = (
    metaDirs: ReadonlyArray<string>,
    listings: ReadonlyArray<ReadonlyArray<string>>
  ): Effect.Effect<Array<number | undefined>, Errors.StorageError> => {
    const files = listings.map((names, i) => {
      let last: string | undefined
      for (const n of names) if (n.startsWith(ATTEMPT_DONE)) last = n
      return last === undefined ? [] : [metaDirs[i] + path.sep + last]
    })
    return Effect.map(readRecordGroups(files, decodeAttemptDone), (groups) => groups.map((g) => g[0]))
  }

  /** Task directories of a step, or of every step of a run: a few readdirs, gathered as arrays. */
  const childDirs = (dir: string, names: ReadonlyArray<string>) =>
    names.filter((name) => name !== "_meta").map((name) => dir + path.sep + name)
  const taskDirsOfStep = (stepDir: string) => Effect.map(reads.listDir(stepDir), (names) => childDirs(stepDir, names))

  const taskDirsOf = (scope: MetadataProvider.ArtifactScope): Effect.Effect<ReadonlyArray<string>, Errors.StorageError> => {
    if ("task" in scope) return Effect.map(dirOf(scope.flow, scope.run, scope.step, scope.task), (dir) => [dir])
    if ("step" in scope) return Effect.flatMap(dirOf(scope.flow, scope.run, scope.step), taskDirsOfStep)
    return Effect.flatMap(dirOf(scope.flow, scope.run), (runDir) =>
      Effect.flatMap(reads.listDir(runDir), (steps) => {
        const stepDirs = childDirs(runDir, steps)
        return Effect.map(reads.listDirs(stepDirs), (perStep) => perStep.flatMap((names, i) => childDirs(stepDirs[i]!, names)))
      }))
  }

  /** The `_meta` listing of each task directory, and the attempt whose artifacts it shows (`attempt` if given). */
  const attemptsOf = (dirs: ReadonlyArray<string>, attempt: number | undefined) =>
    Effect.gen(function*() {
      const metaDirs = dirs.map((dir) => dir + path.sep + "_meta")
      const listings = yield* reads.listDirs(metaDirs)
      const attempts = attempt !== undefined ? dirs.map(() => attempt) : yield* doneAttempts(metaDirs, listings)
      return { listings, attempts }
    })

  const readArtifacts = (scope: MetadataProvider.ArtifactScope, attempt?: number, name?: string) =>
    underRun(scope, (run) =>
      Effect.gen(function*() {
        const dirs = yield* taskDirsOf(scope)
        const { attempts, listings } = yield* attemptsOf(dirs, attempt)
        const files = dirs.flatMap((dir, i) => artifactFiles(dir, listings[i]!, attempts[i], name))
        return yield* readRecords(files, Records.decodeArtifact, withRunTags(run))
      }))

  const readArtifactsOfTasks = (paths: ReadonlyArray<Pathspec.TaskPath>, name?: string) =>
    Effect.gen(function*() {
      const runs = yield* runsOf(paths)
      const dirs = yield* Effect.forEach(paths, (p) => dirOf(p.flow, p.run, p.step, p.task))
      const { attempts, listings } = yield* attemptsOf(dirs, undefined)
      const files = whereRunExists(runs, dirs.map((dir, i) => artifactFiles(dir, listings[i]!, attempts[i], name)))
      return yield* readRecordGroups(files, Records.decodeArtifact, withTagsOf(runs))
    })

  const readTasksOfSteps = (paths: ReadonlyArray<Pathspec.StepPath>) =>
    Effect.gen(function*() {
      const runs = yield* runsOf(paths)
      const dirs = yield* Effect.forEach(paths, (p) => dirOf(p.flow, p.run, p.step))
      const listings = yield* reads.listDirs(dirs)
      const files = whereRunExists(runs, dirs.map((dir, i) => childDirs(dir, listings[i]!).map(selfFile)))
      return yield* readRecordGroups(files, Records.decodeTask, withTagsOf(runs))
    })

  /** `sysmeta_<field>_<ms>.json` files of a `_meta` listing: with a fields hint, only those fields' files. */
  const metadataFiles = (metaDir: string, names: ReadonlyArray<string>, fields: ReadonlyArray<string> | undefined) => {
    const wanted = fields === undefined ? undefined : new Set(fields)
    return names.filter((n) => {
      if (!n.startsWith("sysmeta_")) return false
      if (wanted === undefined) return true
      const m = SYSMETA_FILE.exec(n)
      return m === null || wanted.has(m[1]!)
    }).map((name) => path.join(metaDir, name))
  }

  const readMetadataOfTasks = (paths: ReadonlyArray<Pathspec.TaskPath>, fields?: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const metaDirs = yield* Effect.forEach(paths, (p) => Effect.map(dirOf(p.flow, p.run, p.step, p.task), (dir) => path.join(dir, "_meta")))
      const listings = yield* reads.listDirs(metaDirs)
      return yield* readRecordGroups(metaDirs.map((dir, i) => metadataFiles(dir, listings[i]!, fields)), Records.decodeMetadata)
    })

  const readSteps = (p: Pathspec.RunPath) =>
    underRun(p, (run) => Effect.flatMap(dirOf(p.flow, p.run), (dir) => listObjects(dir, Records.decodeStep, withRunTags(run))))


  // ---------------------------------------------------------------------------------------------------
  // tag mutation

  interface MutationResult {
    readonly consistent: boolean
    readonly tags: ReadonlyArray<string>
  }

  const writeRunRecord = (metaDir: string, record: Record<string, unknown>) =>
    Effect.gen(function*() {
      const realMeta = yield* fs.realPath(metaDir).pipe(Effect.mapError((e) => backendError(metaDir, e)))
      const realBase = yield* fs.realPath(base).pipe(Effect.mapError((e) => backendError(base, e)))
      if (!isWithin(path, realBase, realMeta)) {
        return yield* new Errors.PathOutsideRoot({ root: base, path: metaDir })
      }
      const suffix = (yield* Effect.all([Random.nextInt, Random.nextInt])).map((n) => Math.abs(n).toString(36)).join("")
      const tmp = path.join(realMeta, `tmp${suffix}`)
      const target = path.join(realMeta, "_self.json")
      yield* fs.writeFileString(tmp, pythonJson(record), { flag: "wx" }).pipe(
        Effect.zipRight(fs.rename(tmp, target)),
        Effect.mapError((e) => backendError(target, e)),
        Effect.onError(() => fs.remove(tmp).pipe(Effect.ignore))
      )
    })

  const mutateOnce = (
    p: Pathspec.RunPath,
    add: ReadonlyArray<string>,
    remove: ReadonlyArray<string>
  ): Effect.Effect<MutationResult, Errors.StorageError | Errors.TaggingError> =>
    Effect.gen(function*() {
      const runDir = yield* dirOf(p.flow, p.run)
      const notFound = new Errors.TaggingError({ reason: `Run not found (${p.flow}, ${p.run})` })
      const run = yield* getRunRecord(p)
      if (Option.isNone(run)) return yield* notFound
      const existing = new Set(run.value.tags)
      const system = new Set(run.value.systemTags)
      const toRemove = new Set(remove)
      const toAdd = new Set(add.filter((t) => !system.has(t)))
      const removingSystem = [...toRemove].filter((t) => system.has(t)).sort()
      if (removingSystem.length > 0) {
        return yield* new Errors.TaggingError({
          reason: `Cannot remove a tag that is an existing system tag ([${removingSystem.map(pyRepr).join(", ")}])`
        })
      }
      const next = [...run.value.tags.filter((t) => !toRemove.has(t))]
      for (const t of toAdd) if (!next.includes(t)) next.push(t)
      const nextSet = new Set(next)
      if (nextSet.size === existing.size && [...nextSet].every((t) => existing.has(t))) {
        return { consistent: true, tags: [...existing] }
      }
      if (nextSet.size > MAX_USER_TAG_SET_SIZE && existing.size < nextSet.size) {
        return yield* new Errors.TaggingError({ reason: `Cannot increase size of tag set beyond ${MAX_USER_TAG_SET_SIZE}` })
      }
      const user = yield* Namespace.currentUser
      const now = yield* Clock.currentTimeMillis
      yield* writeRunRecord(path.join(runDir, "_meta"), {
        run_number: p.run,
        flow_id: p.flow,
        user_name: Option.getOrNull(user),
        tags: [...nextSet],
        system_tags: run.value.systemTags,
        ts_epoch: now
      })
      const after = yield* getRunRecord(p)
      if (Option.isNone(after)) {
        return yield* new Errors.TaggingError({ reason: `Run not found for read-back check (${p.flow}, ${p.run})` })
      }
      const final = new Set(after.value.tags)
      const addedOk = [...toAdd].every((t) => final.has(t))
      const removedOk = [...toRemove].every((t) => !final.has(t) || toAdd.has(t))
      return { consistent: addedOk && removedOk, tags: [...final] }
    })

  /**
   * A lock between processes of this client: a directory made atomically in the run's `_meta` (hidden from
   * listings by its leading dot), removed when the mutation ends. Python's own writers do not take it, so
   * the optimistic read-back below still guards against them; among our processes no update is lost.
   * A lock older than `staleLockMs` (a crashed holder) is broken.
   */
  const withRunLock = <A, E>(p: Pathspec.RunPath, use: Effect.Effect<A, E>) =>
    Effect.gen(function*() {
      const runDir = yield* dirOf(p.flow, p.run)
      const lockDir = path.join(runDir, "_meta", ".mfc-tag-lock")
      const acquire = Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        for (;;) {
          const made = yield* fs.makeDirectory(lockDir).pipe(
            Effect.as("made" as const),
            Effect.catchAll((e) =>
              e._tag === "SystemError" && e.reason === "AlreadyExists"
                ? Effect.succeed("held" as const)
                : isAbsent(e)
                // no run: nothing to lock; the mutation reports the missing run
                ? Effect.succeed("no-run" as const)
                : Effect.fail(backendError(lockDir, e)))
          )
          if (made !== "held") return made
          const now = yield* Clock.currentTimeMillis
          const info = yield* optional(fs.stat(lockDir), lockDir)
          const mtime = Option.flatMap(info, (i) => i.mtime).pipe(Option.map((d) => d.getTime()), Option.getOrElse(() => now))
          if (now - mtime > staleLockMs) yield* fs.remove(lockDir, { recursive: true }).pipe(Effect.ignore)
          else if (now - started > lockTimeoutMs) {
            return yield* new Errors.TaggingError({ reason: `Tagging failed: ${lockDir} is held by another process` })
          }
          yield* Effect.sleep(10 + (yield* Random.nextIntBetween(0, 40)))
        }
      })
      return yield* Effect.acquireUseRelease(
        acquire,
        () => use,
        (held) => held === "made" ? fs.remove(lockDir, { recursive: true }).pipe(Effect.ignore) : Effect.void
      )
    })

  const mutateRunTags: MetadataProvider.Service["mutateRunTags"] = (p, { add, remove }) =>
    mutationLock.withPermits(1)(withRunLock(p, Effect.gen(function*() {
      for (let tries = 1;; tries++) {
        const result = yield* mutateOnce(p, add, remove)
        if (result.consistent) return result.tags
        if (tries >= MAX_TAG_MUTATION_TRIES) break
        yield* Effect.sleep(yield* retryDelay(tries))
      }
      return yield* new Errors.TaggingError({
        reason: "Tagging failed due to too many conflicting updates from other processes"
      })
    }))).pipe(Effect.withSpan("LocalMetadataProvider.mutateRunTags", { attributes: { flow: p.flow, run: p.run } }))

  // ---------------------------------------------------------------------------------------------------

  const service: MetadataProvider.Service = {
    describe: Root.describe(root),

    listFlows: Stream.fromIterableEffect(listObjects(base, Records.decodeFlow)),

    getFlow: (p) => Effect.flatMap(dirOf(p.flow), (dir) => fetchSelf(dir, Records.decodeFlow)),

    listRuns: (p, query) =>
      // read in batches, so that a consumer that stops early (a flow's namespace check wants one run in
      // the namespace) reads a batch, not the whole flow; in the file system's order, which is Python's
      // order among runs of the same millisecond (core keeps the provider's order for those)
      Stream.unwrap(Effect.flatMap(dirOf(p.flow), (dir) =>
        Effect.map(reads.listDirInOrder(dir), (names) => {
          const files = names.filter((name) => name !== "_meta").map((name) => selfFile(dir + path.sep + name))
          return Stream.fromIterable(runBatches(files)).pipe(
            Stream.mapEffect((batch) => readRecords(batch, Records.decodeRun)),
            Stream.flattenIterables
          )
        }))).pipe(
        Stream.filter((run) => {
          if (query?.since !== undefined && run.tsEpoch < query.since) return false
          if (query?.tags !== undefined) {
            const all = new Set([...run.tags, ...run.systemTags])
            if (!query.tags.every((t) => all.has(t))) return false
          }
          return true
        })
      ),

    getRun: getRunRecord,

    listSteps: readSteps,

    getStep: (p) =>
      Effect.gen(function*() {
        const step = yield* Effect.flatMap(dirOf(p.flow, p.run, p.step), (dir) => fetchSelf(dir, Records.decodeStep))
        if (Option.isNone(step)) return step
        const run = yield* requireRun(p, `step ${p.flow}/${p.run}/${p.step}`)
        return Option.some(Records.withRunTags(step.value, run))
      }),

    // one object's children are the batch forms' answer for one path: one way to list them
    listTasks: (p) => Effect.map(readTasksOfSteps([p]), (groups) => groups[0]!),

    getTask: (p) =>
      Effect.gen(function*() {
        const task = yield* Effect.flatMap(
          dirOf(p.flow, p.run, p.step, p.task),
          (dir) => fetchSelf(dir, Records.decodeTask)
        )
        if (Option.isNone(task)) return task
        const run = yield* requireRun(p, `task ${p.flow}/${p.run}/${p.step}/${p.task}`)
        return Option.some(Records.withRunTags(task.value, run))
      }),

    listMetadata: (p, fields) => Effect.map(readMetadataOfTasks([p], fields), (groups) => groups[0]!),

    listArtifacts: readArtifacts,

    listTasksOfSteps: readTasksOfSteps,
    listMetadataOfTasks: readMetadataOfTasks,
    listArtifactsOfTasks: readArtifactsOfTasks,

    mutateRunTags
  }
  return service
})
