/**
 * Tasks: attempts, metadata, status, artifacts, logs and graph navigation. Python: `Task`.
 *
 * Three meanings of "latest attempt" (local-format.md §7): artifacts and status use the latest done
 * attempt, as the backend defines it (locally the last `attempt-done` record, which may have no
 * artifacts yet; the service, the latest attempt that saved artifacts); `currentAttempt`, default logs
 * and `metadataDict` use the latest started attempt (`attempt` metadata); an explicit attempt overrides
 * both.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Artifact from "./Artifact.js"
import * as Code from "./Code.js"
import * as Graph from "./Graph.js"
import { MetadataProvider } from "./MetadataProvider.js"
import * as Namespace from "./Namespace.js"
import * as Pathspec from "./Pathspec.js"
import type { ArtifactRecord, MetadataRecord } from "./Records.js"
import { attemptTag } from "./Records.js"
import type { PyValue } from "./PyValue.js"
import { ensureInNamespace, orNotFound, validateAttempt } from "./internal/lookup.js"
import { ArtifactObject, newestFirst, TaskObject } from "./internal/model.js"
import { foreachIndex, truthy } from "./internal/values.js"

/**
 * A task: its path, its record, the attempt asked for (if any), and its namespace.
 *
 * @since 0.1.0
 * @category models
 */
export type Task = TaskObject

/**
 * A task by pathspec `Flow/RunID/StepName/TaskID`, optionally at one attempt (0–5; an attempt that never
 * ran is accepted and shows nothing, as in Python). Python: `Task(pathspec, attempt=N)`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const get = Effect.fn("Task.get")(function*(pathspec: string, options: { readonly attempt?: unknown } = {}) {
  const attempt = yield* validateAttempt(options.attempt)
  const path = yield* Pathspec.parse("Task", pathspec)
  const md = yield* MetadataProvider
  const namespace = yield* Namespace.get
  const record = yield* md.getTask(path).pipe(orNotFound("Task", pathspec, attempt))
  yield* ensureInNamespace(namespace, pathspec, record)
  return new TaskObject({ path, record, namespace, attempt })
})

/**
 * The same task at another attempt (`undefined` = latest).
 *
 * @since 0.1.0
 * @category constructors
 */
export const atAttempt = (task: Task, attempt: number | undefined): Task => new TaskObject({ ...task, attempt })

/**
 * One metadata entry. Python: `Metadata(name, value, created_at, type, task)`; `createdAt` is epoch ms.
 *
 * @since 0.1.0
 * @category models
 */
export interface Metadata {
  readonly name: string
  readonly value: unknown
  readonly createdAt: number
  readonly type: string
}

/**
 * The metadata records of one attempt: those tagged `attempt_id:N`, or, when some record has no such tag
 * (Metaflow < 2.4, `_parameters`), those written between the start of attempt N and of attempt N+1.
 *
 * @since 0.1.0
 * @category attempts
 */
export const recordsOfAttempt = (records: ReadonlyArray<MetadataRecord>, attempt: number): ReadonlyArray<MetadataRecord> => {
  const starts = new Map<number, number>()
  let allTagged = true
  const tagged: Array<MetadataRecord> = []
  for (const r of records) {
    if (r.fieldName === "attempt") starts.set(Number(r.value), r.tsEpoch)
    const n = attemptTag(r)
    if (n === undefined) allTagged = false
    else if (n === attempt) tagged.push(r)
  }
  if (allTagged) return tagged
  const start = starts.get(attempt)
  if (start === undefined) return []
  const end = starts.get(attempt + 1) ?? 32503680000000
  return records.filter((r) => r.tsEpoch >= start && r.tsEpoch < end)
}

const toMetadata = (r: MetadataRecord): Metadata => ({ name: r.fieldName, value: r.value, createdAt: r.tsEpoch, type: r.type })

/**
 * Metadata of the task: of all attempts, or of the chosen one. A task cloned by `resume` also gets the
 * latest value of every name its origin task has and it lacks (so it has `ds-root` and the rest).
 * Python: `task.metadata`.
 *
 * @since 0.1.0
 * @category metadata
 */
export const metadata = (task: Task): Effect.Effect<ReadonlyArray<Metadata>, Artifact.ReadError, MetadataProvider> =>
  metadataWith(task)

/** Metadata names that mark a task cloned by `resume` (its missing values come from its origin). @internal */
export const originFields: ReadonlyArray<string> = ["origin-run-id", "origin-task-id"]

/** The clone origin named by a task's own metadata, if it has one. */
const originOf = (own: ReadonlyArray<Metadata>): { readonly run: string; readonly task: string } | undefined => {
  const run = own.find((m) => m.name === "origin-run-id")?.value
  const task = own.find((m) => m.name === "origin-task-id")?.value
  return typeof task !== "string" || task === "" || typeof run !== "string" ? undefined : { run, task }
}

/**
 * `metadataValues` of a task (no explicit attempt) from its records listed beforehand, for batch
 * listings of many tasks; none for a task cloned by `resume`, whose values need its origin's records too
 * (ask {@link metadataValues} for that one). The listing must include {@link originFields}.
 *
 * @internal
 */
export const metadataValuesOfRecords = (
  records: ReadonlyArray<MetadataRecord>,
  fields: ReadonlyArray<string>
): Option.Option<Record<string, unknown>> => {
  const own = records.map(toMetadata)
  return originOf(own) === undefined ? Option.some(dictOf(own.filter((m) => fields.includes(m.name)))) : Option.none()
}

/**
 * `metadata`, optionally only for some field names: the backend is asked for those fields alone (plus the
 * clone-origin fields), which for the local folder means reading a few files instead of all. Hints are
 * used only without an explicit attempt, whose filtering looks at every record.
 */
const metadataWith = (
  task: Task,
  fields?: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<Metadata>, Artifact.ReadError, MetadataProvider> =>
  Effect.gen(function*() {
    const md = yield* MetadataProvider
    const hint = task.attempt === undefined && fields !== undefined ? [...fields, ...originFields] : undefined
    const all = hint === undefined ? yield* md.listMetadata(task.path) : yield* md.listMetadata(task.path, hint)
    const own = (task.attempt === undefined ? all : recordsOfAttempt(all, task.attempt)).map(toMetadata)
    const wanted = (m: Metadata) => fields === undefined || fields.includes(m.name)
    const origin = originOf(own)
    if (origin === undefined) return own.filter(wanted)
    const originPath = yield* Pathspec.parse("Task", `${task.path.flow}/${origin.run}/${task.path.step}/${origin.task}`)
    const inherited = yield* metadataWith(new TaskObject({ ...task, path: originPath, namespace: null, attempt: undefined }), fields)
    const latest = new Map<string, Metadata>()
    for (const m of [...inherited].sort((a, b) => a.createdAt - b.createdAt)) latest.set(m.name, m)
    const present = new Set(own.map((m) => m.name))
    return [...own, ...[...latest.values()].filter((m) => !present.has(m.name))].filter(wanted)
  })

const dictOf = (entries: ReadonlyArray<Metadata>): Record<string, unknown> => {
  const dict: Record<string, unknown> = {}
  for (const m of [...entries].sort((a, b) => a.createdAt - b.createdAt)) dict[m.name] = m.value
  return dict
}

/**
 * Metadata as name → value, the latest value (by `createdAt`) of each name. Python: `task.metadata_dict`.
 *
 * @since 0.1.0
 * @category metadata
 */
export const metadataDict = Effect.fn("Task.metadataDict")(function*(task: Task) {
  return dictOf(yield* metadataWith(task))
})

/**
 * `metadataDict` restricted to some names: the same values, read from fewer records.
 *
 * @since 0.1.0
 * @category metadata
 */
export const metadataValues = Effect.fn("Task.metadataValues")((task: Task, fields: ReadonlyArray<string>) =>
  metadataValuesUntraced(task, fields)
)

/** {@link metadataValues} without its span, for core's accessors built on it. @internal */
export const metadataValuesUntraced = (task: Task, fields: ReadonlyArray<string>) =>
  Effect.map(metadataWith(task, fields), dictOf)

/**
 * The explicit attempt, else the latest started one (`attempt` metadata; 0 without it). Python:
 * `task.current_attempt`.
 *
 * @since 0.1.0
 * @category attempts
 */
export const currentAttempt = Effect.fn("Task.currentAttempt")(function*(task: Task) {
  if (task.attempt !== undefined) return task.attempt
  const dict = yield* metadataValues(task, ["attempt"])
  const n = Number(dict["attempt"] ?? 0)
  return Number.isInteger(n) ? n : 0
})

/**
 * Keeps, for each task, only the records of its highest attempt: for backends whose listings may hold
 * older attempts (the service's paged listings), the latest attempt that registered artifacts. The local
 * backend already returns only the latest done attempt's records.
 *
 * @since 0.1.0
 * @category attempts
 */
export const latestAttemptOnly = (records: Iterable<ArtifactRecord>): Array<ArtifactRecord> => {
  const latest = new Map<string, number>()
  const all = [...records]
  for (const r of all) {
    const key = `${r.runId}/${r.stepName}/${r.taskId}`
    const seen = latest.get(key)
    if (seen === undefined || r.attemptId > seen) latest.set(key, r.attemptId)
  }
  return all.filter((r) => latest.get(`${r.runId}/${r.stepName}/${r.taskId}`) === r.attemptId)
}

/**
 * Artifact records of the task's selected attempt (explicit, else the latest done), private ones included.
 *
 * @since 0.1.0
 * @category artifacts
 */
export const artifactRecords = (task: Task) =>
  Effect.flatMap(MetadataProvider, (md) =>
    Effect.map(md.listArtifacts(task.path, task.attempt), (c) => task.attempt === undefined ? latestAttemptOnly(c) : c))

/**
 * The record of one artifact of the selected attempt, asking the backend for that name only (the local
 * folder then reads one record file instead of all of them).
 *
 * @since 0.1.0
 * @category artifacts
 */
export const artifactRecord = (task: Task, name: string) =>
  Effect.flatMap(MetadataProvider, (md) =>
    Effect.map(md.listArtifacts(task.path, task.attempt, name), (c) => {
      const records = task.attempt === undefined ? latestAttemptOnly(c) : c
      return Option.fromNullable(records.find((r) => r.name === name))
    }))

/** @internal the artifact object of one of the task's records. */
export const artifactObject = (task: Task, record: ArtifactRecord) =>
  new ArtifactObject({ path: { ...task.path, artifact: record.name }, record, namespace: task.namespace, attempt: task.attempt })

/**
 * Public artifacts (names not starting with `_`) of the selected attempt, newest first. Python: `iter(task)`.
 *
 * @since 0.1.0
 * @category artifacts
 */
export const artifacts = (task: Task) =>
  Stream.unwrap(Effect.map(artifactRecords(task), (records) =>
    Stream.fromIterable(
      newestFirst(records.filter((r) => !r.name.startsWith("_")), (r) => r.tsEpoch, (r) => r.name).map((r) => artifactObject(task, r))
    )))

/**
 * Every artifact of the selected attempt, private ones (`_graph_info`, `_task_ok`, …) included, newest
 * first, from one listing. Python: `task[name]` for every name the metadata lists.
 *
 * @since 0.1.0
 * @category artifacts
 */
export const allArtifacts = (task: Task) =>
  Stream.unwrap(Effect.map(artifactRecords(task), (records) =>
    Stream.fromIterable(newestFirst(records, (r) => r.tsEpoch, (r) => r.name).map((r) => artifactObject(task, r)))))

/**
 * An artifact by name, private ones included, of the selected attempt. Python: `task[name]`.
 *
 * @since 0.1.0
 * @category artifacts
 */
export const artifact = Effect.fn("Task.artifact")(function*(task: Task, name: string) {
  const pathspec = `${task.pathspec}/${name}`
  yield* Pathspec.parse("DataArtifact", pathspec)
  const record = yield* artifactRecord(task, name).pipe(orNotFound("DataArtifact", pathspec, task.attempt))
  yield* ensureInNamespace(task.namespace, pathspec, record)
  return artifactObject(task, record)
})

/**
 * Whether the selected attempt has an artifact of that name, private ones included. Python: `name in task`.
 *
 * @since 0.1.0
 * @category artifacts
 */
export const hasArtifact = Effect.fn("Task.hasArtifact")(function*(task: Task, name: string) {
  return Option.isSome(yield* artifactRecord(task, name))
})

/** The value of a system artifact of the selected attempt, or none when the attempt lacks it. */
const systemValue = (task: Task, name: string) =>
  Effect.gen(function*() {
    const record = yield* artifactRecord(task, name)
    if (Option.isNone(record)) return Option.none<PyValue>()
    return Option.some(yield* Artifact.valueUntraced(artifactObject(task, record.value)))
  })

/**
 * Whether the selected attempt succeeded (`_success`); false when it has no artifacts. Python:
 * `task.successful`.
 *
 * @since 0.1.0
 * @category status
 */
export const successful = Effect.fn("Task.successful")((task: Task) => successfulUntraced(task))

/** {@link successful} without its span, for core's accessors built on it (`Run.successful`). @internal */
export const successfulUntraced = (task: Task) =>
  Effect.map(systemValue(task, "_success"), Option.match({ onNone: () => false, onSome: truthy }))

/**
 * Whether the selected attempt finished (`_task_ok`): true for success and for `@catch`-handled
 * failures, false for a failed attempt. Python: `task.finished`.
 *
 * @since 0.1.0
 * @category status
 */
export const finished = Effect.fn("Task.finished")((task: Task) => finishedUntraced(task))

/** {@link finished} without its span, for core's accessors built on it (`Run.finished`). @internal */
export const finishedUntraced = (task: Task) =>
  Effect.map(systemValue(task, "_task_ok"), Option.match({ onNone: () => false, onSome: truthy }))

/**
 * When the selected attempt was marked done (set for failed attempts too). Python: `task.finished_at`.
 *
 * @since 0.1.0
 * @category status
 */
export const finishedAt = Effect.fn("Task.finishedAt")((task: Task) => finishedAtUntraced(task))

/** {@link finishedAt} without its span, for core's accessors built on it (`Run.finishedAt`). @internal */
export const finishedAtUntraced = (task: Task) =>
  Effect.map(artifactRecord(task, "_task_ok"), Option.map((r) => new Date(r.tsEpoch)))

/**
 * The exception of a failed attempt (`_exception`: a `MetaflowExceptionWrapper` object), none on success
 * and under `@catch`. Python: `task.exception`.
 *
 * @since 0.1.0
 * @category status
 */
export const exception = Effect.fn("Task.exception")(function*(task: Task) {
  return Option.filter(yield* systemValue(task, "_exception"), (v) => v !== null)
})

/**
 * The foreach index of the task (the last frame of `_foreach_stack`). Python: `task.index`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const index = Effect.fn("Task.index")(function*(task: Task) {
  return Option.flatMap(yield* systemValue(task, "_foreach_stack"), (v) => Option.fromNullable(foreachIndex(v)))
})

/**
 * The runtime that ran the task (`dev`, `argo-workflows`, ...), from its `runtime:` tag. Python:
 * `task.runtime_name`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const runtimeName = (task: Task): Option.Option<string> => {
  const tag = [...task.record.systemTags, ...task.record.tags].find((t) => t.startsWith("runtime:"))
  return tag === undefined ? Option.none() : Option.some(tag.split(":")[1]!)
}

/**
 * Values of the public artifacts of the selected attempt, by name. Python: `task.data`.
 *
 * @since 0.1.0
 * @category artifacts
 */
export const data = Effect.fn("Task.data")((task: Task) => dataUntraced(task))

/** {@link data} without its span, for core's accessors built on it (`Run.data`). @internal */
export const dataUntraced = (task: Task) =>
  Effect.gen(function*() {
    const all = yield* artifacts(task).pipe(Stream.runCollect)
    const values = yield* Effect.forEach(all, (a) => Effect.map(Artifact.valueUntraced(a), (v) => [a.path.artifact, v] as const), {
      concurrency: 8
    })
    return new Map(values)
  })

/**
 * The task's code package, when its metadata names one. Python: `task.code`.
 *
 * @since 0.1.0
 * @category code
 */
export const code = Effect.fn("Task.code")(function*(task: Task) {
  const dict = yield* metadataValues(task, ["code-package"])
  const pkg = dict["code-package"]
  if (typeof pkg !== "string") return Option.none<Code.CodePackage>()
  return Option.some(yield* Code.fromMetadata(task.path.flow, pkg))
})

/**
 * The task's environment: `"Local environment"` for local ones (as Python), the package's environment
 * info otherwise; none without a code package. Python: `task.environment_info`.
 *
 * @since 0.1.0
 * @category code
 */
export const environmentInfo = Effect.fn("Task.environmentInfo")(function*(task: Task) {
  const pkg = yield* code(task)
  if (Option.isNone(pkg)) return Option.none<unknown>()
  const info = yield* Code.info(pkg.value)
  const type = (info as Record<string, unknown>)["environment_type"]
  return Option.some<unknown>(type === "local" || type === "uv" || type === undefined ? "Local environment" : {})
})

/**
 * The origin task of a task cloned by `resume`; none for every other task. Python: `task.origin_pathspec`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const originPathspec = Effect.fn("Task.originPathspec")(function*(task: Task) {
  const own = yield* Effect.flatMap(MetadataProvider, (md) => md.listMetadata(task.path))
  const originTask = own.find((m) => m.fieldName === "origin-task-id")?.value
  const originRun = own.find((m) => m.fieldName === "origin-run-id")?.value
  if (typeof originTask !== "string" || typeof originRun !== "string" || originRun === "None") return Option.none<string>()
  return Option.some(`${task.path.flow}/${originRun}/${task.path.step}/${originTask}`)
})

/**
 * The flow graph recorded with the task (`_graph_info` of the selected attempt).
 *
 * @since 0.1.0
 * @category graph
 */
export const graph = (task: Task) =>
  Effect.flatMap(systemValue(task, "_graph_info"), (v) => {
    const g = Option.isSome(v) ? Graph.fromValue(v.value) : undefined
    return g === undefined
      ? Effect.fail(new Graph.GraphUnavailable({ pathspec: task.pathspec, reason: "no _graph_info artifact" }))
      : Effect.succeed(g)
  })

const executionPathSelected = (selector: Graph.TaskSelector, records: Iterable<MetadataRecord>): boolean => {
  for (const m of records) {
    if (m.fieldName === "foreach-execution-path" && typeof m.value === "string" && Graph.selects(selector, m.value)) return true
  }
  return false
}

const neighbourPathspecs = (task: Task, direction: "parents" | "children") =>
  Effect.gen(function*() {
    const g = yield* graph(task)
    const step = task.path.step
    if (direction === "parents" ? step === g.startStep : step === g.endStep) return [] as Array<string>
    const dict = yield* metadataValues(task, ["foreach-execution-path"])
    const cur = typeof dict["foreach-execution-path"] === "string" ? dict["foreach-execution-path"] as string : undefined
    const steps = direction === "parents" ? Graph.parentsOf(g, step) : g.steps.get(step)?.next ?? []
    const selector = direction === "parents" ? Graph.parentSelector(g, step, cur) : Graph.childSelector(g, step, cur)
    const md = yield* MetadataProvider
    const runPath = { flow: task.path.flow, run: task.path.run }
    const pathspec = (name: string, taskId: string) => `${task.path.flow}/${task.path.run}/${name}/${taskId}`
    /** Task ids of a neighbouring step; none when that step never ran in this run. */
    const tasksOf = (name: string) =>
      Effect.flatMap(md.getStep({ ...runPath, step: name }), (found) =>
        Option.isNone(found)
          ? Effect.succeed([] as ReadonlyArray<string>)
          : Effect.map(md.listTasks({ ...runPath, step: name }), (ts) => ts.map((t) => t.taskId)))
    if (selector._tag === "All") {
      const perStep = yield* Effect.forEach(steps, (name) => Effect.map(tasksOf(name), (ids) => ids.map((id) => pathspec(name, id))), { concurrency: 4 })
      return perStep.flat()
    }
    if (md.listMetadataInScope !== undefined && steps.length > 0) {
      // one listing of the neighbouring steps' metadata instead of a request per task (as Python's
      // `filtered_tasks`: the tasks whose `foreach-execution-path` is selected)
      const scope = steps.length === 1 ? { ...runPath, step: steps[0]! } : runPath
      const selected = new Map<string, Set<string>>(steps.map((s) => [s, new Set()]))
      yield* md.listMetadataInScope(scope).pipe(
        Stream.runForEach((m) =>
          Effect.sync(() => {
            if (executionPathSelected(selector, [m])) selected.get(m.stepName)?.add(m.taskId)
          })
        )
      )
      return steps.flatMap((name) => [...selected.get(name)!].map((id) => pathspec(name, id)))
    }
    const perStep = yield* Effect.forEach(steps, (name) =>
      Effect.gen(function*() {
        const ids = yield* tasksOf(name)
        const chosen = yield* Effect.filter(ids, (id) =>
          Effect.map(md.listMetadata({ ...runPath, step: name, task: id }), (ms) => executionPathSelected(selector, ms)), { concurrency: 16 })
        return chosen.map((id) => pathspec(name, id))
      }), { concurrency: 4 })
    return perStep.flat()
  })

/**
 * Pathspecs of the tasks that ran just before this one (Python: `task.parent_task_pathspecs`), matching
 * whole foreach entries (see `Graph.selects`).
 *
 * @since 0.1.0
 * @category graph
 */
export const parentTaskPathspecs = Effect.fn("Task.parentTaskPathspecs")(function*(task: Task) {
  return yield* neighbourPathspecs(task, "parents")
})

/**
 * Pathspecs of the tasks that ran just after this one. Python: `task.child_task_pathspecs`.
 *
 * @since 0.1.0
 * @category graph
 */
export const childTaskPathspecs = Effect.fn("Task.childTaskPathspecs")(function*(task: Task) {
  return yield* neighbourPathspecs(task, "children")
})

/**
 * When the task was created.
 *
 * @since 0.1.0
 * @category accessors
 */
export const createdAt = (task: Task): Date => new Date(task.record.tsEpoch)
