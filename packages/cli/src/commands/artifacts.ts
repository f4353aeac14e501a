/**
 * `mfc artifacts PATHSPEC`: the public artifacts of a task, or of every task of a step or a run.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import { Artifact, Pathspec, Run, Step, Task } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { UsageError } from "../Errors.js"
import * as Progress from "../render/Progress.js"
import * as Style from "../render/Style.js"
import * as Table from "../render/Table.js"
import { commonOptions, out, outJson, run } from "./common.js"
import { attemptOption } from "./show.js"

/**
 * One artifact as listed (JSON schema of `mfc artifacts`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ArtifactInfo {
  readonly pathspec: string
  readonly task: string
  readonly name: string
  readonly attempt: number
  readonly python_type: string | null
  readonly size: number | null
  readonly sha: string
  readonly encoding: string
  readonly created_at: string
  readonly created_at_ms: number
}

const info = (a: Artifact.DataArtifact) =>
  Effect.gen(function*() {
    const size = yield* Effect.option(Artifact.size(a))
    const type = yield* Effect.option(Artifact.pythonType(a))
    const created = Artifact.createdAt(a)
    return {
      pathspec: a.pathspec,
      task: a.pathspec.split("/").slice(0, 4).join("/"),
      name: a.id,
      attempt: a.record.attemptId,
      python_type: Option.getOrNull(Option.flatten(type)),
      size: Option.getOrNull(size),
      sha: a.record.sha,
      encoding: a.record.contentType,
      created_at: created.toISOString(),
      created_at_ms: created.getTime()
    } satisfies ArtifactInfo as ArtifactInfo
  })

const ofTask = (task: Task.Task) =>
  Effect.flatMap(Stream.runCollect(Task.artifacts(task)), (c) =>
    Effect.forEach(Chunk.toArray(c).sort((x, y) => x.id < y.id ? -1 : x.id > y.id ? 1 : 0), info, { concurrency: 4 }))

const tasksOf = (pathspec: string, attempt: number | undefined) =>
  Effect.gen(function*() {
    switch (Pathspec.kindOf(pathspec)) {
      case "Task":
        return [yield* Task.get(pathspec, attempt === undefined ? {} : { attempt })]
      case "Step": {
        const s = yield* Step.get(pathspec)
        return Chunk.toArray(yield* Stream.runCollect(Step.tasks(s))).reverse()
      }
      case "Run": {
        const r = yield* Run.get(pathspec)
        const steps = Chunk.toArray(yield* Stream.runCollect(Run.steps(r))).reverse()
        const perStep = yield* Effect.forEach(steps, (s) => Effect.map(Stream.runCollect(Step.tasks(s)), (c) => Chunk.toArray(c).reverse()))
        return perStep.flat()
      }
      default:
        return yield* new UsageError({ message: `'${pathspec}' is not a run, step or task pathspec` })
    }
  })

/**
 * The `artifacts` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("artifacts", {
  ...commonOptions,
  attempt: attemptOption,
  pathspec: Args.text({ name: "PATHSPEC" }).pipe(Args.withDescription("Flow/Run, Flow/Run/Step or Flow/Run/Step/Task"))
}, (o) =>
  run(o, (env) =>
    Effect.gen(function*() {
      const tasks = yield* tasksOf(o.pathspec, Option.getOrUndefined(o.attempt))
      const lists = yield* Progress.withProgress(env.style, "tasks", tasks.length, (p) =>
        Effect.forEach(tasks, (task) => Effect.zipLeft(ofTask(task), p.tick), { concurrency: 8 }))
      const artifacts = lists.flat()
      if (env.json) return yield* outJson({ pathspec: o.pathspec, namespace: env.namespace, artifacts })
      if (artifacts.length === 0) return yield* out(`No artifacts in ${o.pathspec}.\n`)
      const single = tasks.length === 1
      yield* out(Table.table(
        env.style,
        [...(single ? [] : ["TASK"]), "NAME", "TYPE", "SIZE", "ATTEMPT"],
        artifacts.map((a) => [
          ...(single ? [] : [a.task.split("/").slice(2).join("/")]),
          Style.cyan(env.style, a.name),
          a.python_type ?? "-",
          a.size === null ? "-" : String(a.size),
          String(a.attempt)
        ])
      ))
    }))).pipe(Command.withDescription("List the artifacts of a task, or of every task of a step or run"))
