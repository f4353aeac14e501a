/**
 * One status for a run, derived one documented way for every backend:
 *
 * - `completed`: the end task succeeded (`Run.successful`).
 * - `failed`: not completed, and either the end task finished without success, or a task of the newest
 *   step has a done attempt that failed (`_task_ok` false) with no newer attempt started (no retry
 *   pending), or the run's heartbeat (service backends) is older than `heartbeatCutoffMs`.
 * - `running`: anything else: tasks are still being scheduled or retried.
 *
 * The local datastore has no heartbeats, so a local run whose process was killed mid-task stays
 * `running` (Python has no status at all; the service reports such runs as failed after 6 minutes).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Run from "./Run.js"
import * as Step from "./Step.js"
import * as Task from "./Task.js"

/**
 * A run's status.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = "running" | "completed" | "failed"

/**
 * All statuses, for option parsing.
 *
 * @since 0.1.0
 * @category constants
 */
export const all: ReadonlyArray<Status> = ["running", "completed", "failed"]

/**
 * How old a run's last heartbeat may be before an unfinished run counts as failed: 6 minutes, the
 * metadata service's own `RUN_INACTIVE_CUTOFF_TIME`.
 *
 * @since 0.1.0
 * @category constants
 */
export const heartbeatCutoffMs = 6 * 60 * 1000

/**
 * Whether a task's latest attempt failed for good: it is done, `_task_ok` is false, and no newer attempt
 * has started.
 *
 * @since 0.1.0
 * @category status
 */
export const taskFailed = Effect.fn("Status.taskFailed")(function*(task: Task.Task) {
  const ok = yield* Task.artifactRecord(task, "_task_ok")
  if (Option.isNone(ok)) return false
  if (yield* Task.finished(task)) return false
  const done = ok.value.attemptId
  return (yield* Task.currentAttempt(task)) <= done
})

/**
 * The status of a run, by the rules above.
 *
 * @since 0.1.0
 * @category status
 */
export const ofRun = Effect.fn("Status.ofRun")(function*(run: Run.Run, options: { readonly now?: number } = {}) {
  const end = yield* Run.endTask(run)
  if (Option.isSome(end)) {
    if (yield* Task.successful(end.value)) return "completed" as Status
    if (yield* Task.finished(end.value)) return "failed" as Status
  }
  const heartbeat = run.record.lastHeartbeatTs
  if (heartbeat !== null && (options.now ?? Date.now()) - heartbeat * 1000 > heartbeatCutoffMs) return "failed" as Status
  const newest = yield* Stream.runHead(Run.steps(run))
  if (Option.isNone(newest)) return "running" as Status
  const failed = yield* Step.tasks(newest.value).pipe(
    Stream.mapEffect(taskFailed, { concurrency: 8 }),
    Stream.filter((f) => f),
    Stream.runHead
  )
  return (Option.isSome(failed) ? "failed" : "running") as Status
})
