/**
 * Summaries of objects shared by the commands, in the shape of the JSON schema (see the README):
 * times as ISO-8601 UTC strings plus epoch milliseconds, statuses as words.
 *
 * @since 0.1.0
 */
import { Run, Status, Step, Task } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/**
 * A time as JSON: ISO-8601 UTC, or `null`.
 *
 * @since 0.1.0
 * @category json
 */
export const iso = (d: Date | undefined): string | null => d === undefined ? null : d.toISOString()

/**
 * A run as listed by `mfc runs` and `mfc show FLOW`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunSummary {
  readonly pathspec: string
  readonly id: string
  readonly status: Status.Status
  readonly created_at: string
  readonly created_at_ms: number
  readonly finished_at: string | null
  readonly finished_at_ms: number | null
  readonly user_tags: ReadonlyArray<string>
  readonly system_tags: ReadonlyArray<string>
}

const sortedUnique = (tags: ReadonlyArray<string>) => Array.from(new Set(tags)).sort()

const summaryOf = (run: Run.Run, status: Status.Status, finished: Date | undefined): RunSummary => {
  const created = Run.createdAt(run)
  return {
    pathspec: run.pathspec,
    id: run.id,
    status,
    created_at: created.toISOString(),
    created_at_ms: created.getTime(),
    finished_at: iso(finished),
    finished_at_ms: finished === undefined ? null : finished.getTime(),
    user_tags: sortedUnique(run.record.tags),
    system_tags: sortedUnique(run.record.systemTags)
  }
}

/**
 * The summary of a run: status (see core's `Status`), times and tags.
 *
 * @since 0.1.0
 * @category constructors
 */
export const runSummary = (run: Run.Run) =>
  Effect.gen(function*() {
    const status = yield* Status.ofRun(run)
    return summaryOf(run, status, Option.getOrUndefined(yield* Run.finishedAt(run)))
  })

/**
 * The summaries of many runs, in their order, as {@link runSummary} of each: the end tasks and successes
 * of all of them are read together (`Run.outcomes`), then each end task's finish time; the remaining
 * status rules run only for runs that did not succeed. `tick` runs once per summary (progress).
 *
 * @since 0.1.0
 * @category constructors
 */
export const runSummaries = (runs: ReadonlyArray<Run.Run>, tick: Effect.Effect<void> = Effect.void) =>
  Effect.gen(function*() {
    const outcomes = Chunk.toReadonlyArray(yield* Stream.runCollect(Run.outcomes(runs)))
    return yield* Effect.forEach(outcomes, (o) =>
      Effect.gen(function*() {
        const status = o.successful ? "completed" as const : yield* Status.ofRun(o.run)
        const finished = Option.isSome(o.endTask) ? Option.getOrUndefined(yield* Task.finishedAt(o.endTask.value)) : undefined
        yield* tick
        return summaryOf(o.run, status, finished)
      }), { concurrency: 8 })
  })

/**
 * The state of a task's latest attempt: `completed` (succeeded, or finished under `@catch`), `failed`
 * (the latest attempt is done and failed, no retry started), else `running` (not done yet, or retrying).
 *
 * @since 0.1.0
 * @category models
 */
export type TaskState = "completed" | "failed" | "running"

/**
 * The {@link TaskState} of a task.
 *
 * @since 0.1.0
 * @category constructors
 */
export const taskState = (task: Task.Task) =>
  Effect.gen(function*() {
    if (yield* Task.successful(task)) return "completed" as TaskState
    if (yield* Status.taskFailed(task)) return "failed" as TaskState
    if (Option.isSome(yield* Task.finishedAt(task)) && (yield* Task.finished(task))) return "completed" as TaskState
    return "running" as TaskState
  })

/**
 * A task as listed by `mfc show STEP` and inside `mfc show RUN`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskSummary {
  readonly pathspec: string
  readonly id: string
  readonly state: TaskState
  /** The latest started attempt. */
  readonly attempt: number
  /** Foreach index, or null. */
  readonly index: number | null
  readonly created_at: string
  readonly created_at_ms: number
  readonly finished_at: string | null
  readonly finished_at_ms: number | null
}

/**
 * The summary of a task.
 *
 * @since 0.1.0
 * @category constructors
 */
export const taskSummary = (task: Task.Task) =>
  Effect.gen(function*() {
    const state = yield* taskState(task)
    const attempt = yield* Task.currentAttempt(task)
    const index = Option.getOrNull(yield* Task.index(task))
    const finished = Option.getOrUndefined(yield* Task.finishedAt(task))
    const created = Task.createdAt(task)
    return {
      pathspec: task.pathspec,
      id: task.id,
      state,
      attempt,
      index: typeof index === "number" ? index : index === null ? null : Number(index),
      created_at: created.toISOString(),
      created_at_ms: created.getTime(),
      finished_at: iso(finished),
      finished_at_ms: finished === undefined ? null : finished.getTime()
    } satisfies TaskSummary as TaskSummary
  })

/**
 * All tasks of a step, as a list.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stepTasks = (step: Step.Step) => Stream.runCollect(Step.tasks(step)).pipe(Effect.map((c) => Array.from(c)))

/**
 * Counts of task states.
 *
 * @since 0.1.0
 * @category models
 */
export interface StateCounts {
  readonly completed: number
  readonly failed: number
  readonly running: number
}

/**
 * Counts the states of a list of task summaries.
 *
 * @since 0.1.0
 * @category constructors
 */
export const countStates = (tasks: ReadonlyArray<{ readonly state: TaskState }>): StateCounts => ({
  completed: tasks.filter((t) => t.state === "completed").length,
  failed: tasks.filter((t) => t.state === "failed").length,
  running: tasks.filter((t) => t.state === "running").length
})
