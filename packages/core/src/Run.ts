/**
 * Runs: their steps, end task, status and tags. Python: `Run`.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { MetadataProvider } from "./MetadataProvider.js"
import * as Namespace from "./Namespace.js"
import * as Pathspec from "./Pathspec.js"
import * as Artifact from "./Artifact.js"
import type { StepRecord } from "./Records.js"
import * as Step from "./Step.js"
import * as Tags from "./Tags.js"
import * as Task from "./Task.js"
import { ensureInNamespace, hasAllTags, inNamespace, orNotFound } from "./internal/lookup.js"
import * as Batch from "./internal/batch.js"
import { newestFirst, RunObject, StepObject } from "./internal/model.js"
import { truthy } from "./internal/values.js"

/**
 * A run: its path, its record, and the namespace it was looked up in.
 *
 * @since 0.1.0
 * @category models
 */
export type Run = RunObject

/**
 * A run by pathspec `Flow/RunID`, in the current namespace. Python: `Run(pathspec)`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const get = Effect.fn("Run.get")(function*(pathspec: string) {
  const path = yield* Pathspec.parse("Run", pathspec)
  const md = yield* MetadataProvider
  const namespace = yield* Namespace.get
  const record = yield* md.getRun(path).pipe(orNotFound("Run", pathspec))
  yield* ensureInNamespace(namespace, pathspec, record)
  return new RunObject({ path, record, namespace })
})

const stepObject = (run: Run, record: StepRecord) =>
  new StepObject({ path: { ...run.path, step: record.stepName }, record, namespace: run.namespace })

/**
 * Steps of the run, newest first, without the hidden `_parameters` step. Python: `iter(run)`,
 * `run.steps(*tags)`.
 *
 * @since 0.1.0
 * @category listing
 */
export const steps = (run: Run, options: { readonly tags?: ReadonlyArray<string> } = {}) =>
  Stream.unwrap(Effect.gen(function*() {
    const md = yield* MetadataProvider
    const records = yield* md.listSteps(run.path)
    const kept = records.filter((r) =>
      !r.stepName.startsWith("_") && inNamespace(run.namespace, r) && hasAllTags(r, options.tags ?? [])
    )
    return Stream.fromIterable(newestFirst(kept, (r) => r.tsEpoch, (r) => r.stepName).map((r) => stepObject(run, r)))
  }))

/**
 * A step by name, hidden ones included (`_parameters`). Python: `run[name]`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const step = Effect.fn("Run.step")(function*(run: Run, name: string) {
  const pathspec = `${run.pathspec}/${name}`
  const path = yield* Pathspec.parse("Step", pathspec)
  const md = yield* MetadataProvider
  const record = yield* md.getStep(path).pipe(orNotFound("Step", pathspec))
  yield* ensureInNamespace(run.namespace, pathspec, record)
  return new StepObject({ path, record, namespace: run.namespace })
})

/**
 * Whether a step exists, hidden ones included, whatever the namespace. Python: `name in run`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const hasStep = Effect.fn("Run.hasStep")(function*(run: Run, name: string) {
  const path = yield* Pathspec.parse("Step", `${run.pathspec}/${name}`)
  const md = yield* MetadataProvider
  return Option.isSome(yield* md.getStep(path))
})

/**
 * Names of the start and end steps: from the `_parameters` task's `start_step`/`end_step` metadata
 * (Metaflow ≥ 2.19.23), else `start` and `end`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const graphEndpoints = Effect.fn("Run.graphEndpoints")((run: Run) => graphEndpointsOf(run))

/** {@link graphEndpoints} without its span: status accessors call it once per run, in loops. */
const graphEndpointsOf = (run: Run) =>
  Effect.gen(function*() {
    const defaults = { start: "start", end: "end" }
    // listed directly: a run without `_parameters` simply has no such task
    const task = yield* Step.newestTaskAt({ ...run.path, step: "_parameters" }, run.namespace)
    if (Option.isNone(task)) return defaults
    const dict = yield* Task.metadataValuesUntraced(task.value, ["start_step", "end_step"])
    const start = dict["start_step"]
    const end = dict["end_step"]
    return { start: typeof start === "string" ? start : "start", end: typeof end === "string" ? end : "end" }
  })

/**
 * The newest task of a step of the run, by name, as Python's `run[name].task` (none when the step does
 * not exist). In a namespace the step is looked up first, for Python's namespace check of the step. With
 * no namespace there is nothing to check: the task listing alone answers (a step that does not exist lists
 * no tasks: an empty directory listing, or the service's `200 []`), one round trip fewer per question.
 */
const newestTaskOfStep = (run: Run, name: string) =>
  Effect.gen(function*() {
    const path = yield* Pathspec.parse("Step", `${run.pathspec}/${name}`)
    if (run.namespace === null) return yield* Step.newestTaskAt(path, null)
    const md = yield* MetadataProvider
    const record = yield* md.getStep(path)
    if (Option.isNone(record)) return Option.none<Task.Task>()
    yield* ensureInNamespace(run.namespace, Pathspec.format(path), record.value)
    return yield* Step.newestTaskAt(path, run.namespace)
  })

/**
 * `f` of the newest task of the run's start or end step (see {@link graphEndpoints}). Those steps are
 * nearly always named `start` and `end`, so the step named `which` is read, and `f` run on its task, in
 * a fiber beside the one reading the `_parameters` metadata; only a run that names another step is read
 * again (the guess is then interrupted). Same answers as reading the endpoints first, in about half the
 * round trips. One fork, not `Effect.all`: its concurrent machinery cost more than a local run's reads.
 */
const atEndpoint = <A, E, R>(
  run: Run,
  which: "start" | "end",
  f: (task: Option.Option<Task.Task>) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const guess = yield* Effect.fork(Effect.flatMap(newestTaskOfStep(run, which), f))
    const endpoints = yield* Effect.onExit(graphEndpointsOf(run), (exit) => Exit.isSuccess(exit) ? Effect.void : Fiber.interrupt(guess))
    const name = endpoints[which]
    if (name === which) return yield* Fiber.join(guess)
    yield* Fiber.interrupt(guess)
    return yield* Effect.flatMap(newestTaskOfStep(run, name), f)
  })

/**
 * The end step's newest task, if the run got that far. Python: `run.end_task` (`None` → `Option.none`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const endTask = Effect.fn("Run.endTask")(function*(run: Run) {
  return yield* atEndpoint(run, "end", Effect.succeed)
})

/**
 * Whether the end task succeeded. Python: `run.successful`.
 *
 * @since 0.1.0
 * @category status
 */
export const successful = Effect.fn("Run.successful")((run: Run) => successfulUntraced(run))

/** {@link successful} without its span, for core's loops over runs (`Flow.latestSuccessfulRun`). @internal */
export const successfulUntraced = (run: Run) =>
  atEndpoint(run, "end", (end) => Option.isSome(end) ? Task.successfulUntraced(end.value) : Effect.succeed(false))

/**
 * What {@link outcomes} tells of one run.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOutcome {
  readonly run: Run
  /** The end step's newest task, if the run got that far. Python: `run.end_task`. */
  readonly endTask: Option.Option<Task.Task>
  /** Whether that task succeeded. Python: `run.successful`. */
  readonly successful: boolean
}

/** Runs asked about together by {@link outcomes}: each batch is a few backend calls. */
const OUTCOME_BATCH = 256

/**
 * The end task and success of many runs, the same answers as {@link endTask} and {@link successful} of
 * each, in the order given: the question "which of these 1,000 runs succeeded" in a few backend calls per
 * batch of runs instead of several per run (where the backend has batch reads: the local folder), each
 * distinct `_success` blob decoded once. Runs looked up in a namespace take the per-run path, which
 * checks the end step's namespace as Python does. Python: `[(r.end_task, r.successful) for r in runs]`.
 *
 * @since 0.1.0
 * @category status
 */
export const outcomes = (runs: Iterable<Run>, options: { readonly concurrency?: number } = {}) =>
  Stream.fromIterable(runs).pipe(
    Stream.grouped(OUTCOME_BATCH),
    Stream.mapEffect((batch) => outcomesOfBatch(Chunk.toReadonlyArray(batch), options.concurrency ?? Batch.defaultConcurrency)),
    Stream.flattenIterables,
    Stream.withSpan("Run.outcomes")
  )

const outcomesOfBatch = (runs: ReadonlyArray<Run>, concurrency: number) =>
  Effect.gen(function*() {
    const md = yield* MetadataProvider
    const perRun = (run: Run) =>
      atEndpoint(run, "end", (endTask) =>
        Effect.map(Option.isSome(endTask) ? Task.successfulUntraced(endTask.value) : Effect.succeed(false), (successful): RunOutcome => ({
          run,
          endTask,
          successful
        })))
    if (runs.some((run) => run.namespace !== null)) return yield* Effect.forEach(runs, perRun, { concurrency })
    // as the per-run path: the step named `end` is read beside `_parameters`, whose `end_step` metadata
    // may name another step; that one is read next, for those runs only
    const stepPath = (run: Run, step: string): Pathspec.StepPath => ({ ...run.path, step })
    const first = yield* Batch.tasksOfSteps(md, runs.flatMap((run) => [stepPath(run, "_parameters"), stepPath(run, "end")]), concurrency)
    const params = runs.map((run, i) => Step.newestTaskOf(stepPath(run, "_parameters"), null, first[2 * i]!))
    const guesses = runs.map((run, i) => Step.newestTaskOf(stepPath(run, "end"), null, first[2 * i + 1]!))
    // tasks are paired with the index of their run: a batch may hold runs of several flows
    const present = (tasks: ReadonlyArray<Option.Option<Task.Task>>) =>
      tasks.flatMap((t, run) => Option.isSome(t) ? [{ run, task: t.value }] : [])
    const paramTasks = present(params)
    const fields = ["end_step"]
    const metadata = yield* Batch.metadataOfTasks(md, paramTasks.map((p) => p.task.path), [...fields, ...Task.originFields], concurrency)
    const endNames: Array<string> = runs.map(() => "end")
    const setEnd = (run: number, dict: Record<string, unknown>) => {
      const end = dict["end_step"]
      if (typeof end === "string") endNames[run] = end
    }
    // a task cloned by resume also needs its origin's records: asked for on its own (rare)
    const clones = paramTasks.filter(({ run }, i) =>
      Option.match(Task.metadataValuesOfRecords(metadata[i]!, fields), {
        onSome: (dict) => (setEnd(run, dict), false),
        onNone: () => true
      }))
    yield* Effect.forEach(clones, ({ run, task }) => Effect.map(Task.metadataValuesUntraced(task, fields), (dict) => setEnd(run, dict)), {
      concurrency,
      discard: true
    })
    const renamed = endNames.flatMap((name, run) => name === "end" ? [] : [run])
    // a name read from metadata is checked as a pathspec, as on the per-run path
    const renamedPaths = yield* Effect.forEach(renamed, (run) => Pathspec.parse("Step", `${runs[run]!.pathspec}/${endNames[run]}`))
    const again = yield* Batch.tasksOfSteps(md, renamedPaths, concurrency)
    const ends = [...guesses]
    renamed.forEach((run, k) => (ends[run] = Step.newestTaskOf(renamedPaths[k]!, null, again[k]!)))
    const endTasks = present(ends)
    const listed = yield* Batch.artifactsOfTasks(md, endTasks.map((e) => e.task.path), "_success", concurrency)
    const successes = endTasks.flatMap(({ run, task }, i) => {
      const record = Task.latestAttemptOnly(listed[i]!).find((r) => r.name === "_success")
      return record === undefined ? [] : [{ run, artifact: Task.artifactObject(task, record) }]
    })
    const values = yield* Artifact.valuesOfMany(successes.map((s) => s.artifact), concurrency)
    const succeeded: Array<boolean> = runs.map(() => false)
    successes.forEach(({ run }, i) => (succeeded[run] = truthy(values[i]!)))
    return runs.map((run, i): RunOutcome => ({ run, endTask: ends[i]!, successful: succeeded[i]! }))
  })

/**
 * Whether the end task finished. Python: `run.finished`.
 *
 * @since 0.1.0
 * @category status
 */
export const finished = Effect.fn("Run.finished")(function*(run: Run) {
  return yield* atEndpoint(run, "end", (end) => Option.isSome(end) ? Task.finishedUntraced(end.value) : Effect.succeed(false))
})

/**
 * When the end task finished. Python: `run.finished_at`.
 *
 * @since 0.1.0
 * @category status
 */
export const finishedAt = Effect.fn("Run.finishedAt")(function*(run: Run) {
  return yield* atEndpoint(run, "end", (end) => Option.isSome(end) ? Task.finishedAtUntraced(end.value) : Effect.succeed(Option.none<Date>()))
})

/**
 * The end task's public artifacts as name → value. Python: `run.data` (`None` without an end task).
 *
 * @since 0.1.0
 * @category artifacts
 */
export const data = Effect.fn("Run.data")(function*(run: Run) {
  return yield* atEndpoint(run, "end", (end) => Option.isSome(end) ? Effect.map(Task.dataUntraced(end.value), Option.some) : Effect.succeed(Option.none()))
})

/**
 * The code package of the run: that of the first step (newest first) whose task has one. Python: `run.code`.
 *
 * @since 0.1.0
 * @category code
 */
export const code = Effect.fn("Run.code")(function*(run: Run) {
  const all = yield* steps(run).pipe(Stream.runCollect)
  for (const s of all) {
    const task = yield* Step.task(s)
    if (Option.isNone(task)) continue
    const pkg = yield* Task.code(task.value)
    if (Option.isSome(pkg)) return pkg
  }
  return Option.none()
})

/**
 * `Flow/<origin run>` of a resumed run. Like Python, a run that was not resumed gives `Flow/None`
 * (its tasks record the literal origin `"None"`); `none` when the newest step has no task or record.
 *
 * @since 0.1.0
 * @category accessors
 */
export const originPathspec = Effect.fn("Run.originPathspec")(function*(run: Run) {
  const first = yield* Stream.runHead(steps(run))
  if (Option.isNone(first)) return Option.none<string>()
  const task = yield* Step.task(first.value)
  if (Option.isNone(task)) return Option.none<string>()
  const records = yield* Task.metadata(task.value)
  const origin = records.find((m) => m.name === "origin-run-id")
  return origin === undefined ? Option.none<string>() : Option.some(`${run.path.flow}/${String(origin.value)}`)
})

/**
 * The events that triggered the run: the parsed `execution-triggers` metadata of the start step's task
 * (a list of event descriptions); none when the run was not triggered. Python: `run.trigger`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const trigger = Effect.fn("Run.trigger")(function*(run: Run) {
  const meta = yield* atEndpoint(run, "start", (task) =>
    Option.isNone(task)
      ? Effect.succeed(undefined)
      : Effect.map(Task.metadataValuesUntraced(task.value, ["execution-triggers"]), (d) => d["execution-triggers"]))
  if (typeof meta !== "string" || meta === "") return Option.none<unknown>()
  try {
    return Option.some<unknown>(JSON.parse(meta))
  } catch {
    return Option.none<unknown>()
  }
})

/**
 * Every task of every public step of the run, step by step (newest step first).
 *
 * @since 0.1.0
 * @category listing
 */
export const tasks = (run: Run) => steps(run).pipe(Stream.flatMap((s) => Step.tasks(s)))

/**
 * Changes the run's user tags: removes `remove`, then adds `add`, as one mutation. Validates as Python
 * does (system tags cannot be removed; adding one is ignored), writes nothing for a no-op, and returns
 * the run with its new tags. Python: `run.replace_tags(remove, add)`; `add_tags`/`remove_tags` below.
 *
 * @since 0.1.0
 * @category tags
 */
export const mutateTags = Effect.fn("Run.mutateTags")(function*(run: Run, mutation: Tags.Mutation) {
  const md = yield* MetadataProvider
  const current = yield* md.getRun(run.path).pipe(orNotFound("Run", run.pathspec))
  const result = yield* Tags.apply(current, mutation)
  if (!result.changed) return new RunObject({ ...run, record: current })
  const tags = yield* md.mutateRunTags(run.path, mutation)
  const after = yield* md.getRun(run.path).pipe(orNotFound("Run", run.pathspec))
  return new RunObject({ ...run, record: { ...after, tags } })
})

/**
 * Adds user tags. Python: `run.add_tags(tags)`.
 *
 * @since 0.1.0
 * @category tags
 */
export const addTags = (run: Run, tags: ReadonlyArray<string>) => mutateTags(run, { add: tags, remove: [] })

/**
 * Removes user tags. Python: `run.remove_tags(tags)`.
 *
 * @since 0.1.0
 * @category tags
 */
export const removeTags = (run: Run, tags: ReadonlyArray<string>) => mutateTags(run, { add: [], remove: tags })

/**
 * Removes then adds, atomically. Python: `run.replace_tags(tags_to_remove, tags_to_add)`.
 *
 * @since 0.1.0
 * @category tags
 */
export const replaceTags = (run: Run, remove: ReadonlyArray<string>, add: ReadonlyArray<string>) =>
  mutateTags(run, { add, remove })

/**
 * When the run was created (the local provider moves this on tag mutation, as Python's does).
 *
 * @since 0.1.0
 * @category accessors
 */
export const createdAt = (run: Run): Date => new Date(run.record.tsEpoch)
