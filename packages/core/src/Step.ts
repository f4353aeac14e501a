/**
 * Steps: their tasks, and their place in the flow's graph. Python: `Step`.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { MetadataProvider } from "./MetadataProvider.js"
import * as Namespace from "./Namespace.js"
import * as Pathspec from "./Pathspec.js"
import type { TaskRecord } from "./Records.js"
import * as Run from "./Run.js"
import * as Task from "./Task.js"
import * as Graph from "./Graph.js"
import { ensureInNamespace, hasAllTags, inNamespace, orNotFound } from "./internal/lookup.js"
import { ArtifactObject, newestFirst, RunObject, StepObject, TaskObject } from "./internal/model.js"
import * as Artifact from "./Artifact.js"

/**
 * A step: its path, its record, and the namespace it was looked up in.
 *
 * @since 0.1.0
 * @category models
 */
export type Step = StepObject

/**
 * A step by pathspec `Flow/RunID/StepName`, in the current namespace. Python: `Step(pathspec)`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const get = Effect.fn("Step.get")(function*(pathspec: string) {
  const path = yield* Pathspec.parse("Step", pathspec)
  const md = yield* MetadataProvider
  const namespace = yield* Namespace.get
  const record = yield* md.getStep(path).pipe(orNotFound("Step", pathspec))
  yield* ensureInNamespace(namespace, pathspec, record)
  return new StepObject({ path, record, namespace })
})

const taskObject = (step: Step, record: TaskRecord) =>
  new TaskObject({ path: { ...step.path, task: record.taskId }, record, namespace: step.namespace, attempt: undefined })

/** @internal the step's task records in the step's namespace, newest first. */
export const taskRecords = (step: Pick<Step, "path" | "namespace">, tags: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const md = yield* MetadataProvider
    const records = yield* md.listTasks(step.path)
    const kept = records.filter((r) => inNamespace(step.namespace, r) && hasAllTags(r, tags))
    return newestFirst(kept, (r) => r.tsEpoch, (r) => r.taskId)
  })

/**
 * @internal the newest task of a step known only by its path (no step record needed: a step that does not
 * exist has no tasks).
 */
export const newestTaskAt = (path: Pathspec.StepPath, namespace: Namespace.Namespace) =>
  Effect.flatMap(MetadataProvider, (md) => Effect.map(md.listTasks(path), (records) => newestTaskOf(path, namespace, records)))

/**
 * @internal the newest task in the namespace among a step's task records as the backend listed them (a
 * batch listing gives them for many steps at once).
 */
export const newestTaskOf = (
  path: Pathspec.StepPath,
  namespace: Namespace.Namespace,
  records: ReadonlyArray<TaskRecord>
): Option.Option<Task.Task> => {
  const newest = newestFirst(records.filter((r) => inNamespace(namespace, r)), (r) => r.tsEpoch, (r) => r.taskId)[0]
  return newest === undefined
    ? Option.none()
    : Option.some(new TaskObject({ path: { ...path, task: newest.taskId }, record: newest, namespace, attempt: undefined }))
}

/**
 * Tasks of the step, newest first (not by index or id). Python: `iter(step)`, `step.tasks(*tags)`.
 *
 * @since 0.1.0
 * @category listing
 */
export const tasks = (step: Step, options: { readonly tags?: ReadonlyArray<string> } = {}) =>
  Stream.unwrap(Effect.map(taskRecords(step, options.tags), (records) => Stream.fromIterable(records.map((r) => taskObject(step, r)))))

/**
 * The newest task of the step. Python: `step.task` (`None` → `Option.none`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const task = Effect.fn("Step.task")(function*(step: Step) {
  const records = yield* taskRecords(step)
  return records.length === 0 ? Option.none<Task.Task>() : Option.some(taskObject(step, records[0]!))
})

/**
 * A task by id. Python: `step[id]`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const taskById = Effect.fn("Step.taskById")(function*(step: Step, id: string) {
  const pathspec = `${step.pathspec}/${id}`
  const path = yield* Pathspec.parse("Task", pathspec)
  const md = yield* MetadataProvider
  const record = yield* md.getTask(path).pipe(orNotFound("Task", pathspec))
  yield* ensureInNamespace(step.namespace, pathspec, record)
  return new TaskObject({ path, record, namespace: step.namespace, attempt: undefined })
})

/**
 * Whether a task exists, whatever the namespace. Python: `id in step`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const hasTask = Effect.fn("Step.hasTask")(function*(step: Step, id: string) {
  const path = yield* Pathspec.parse("Task", `${step.pathspec}/${id}`)
  const md = yield* MetadataProvider
  return Option.isSome(yield* md.getTask(path))
})

/**
 * When the last task finished; `none` if any task has not finished or there are no tasks (Python raises
 * for a step without tasks). Python: `step.finished_at`.
 *
 * @since 0.1.0
 * @category status
 */
export const finishedAt = Effect.fn("Step.finishedAt")(function*(step: Step) {
  const all = yield* tasks(step).pipe(Stream.runCollect)
  if (Chunk.isEmpty(all)) return Option.none<Date>()
  const times = yield* Effect.forEach(all, (t) => Task.finishedAt(t), { concurrency: 16 })
  let latest: Date | undefined
  for (const t of times) {
    if (Option.isNone(t)) return Option.none<Date>()
    if (latest === undefined || t.value > latest) latest = t.value
  }
  return Option.fromNullable(latest)
})

/**
 * Control tasks of a `@parallel` or unbounded-foreach step: tasks tagged `control_task` or with metadata
 * `internal_task_type == "control_task"`. Python: `step.control_tasks(*tags)`.
 *
 * @since 0.1.0
 * @category listing
 */
export const controlTasks = (step: Step, options: { readonly tags?: ReadonlyArray<string> } = {}) =>
  tasks(step, options).pipe(
    Stream.filterEffect((t) =>
      t.record.tags.includes("control_task") || t.record.systemTags.includes("control_task")
        ? Effect.succeed(true)
        : Effect.map(Task.metadataValues(t, ["internal_task_type"]), (d) => d["internal_task_type"] === "control_task")
    )
  )

/**
 * Steps that lead into this one, from the flow graph (`_graph_info` of the step's newest task). Steps of
 * the graph that did not run in this run are left out (Python raises `MetaflowNotFound`). Python:
 * `step.parent_steps`.
 *
 * @since 0.1.0
 * @category graph
 */
export const parentSteps = Effect.fn("Step.parentSteps")(function*(step: Step) {
  const graph = yield* graphOf(step)
  if (step.path.step === graph.startStep) return []
  return yield* existingSteps(step, Graph.parentsOf(graph, step.path.step))
})

/**
 * Steps this one leads to, from the flow graph; steps that did not run are left out. Python:
 * `step.child_steps`.
 *
 * @since 0.1.0
 * @category graph
 */
export const childSteps = Effect.fn("Step.childSteps")(function*(step: Step) {
  const graph = yield* graphOf(step)
  if (step.path.step === graph.endStep) return []
  return yield* existingSteps(step, graph.steps.get(step.path.step)?.next ?? [])
})

const graphOf = (step: Step) =>
  Effect.flatMap(task(step), (t) =>
    Option.isNone(t)
      ? Effect.fail(new Graph.GraphUnavailable({ pathspec: step.pathspec, reason: "the step has no task" }))
      : Task.graph(t.value))

const existingSteps = (step: Step, names: ReadonlyArray<string>) =>
  Effect.flatMap(MetadataProvider, (md) =>
    Effect.map(
      Effect.forEach(names, (name) => {
        const path = { ...step.path, step: name }
        return Effect.map(md.getStep(path), Option.map((record) => new StepObject({ path, record, namespace: null })))
      }, { concurrency: 8 }),
      (found) => found.flatMap((o) => Option.isSome(o) ? [o.value] : [])
    ))

/**
 * The environment of the step's newest task. Python: `step.environment_info`.
 *
 * @since 0.1.0
 * @category code
 */
export const environmentInfo = Effect.fn("Step.environmentInfo")(function*(step: Step) {
  const t = yield* task(step)
  return Option.isNone(t) ? Option.none() : yield* Task.environmentInfo(t.value)
})

/**
 * The parent run's origin + `/` + step name, when the run has one. Python: `step.origin_pathspec`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const originPathspec = Effect.fn("Step.originPathspec")(function*(step: Step) {
  const md = yield* MetadataProvider
  const runPath = { flow: step.path.flow, run: step.path.run }
  const record = yield* md.getRun(runPath).pipe(orNotFound("Run", Pathspec.format(runPath)))
  const origin = yield* Run.originPathspec(new RunObject({ path: runPath, record, namespace: null }))
  return Option.map(origin, (o) => `${o}/${step.path.step}`)
})

/**
 * One artifact of every task of the step (latest done attempt of each task), with its value: the
 * question "what is `y` in each of the 5,000 tasks of this step" as one step-level listing (one request
 * on the service, one record file per task locally) and bounded-concurrency blob reads, each distinct
 * blob (by sha) decoded once (tasks with the same blob share the decoded value: treat values as
 * immutable). Tasks without the artifact in their latest done attempt are left out.
 *
 * @since 0.1.0
 * @category artifacts
 */
export const artifactValues = (step: Step, name: string, options: { readonly concurrency?: number } = {}) =>
  Stream.unwrap(Effect.gen(function*() {
    const md = yield* MetadataProvider
    const records = Task.latestAttemptOnly(yield* md.listArtifacts(step.path, undefined, name))
      .filter((r) => r.name === name && inNamespace(step.namespace, r))
    const artifacts = newestFirst(records, (r) => r.tsEpoch, (r) => r.taskId).map((record) =>
      new ArtifactObject({ path: { ...step.path, task: record.taskId, artifact: name }, record, namespace: step.namespace, attempt: undefined })
    )
    // identical content (same datastore, sha and encoding) is read and decoded once
    const values = yield* Artifact.valuesOfMany(artifacts, options.concurrency ?? 16)
    return Stream.fromIterable(artifacts.map((artifact, i) => ({ artifact, value: values[i]! })))
  }))

/**
 * When the step started (its first task was created).
 *
 * @since 0.1.0
 * @category accessors
 */
export const createdAt = (step: Step): Date => new Date(step.record.tsEpoch)
