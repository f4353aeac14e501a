/**
 * `mfc show PATHSPEC`: one flow, run, step, task or artifact with its status, times, tags and children.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Artifact, Flow, Logs, Pathspec, Run, Step, TaggedJson, Task } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { UsageError } from "../Errors.js"
import * as Progress from "../render/Progress.js"
import * as Style from "../render/Style.js"
import * as Table from "../render/Table.js"
import { commonOptions, type Env, out, outJson, run } from "./common.js"
import { countStates, iso, runSummaries, runSummary, taskSummary, type TaskSummary } from "./info.js"
import { runsTable } from "./runs.js"

const orEmpty = <A, E, R>(self: Effect.Effect<ReadonlyArray<A>, E, R>) =>
  Effect.catchAll(self, () => Effect.succeed([] as ReadonlyArray<A>))

const t = (style: Style.Style, ms: number | null) => Style.time(style, ms === null ? undefined : new Date(ms))

const tagLines = (user: ReadonlyArray<string>, system: ReadonlyArray<string>): Array<readonly [string, string]> => [
  ["tags", user.length === 0 ? "-" : user.join(", ")],
  ["system tags", system.length === 0 ? "-" : system.join(", ")]
]

const showFlow = (env: Env, name: string) =>
  Effect.gen(function*() {
    const flow = yield* Flow.get(name)
    const all = Chunk.toArray(yield* Stream.runCollect(Flow.runs(flow)))
    const runs = yield* Progress.withProgress(env.style, "runs", all.length, (p) =>
      runSummaries(all, p.tick))
    const created = Flow.createdAt(flow)
    const latest = runs[0]?.pathspec ?? null
    const latestOk = runs.find((r) => r.status === "completed")?.pathspec ?? null
    if (env.json) {
      return yield* outJson({
        kind: "Flow",
        pathspec: flow.pathspec,
        id: flow.id,
        namespace: env.namespace,
        created_at: created.toISOString(),
        created_at_ms: created.getTime(),
        latest_run: latest,
        latest_successful_run: latestOk,
        runs
      })
    }
    yield* out(Table.fields(env.style, [
      ["flow", Style.cyan(env.style, flow.id)],
      ["created", Style.time(env.style, created)],
      ["latest run", latest ?? "-"],
      ["latest successful run", latestOk ?? "-"],
      ["runs", String(runs.length)]
    ]))
    if (runs.length > 0) yield* out("\n" + runsTable(env.style, runs))
  })

const showRun = (env: Env, pathspec: string) =>
  Effect.gen(function*() {
    const r = yield* Run.get(pathspec)
    const summary = yield* runSummary(r)
    const end = yield* Run.endTask(r)
    const steps = Chunk.toArray(yield* Stream.runCollect(Run.steps(r))).reverse() // oldest first: execution order
    const tasksOf = yield* Effect.forEach(steps, (s) => Effect.map(Stream.runCollect(Step.tasks(s)), Chunk.toArray), { concurrency: 8 })
    const total = tasksOf.reduce((n, ts) => n + ts.length, 0)
    const summaries = yield* Progress.withProgress(env.style, "tasks", total, (p) =>
      Effect.forEach(tasksOf, (ts) => Effect.forEach(ts, (task) => Effect.zipLeft(taskSummary(task), p.tick), { concurrency: 8 }), {
        concurrency: 2
      }))
    const stepRows = steps.map((s, i) => {
      const ts = summaries[i]!
      const finished = ts.length > 0 && ts.every((x) => x.finished_at_ms !== null)
        ? Math.max(...ts.map((x) => x.finished_at_ms!))
        : null
      return {
        name: s.id,
        pathspec: s.pathspec,
        created_at: Step.createdAt(s).toISOString(),
        created_at_ms: Step.createdAt(s).getTime(),
        finished_at: finished === null ? null : new Date(finished).toISOString(),
        finished_at_ms: finished,
        tasks: ts.length,
        states: countStates(ts)
      }
    })
    if (env.json) {
      return yield* outJson({
        kind: "Run",
        ...summary,
        namespace: env.namespace,
        end_task: Option.isSome(end) ? end.value.pathspec : null,
        steps: stepRows
      })
    }
    yield* out(Table.fields(env.style, [
      ["run", Style.cyan(env.style, r.pathspec)],
      ["status", Style.status(env.style, summary.status)],
      ["started", Style.time(env.style, Run.createdAt(r))],
      ["finished", t(env.style, summary.finished_at_ms)],
      ["duration", summary.finished_at_ms === null ? "-" : Style.duration(summary.finished_at_ms - summary.created_at_ms)],
      ...tagLines(summary.user_tags, summary.system_tags),
      ["end task", Option.isSome(end) ? end.value.pathspec : "-"]
    ]))
    yield* out("\n" + Table.table(
      env.style,
      ["STEP", "TASKS", "COMPLETED", "FAILED", "RUNNING", "STARTED", "FINISHED"],
      stepRows.map((s) => [
        s.name,
        String(s.tasks),
        String(s.states.completed),
        s.states.failed > 0 ? Style.red(env.style, String(s.states.failed)) : "0",
        s.states.running > 0 ? Style.yellow(env.style, String(s.states.running)) : "0",
        t(env.style, s.created_at_ms),
        t(env.style, s.finished_at_ms)
      ])
    ))
  })

const tasksTable = (style: Style.Style, tasks: ReadonlyArray<TaskSummary>) =>
  Table.table(
    style,
    ["TASK", "STATE", "ATTEMPT", "INDEX", "STARTED", "FINISHED"],
    tasks.map((x) => [
      x.id,
      Style.status(style, x.state),
      String(x.attempt),
      x.index === null ? "-" : String(x.index),
      t(style, x.created_at_ms),
      t(style, x.finished_at_ms)
    ])
  )

const showStep = (env: Env, pathspec: string) =>
  Effect.gen(function*() {
    const s = yield* Step.get(pathspec)
    const all = Chunk.toArray(yield* Stream.runCollect(Step.tasks(s))).reverse()
    const tasks = yield* Progress.withProgress(env.style, "tasks", all.length, (p) =>
      Effect.forEach(all, (task) => Effect.zipLeft(taskSummary(task), p.tick), { concurrency: 8 }))
    const parents = (yield* orEmpty(Step.parentSteps(s))).map((x) => x.id)
    const children = (yield* orEmpty(Step.childSteps(s))).map((x) => x.id)
    const finished = tasks.length > 0 && tasks.every((x) => x.finished_at_ms !== null)
      ? Math.max(...tasks.map((x) => x.finished_at_ms!))
      : null
    const created = Step.createdAt(s)
    if (env.json) {
      return yield* outJson({
        kind: "Step",
        pathspec: s.pathspec,
        id: s.id,
        namespace: env.namespace,
        created_at: created.toISOString(),
        created_at_ms: created.getTime(),
        finished_at: finished === null ? null : new Date(finished).toISOString(),
        finished_at_ms: finished,
        parent_steps: parents,
        child_steps: children,
        states: countStates(tasks),
        tasks
      })
    }
    const c = countStates(tasks)
    yield* out(Table.fields(env.style, [
      ["step", Style.cyan(env.style, s.pathspec)],
      ["started", Style.time(env.style, created)],
      ["finished", t(env.style, finished)],
      ["after", parents.length === 0 ? "-" : parents.join(", ")],
      ["next", children.length === 0 ? "-" : children.join(", ")],
      ["tasks", `${tasks.length} (${c.completed} completed, ${c.failed} failed, ${c.running} running)`]
    ]))
    if (tasks.length > 0) yield* out("\n" + tasksTable(env.style, tasks))
  })

const showTask = (env: Env, pathspec: string, attempt: number | undefined) =>
  Effect.gen(function*() {
    const task = yield* Task.get(pathspec, attempt === undefined ? {} : { attempt })
    const summary = yield* taskSummary(task)
    const shownAttempt = attempt ?? summary.attempt
    const exception = yield* Task.exception(task)
    const artifacts = Chunk.toArray(yield* Stream.runCollect(Task.artifacts(task))).map((a) => a.id)
    const parents = yield* orEmpty(Task.parentTaskPathspecs(task))
    const children = yield* orEmpty(Task.childTaskPathspecs(task))
    const stdoutSize = yield* Logs.size(task, "stdout")
    const stderrSize = yield* Logs.size(task, "stderr")
    const exceptionJson = Option.isSome(exception) ? TaggedJson.toTaggedJson(exception.value) : null
    if (env.json) {
      return yield* outJson({
        kind: "Task",
        ...summary,
        attempt: shownAttempt,
        namespace: env.namespace,
        successful: yield* Task.successful(task),
        finished: yield* Task.finished(task),
        exception: exceptionJson,
        artifacts,
        parent_tasks: parents,
        child_tasks: children,
        stdout_size: stdoutSize,
        stderr_size: stderrSize
      })
    }
    yield* out(Table.fields(env.style, [
      ["task", Style.cyan(env.style, task.pathspec)],
      ["state", Style.status(env.style, summary.state)],
      ["attempt", String(shownAttempt)],
      ["index", summary.index === null ? "-" : String(summary.index)],
      ["started", Style.time(env.style, Task.createdAt(task))],
      ["finished", t(env.style, summary.finished_at_ms)],
      ...(Option.isSome(exception) ? [["exception", exceptionText(exceptionJson)] as const] : []),
      ["after", parents.length === 0 ? "-" : parents.join("\n")],
      ["next", children.length === 0 ? "-" : children.join("\n")],
      ["logs", `stdout ${stdoutSize} bytes, stderr ${stderrSize} bytes (mfc logs ${task.pathspec})`],
      ["artifacts", artifacts.length === 0 ? "-" : artifacts.join(", ")]
    ]))
  })

/** A short text for an exception value (a `MetaflowExceptionWrapper` object): its type and message. */
const exceptionText = (json: unknown): string => {
  const state = (json as { $object?: { state?: Record<string, unknown> } } | null)?.$object?.state
  const type = state?.["type"]
  const message = state?.["exception"]
  if (typeof type === "string") return typeof message === "string" ? `${type}: ${message}` : type
  return JSON.stringify(json)
}

const showArtifact = (env: Env, pathspec: string, attempt: number | undefined) =>
  Effect.gen(function*() {
    const a = yield* Artifact.get(pathspec, attempt === undefined ? {} : { attempt })
    const size = yield* Effect.option(Artifact.size(a))
    const type = yield* Effect.option(Artifact.pythonType(a))
    const pythonType = Option.getOrNull(Option.flatten(type))
    const info = {
      kind: "DataArtifact",
      pathspec: a.pathspec,
      name: a.id,
      namespace: env.namespace,
      attempt: a.record.attemptId,
      python_type: pythonType,
      size: Option.getOrNull(size),
      sha: a.record.sha,
      encoding: a.record.contentType,
      ds_type: a.record.dsType,
      created_at: iso(Artifact.createdAt(a)),
      created_at_ms: Artifact.createdAt(a).getTime()
    }
    if (env.json) return yield* outJson(info)
    yield* out(Table.fields(env.style, [
      ["artifact", Style.cyan(env.style, a.pathspec)],
      ["attempt", String(info.attempt)],
      ["type", info.python_type ?? "-"],
      ["size", info.size === null ? "-" : `${info.size} bytes`],
      ["encoding", info.encoding],
      ["sha", info.sha],
      ["created", Style.time(env.style, Artifact.createdAt(a))],
      ["value", `mfc get ${a.pathspec}`]
    ]))
  })

/**
 * Options of `--attempt` for commands that read one attempt of a task.
 *
 * @since 0.1.0
 * @category options
 */
export const attemptOption = Options.integer("attempt").pipe(
  Options.withDescription("Attempt of the task (0-5); default: the latest"),
  Options.optional
)

/**
 * The `show` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("show", {
  ...commonOptions,
  attempt: attemptOption,
  pathspec: Args.text({ name: "PATHSPEC" }).pipe(Args.withDescription("Flow, Flow/Run, Flow/Run/Step, Flow/Run/Step/Task or an artifact"))
}, (o) =>
  run(o, (env) => Effect.gen(function*() {
    const kind = Pathspec.kindOf(o.pathspec)
    const attempt = Option.getOrUndefined(o.attempt)
    switch (kind) {
      case "Flow":
        return yield* showFlow(env, o.pathspec)
      case "Run":
        return yield* showRun(env, o.pathspec)
      case "Step":
        return yield* showStep(env, o.pathspec)
      case "Task":
        return yield* showTask(env, o.pathspec, attempt)
      case "DataArtifact":
        return yield* showArtifact(env, o.pathspec, attempt)
      default:
        return yield* new UsageError({ message: `'${o.pathspec}' is not a pathspec (Flow[/Run[/Step[/Task[/Artifact]]]])` })
    }
  }))).pipe(Command.withDescription("Show a flow, run, step, task or artifact: status, times, tags and children"))
