/**
 * `mfc logs TASK`: the merged stdout (or stderr) of a task attempt; `--tail N` for the last lines,
 * `--follow` to keep printing new lines until the attempt is done.
 *
 * Following polls the merged lines every `--interval` seconds and prints those not printed yet. It
 * stops once the attempt is done, after one last read: the attempt has registered its artifacts or an
 * `attempt-done` record, a newer attempt has started, or the run's end task has finished. Local runs
 * write their log files only when an attempt ends; remote ones (`task_*` logs) write them periodically.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import type { Mflog } from "@metaflow-client/core"
import { Logs, Pathspec, Run, Task } from "@metaflow-client/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "../Errors.js"
import * as Style from "../render/Style.js"
import { commonOptions, out, outJson, run } from "./common.js"
import { attemptOption } from "./show.js"

/**
 * Whether an attempt of a task is over: it registered artifacts or `attempt-done`, a newer attempt
 * started, or the run's end task finished.
 *
 * @since 0.1.0
 * @category status
 */
export const attemptOver = (task: Task.Task, attempt: number) =>
  Effect.gen(function*() {
    const all = yield* Task.metadata(Task.atAttempt(task, undefined))
    if (all.some((m) => m.name === "attempt-done" && Number(m.value) === attempt)) return true
    if (all.some((m) => m.name === "attempt" && Number(m.value) > attempt)) return true
    if (Option.isSome(yield* Task.finishedAt(Task.atAttempt(task, attempt)))) return true
    const r = yield* Effect.option(Run.get(`${task.path.flow}/${task.path.run}`))
    return Option.isSome(r) ? yield* Run.finished(r.value) : false
  })

const lineText = (line: Mflog.LogLine, timestamps: boolean): string =>
  (timestamps ? `${line.timestampText ?? "-"} ` : "") + line.message + "\n"

const lineJson = (line: Mflog.LogLine) => ({
  timestamp: line.timestamp === null ? null : line.timestamp.toISOString(),
  timestamp_text: line.timestampText,
  message: line.message
})

/**
 * The `logs` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("logs", {
  ...commonOptions,
  attempt: attemptOption,
  stderr: Options.boolean("stderr").pipe(Options.withDescription("Show stderr instead of stdout")),
  tail: Options.integer("tail").pipe(Options.withDescription("Only the last N lines"), Options.optional),
  follow: Options.boolean("follow").pipe(
    Options.withAlias("f"),
    Options.withDescription("Keep printing new lines until the attempt is done")
  ),
  interval: Options.float("interval").pipe(
    Options.withDescription("Seconds between polls with --follow"),
    Options.withDefault(2)
  ),
  timestamps: Options.boolean("timestamps").pipe(Options.withDescription("Prefix each line with its UTC timestamp")),
  pathspec: Args.text({ name: "TASK_PATHSPEC" }).pipe(Args.withDescription("Flow/Run/Step/Task"))
}, (o) =>
  run(o, (env) =>
    Effect.gen(function*() {
      if (Pathspec.kindOf(o.pathspec) !== "Task") {
        return yield* new UsageError({ message: `'${o.pathspec}' is not a task pathspec (Flow/Run/Step/Task)` })
      }
      const tail = Option.getOrUndefined(o.tail)
      if (tail !== undefined && tail < 0) return yield* new UsageError({ message: "--tail must be 0 or more" })
      if (!(o.interval > 0)) return yield* new UsageError({ message: "--interval must be more than 0 seconds" })
      const stream = o.stderr ? "stderr" : "stdout"
      const explicit = Option.getOrUndefined(o.attempt)
      const found = yield* Task.get(o.pathspec, explicit === undefined ? {} : { attempt: explicit })
      const attempt = explicit ?? (yield* Task.currentAttempt(found))
      const task = Task.atAttempt(found, attempt)
      const read = Effect.map(Logs.loglines(task, stream), (lines) => o.follow && lines.length === 1 && lines[0]!.timestamp === null && lines[0]!.message === "" ? [] : lines)
      const first = yield* read
      const initial = tail === undefined ? first : tail === 0 ? [] : first.slice(-tail)
      if (!o.follow) {
        if (env.json) {
          return yield* outJson({ pathspec: task.pathspec, namespace: env.namespace, attempt, stream, lines: initial.map(lineJson) })
        }
        return yield* out(initial.map((l) => lineText(l, o.timestamps)).join(""))
      }
      const emit = (lines: ReadonlyArray<Mflog.LogLine>) =>
        out(lines.map((l) => env.json ? JSON.stringify(lineJson(l)) + "\n" : lineText(l, o.timestamps)).join(""))
      yield* emit(initial)
      let printed = first.length
      if (env.style.tty) yield* Effect.sync(() => process.stderr.write(Style.dim(env.style, `following ${task.pathspec} attempt ${attempt} (${stream}); Ctrl-C to stop\n`)))
      while (true) {
        const over = yield* attemptOver(task, attempt)
        const lines = yield* read
        if (lines.length > printed) yield* emit(lines.slice(printed))
        printed = Math.max(printed, lines.length)
        if (over) return
        yield* Effect.sleep(Duration.millis(Math.round(o.interval * 1000)))
      }
    }))).pipe(Command.withDescription("Print a task's logs; --follow keeps printing until the attempt is done"))
