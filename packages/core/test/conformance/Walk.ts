/**
 * The walker of the conformance tool: renders what OUR client answers in the shape of the Python oracle
 * (`tools/oracle.py` of the shared fixtures), so that the comparer can diff the two leaf by leaf.
 *
 * Nothing here knows a flow name or id of any corpus: flows, namespaces, tags and lookup calls come from
 * the oracle files (they are the questions); every answer comes from our client.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Artifact, Flow, Logs, Metaflow, Namespace, Pathspec, Run, Step, Task } from "../../src/index.js"
import type { MetadataProvider, Records } from "../../src/index.js"

/** What the walk needs in context. */
export type Env = MetadataProvider.MetadataProvider
import { toTaggedJson } from "../../src/TaggedJson.js"
import { type Call, formatCall } from "./Calls.js"

/** A JSON value. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }

/** Marker key of OUR errors (the oracle's are `$error` with `type`, `module`, `message`). */
export interface OurError {
  readonly $error: {
    readonly ours: true
    readonly type: string
    readonly message: string
    readonly pathspec?: string
    readonly reason?: string
  }
}

export const isOurError = (v: unknown): v is OurError =>
  typeof v === "object" && v !== null && !Array.isArray(v) && "$error" in v && Object.keys(v).length === 1 &&
  (v as { $error: { ours?: unknown } }).$error?.ours === true

/** Renders any failure (typed error or defect) as our error marker. */
export const errorJson = (e: unknown): OurError => {
  const o = (typeof e === "object" && e !== null ? e : {}) as Record<string, unknown>
  const type = typeof o["_tag"] === "string" ? o["_tag"] as string : e instanceof Error ? e.name : "Defect"
  const message = e instanceof Error || typeof o["message"] === "string" ? String(o["message"]) : String(e)
  return {
    $error: {
      ours: true,
      type,
      message,
      ...(typeof o["pathspec"] === "string" ? { pathspec: o["pathspec"] as string } : {}),
      ...(typeof o["reason"] === "string" ? { reason: o["reason"] as string } : {})
    }
  }
}

/** Runs an answer; any failure becomes an error marker (a fact like any other). */
export const safe = <R>(self: Effect.Effect<Json, unknown, R>): Effect.Effect<Json, never, R> =>
  Effect.catchAllCause(self, (cause) => Effect.succeed(errorJson(Cause.squash(cause)) as unknown as Json))

/** Python's `datetime.isoformat()` of the naive UTC datetime of epoch milliseconds. */
export const pyIso = (ms: number): string => {
  const d = new Date(ms)
  const base = d.toISOString().slice(0, 19)
  const micros = (((ms % 1000) + 1000) % 1000) * 1000
  return micros === 0 ? base : `${base}.${String(micros).padStart(6, "0")}`
}

const sorted = (xs: Iterable<string>): Array<string> => [...xs].sort()
const opt = <A>(o: Option.Option<A>, f: (a: A) => Json): Json => Option.isSome(o) ? f(o.value) : null

const common = (o: { readonly pathspec: string; readonly id: string; readonly record: Records.Tagged & { tsEpoch: number } }, parent: string | null) => ({
  pathspec: o.pathspec,
  id: o.id,
  created_at: pyIso(o.record.tsEpoch),
  created_at_ms: o.record.tsEpoch,
  tags: sorted(new Set([...o.record.tags, ...o.record.systemTags])),
  user_tags: sorted(o.record.tags),
  system_tags: sorted(o.record.systemTags),
  parent
})

const collect = <A, E, R>(s: Stream.Stream<A, E, R>) => Effect.map(Stream.runCollect(s), Chunk.toArray)

/** Options of the walk. */
export interface WalkOptions {
  /** Tasks rendered at once (each renders its artifacts 8 at a time). */
  readonly concurrency: number
}

// ------------------------------------------------------------------------------------------------ artifacts

const artifactJson = (a: Artifact.DataArtifact) =>
  Effect.gen(function*() {
    const r = a.record
    const info = yield* Effect.either(Artifact.datastoreInfo(a))
    const entry = info._tag === "Right" ? Option.getOrUndefined(info.right) : undefined
    const out: Record<string, Json> = {
      pathspec: a.pathspec,
      name: a.id,
      private: a.id.startsWith("_"),
      sha: r.sha,
      encoding: r.contentType,
      ds_type: r.dsType,
      attempt: r.attemptId,
      created_at: pyIso(r.tsEpoch),
      created_at_ms: r.tsEpoch,
      finished_at: pyIso(r.tsEpoch),
      size: yield* safe(Artifact.size(a)),
      type: info._tag === "Left" ? errorJson(info.left) as unknown as Json : entry?.type ?? null,
      ...(info._tag === "Right" ? { ds_info_size: entry?.size ?? null, ds_info_encoding: entry?.encoding ?? null } : {}),
      value: yield* safe(Effect.map(Artifact.value(a), (v) => toTaggedJson(v) as Json))
    }
    return out as Json
  })

// ------------------------------------------------------------------------------------------------ tasks

const logLines = (task: Task.Task, stream: "stdout" | "stderr") =>
  safe(Effect.map(Logs.loglines(task, stream), (lines) => lines.map((l): Json => [l.timestampText, l.message])))

const taskJson = (task: Task.Task, withAttempts: boolean): Effect.Effect<Json, never, Env> =>
  Effect.gen(function*() {
    const rec: Record<string, Json> = {
      ...common(task, `${task.path.flow}/${task.path.run}/${task.path.step}`),
      origin_pathspec: yield* safe(Effect.map(Task.originPathspec(task), (o) => opt(o, (s) => s)))
    }
    rec["attempt_requested"] = task.attempt ?? null
    const current = yield* Effect.either(Task.currentAttempt(task))
    rec["current_attempt"] = current._tag === "Right" ? current.right : errorJson(current.left) as unknown as Json
    rec["successful"] = yield* safe(Task.successful(task))
    rec["finished"] = yield* safe(Task.finished(task))
    const fin = yield* Effect.either(Task.finishedAt(task))
    rec["finished_at"] = fin._tag === "Right" ? opt(fin.right, (d) => pyIso(d.getTime())) : errorJson(fin.left) as unknown as Json
    rec["finished_at_ms"] = fin._tag === "Right" ? opt(fin.right, (d) => d.getTime()) : null
    rec["index"] = yield* safe(Effect.map(Task.index(task), (o) => opt(o, (n) => n)))
    rec["runtime_name"] = opt(Task.runtimeName(task), (s) => s)
    rec["metadata_dict"] = yield* safe(Task.metadataDict(task) as Effect.Effect<Json, unknown, Env>)
    rec["metadata"] = yield* safe(Effect.map(Task.metadata(task), (ms) =>
      [...ms]
        .map((m) => ({ name: m.name, value: m.value as Json, created_at: m.createdAt, type: m.type }))
        .sort((a, b) =>
          a.created_at - b.created_at || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
          (String(a.value) < String(b.value) ? -1 : String(a.value) > String(b.value) ? 1 : 0)
        )))
    const arts = yield* Effect.either(collect(Task.artifacts(task)))
    if (arts._tag === "Right") {
      rec["artifacts"] = arts.right.map((a) => a.id)
      rec["artifacts_created_at_ms"] = arts.right.map((a) => a.record.tsEpoch)
    } else {
      rec["artifacts"] = errorJson(arts.left) as unknown as Json
    }
    const all = yield* Effect.either(collect(Task.allArtifacts(task)))
    if (all._tag === "Right") {
      const byName = [...all.right].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      const values = yield* Effect.forEach(byName, (a) => safe(artifactJson(a)), { concurrency: 8 })
      rec["artifact_records"] = Object.fromEntries(byName.map((a, i) => [a.id, values[i]!]))
    } else {
      rec["artifact_records"] = errorJson(all.left) as unknown as Json
    }
    rec["stdout"] = yield* safe(Logs.text(task, "stdout"))
    rec["stderr"] = yield* safe(Logs.text(task, "stderr"))
    rec["stdout_size"] = yield* safe(Logs.size(task, "stdout"))
    rec["stderr_size"] = yield* safe(Logs.size(task, "stderr"))
    rec["stdout_lines"] = yield* logLines(task, "stdout")
    rec["stderr_lines"] = yield* logLines(task, "stderr")
    rec["exception"] = yield* safe(Effect.map(Task.exception(task), (o) => opt(o, (v) => toTaggedJson(v) as Json)))
    rec["code"] = yield* safe(Effect.map(Task.code(task), (o) => opt(o, () => "<code package>")))
    rec["parent_task_pathspecs"] = yield* safe(Task.parentTaskPathspecs(task))
    rec["child_task_pathspecs"] = yield* safe(Task.childTaskPathspecs(task))
    if (withAttempts && current._tag === "Right" && current.right > 0) {
      const attempts: Record<string, Json> = {}
      for (let k = 0; k < current.right + 2; k++) {
        if (k === current.right) continue
        attempts[String(k)] = yield* safe(Effect.flatMap(Task.get(task.pathspec, { attempt: k }), (t) => taskJson(t, false)))
      }
      rec["attempts"] = attempts
    }
    return rec as Json
  })

// ------------------------------------------------------------------------------------------------ steps

const stepJson = (step: Step.Step, options: WalkOptions): Effect.Effect<Json, never, Env> =>
  safe(Effect.gen(function*() {
    const rec: Record<string, Json> = {
      ...common(step, `${step.path.flow}/${step.path.run}`),
      origin_pathspec: yield* safe(Effect.map(Step.originPathspec(step), (o) => opt(o, (s) => s)))
    }
    rec["finished_at"] = yield* safe(Effect.map(Step.finishedAt(step), (o) => opt(o, (d) => pyIso(d.getTime()))))
    const tasks = yield* collect(Step.tasks(step))
    rec["tasks"] = tasks.map((t) => t.id)
    rec["tasks_created_at_ms"] = tasks.map((t) => t.record.tsEpoch)
    rec["task"] = yield* safe(Effect.map(Step.task(step), (o) => opt(o, (t) => t.id)))
    rec["parent_steps"] = yield* safe(Effect.map(Step.parentSteps(step), (ss) => ss.map((s) => s.id)))
    rec["child_steps"] = yield* safe(Effect.map(Step.childSteps(step), (ss) => ss.map((s) => s.id)))
    rec["task_records"] = yield* Effect.forEach(tasks, (t) => taskJson(t, true), { concurrency: options.concurrency })
    return rec as Json
  }))

// ------------------------------------------------------------------------------------------------ runs

/** The names `oracle.py` tests with `name in run`. */
const containsProbe = ["_parameters", "start", "end", "no_such_step"]

const runJson = (run: Run.Run, options: WalkOptions): Effect.Effect<Json, never, Env> =>
  safe(Effect.gen(function*() {
    const rec: Record<string, Json> = {
      ...common(run, run.path.flow),
      origin_pathspec: yield* safe(Effect.map(Run.originPathspec(run), (o) => opt(o, (s) => s)))
    }
    rec["successful"] = yield* safe(Run.successful(run))
    rec["finished"] = yield* safe(Run.finished(run))
    const fin = yield* Effect.either(Run.finishedAt(run))
    rec["finished_at"] = fin._tag === "Right" ? opt(fin.right, (d) => pyIso(d.getTime())) : errorJson(fin.left) as unknown as Json
    rec["finished_at_ms"] = fin._tag === "Right" ? opt(fin.right, (d) => d.getTime()) : null
    rec["end_task"] = yield* safe(Effect.map(Run.endTask(run), (o) => opt(o, (t) => t.pathspec)))
    rec["code"] = yield* safe(Effect.map(Run.code(run), (o) => opt(o, () => "<code package>")))
    rec["trigger"] = yield* safe(Effect.map(Run.trigger(run), (o) => opt(o, () => "<trigger>")))
    rec["data_artifacts"] = yield* safe(Effect.flatMap(Run.endTask(run), (o) =>
      Option.isNone(o)
        ? Effect.succeed(null)
        : Effect.map(collect(Task.artifacts(o.value)), (as) => sorted(as.map((a) => a.id)) as Json)))
    const steps = yield* collect(Run.steps(run))
    rec["steps"] = steps.map((s) => s.id)
    rec["steps_created_at_ms"] = steps.map((s) => s.record.tsEpoch)
    const contains: Record<string, Json> = {}
    for (const name of containsProbe) contains[name] = yield* safe(Run.hasStep(run, name))
    rec["contains"] = contains
    rec["parameters_step"] = yield* safe(Effect.flatMap(Run.step(run, "_parameters"), (s) => stepJson(s, options)))
    rec["step_records"] = yield* Effect.forEach(steps, (s) => stepJson(s, options))
    return rec as Json
  }))

// ------------------------------------------------------------------------------------------------ flows

/** The whole tree of one flow, in namespace `None`, like `oracle/<label>/flows/<Flow>.json`. */
export const flowJson = (name: string, options: WalkOptions): Effect.Effect<Json, never, Env> =>
  safe(Effect.gen(function*() {
    const flow = yield* Flow.get(name)
    const runs = yield* collect(Flow.runs(flow))
    const rec: Record<string, Json> = { ...common(flow, null), origin_pathspec: null }
    rec["runs"] = runs.map((r) => r.id)
    rec["runs_created_at_ms"] = runs.map((r) => r.record.tsEpoch)
    rec["latest_run"] = yield* safe(Effect.map(Flow.latestRun(flow), (o) => opt(o, (r) => r.pathspec)))
    rec["latest_successful_run"] = yield* safe(Effect.map(Flow.latestSuccessfulRun(flow), (o) => opt(o, (r) => r.pathspec)))
    rec["run_records"] = yield* Effect.forEach(runs, (r) => runJson(r, options))
    return rec as Json
  }).pipe(Namespace.withNamespace(null)))

// ------------------------------------------------------------------------------------------------ lookups

const objectAnswer = (o: { readonly pathspec: string }): Record<string, Json> => ({ ok: true, pathspec: o.pathspec })

const failure = (e: unknown): Record<string, Json> => ({ ok: false, ...(errorJson(e) as unknown as Record<string, Json>) })

/** Executes one parsed call of the oracle with our client, in the current namespace. */
export const runCall = (call: Call): Effect.Effect<Json, never, Env> => {
  const label = formatCall(call)
  const base: Effect.Effect<Record<string, Json>, unknown, Env> = Effect.gen(function*() {
    if (call.kind === "Metaflow") {
      return objectAnswer(yield* Metaflow.flow(call.index!)) as Record<string, Json>
    }
    const attempt = call.attempt === undefined ? {} : { attempt: call.attempt }
    if (call.contains !== undefined) {
      const obj = yield* Metaflow.lookup(call.kind, call.pathspec, attempt)
      const result: boolean = obj._tag === "Flow"
        ? yield* Flow.hasRun(obj, call.contains)
        : obj._tag === "Run"
        ? yield* Run.hasStep(obj, call.contains)
        : obj._tag === "Step"
        ? yield* Step.hasTask(obj, call.contains)
        : obj._tag === "Task"
        ? yield* Task.hasArtifact(obj, call.contains)
        : false
      return { ok: true, result }
    }
    const obj = yield* Metaflow.lookup(call.kind, call.pathspec, attempt)
    if (call.index === undefined) {
      if (call.artifactDetails && obj._tag === "DataArtifact") {
        const value = yield* safe(Effect.map(Artifact.value(obj), (v) => toTaggedJson(v) as Json))
        return { ok: true, sha: obj.record.sha, attempt_id: obj.record.attemptId, value }
      }
      return objectAnswer(obj)
    }
    const child = obj._tag === "Flow"
      ? yield* Flow.run(obj, call.index)
      : obj._tag === "Run"
      ? yield* Run.step(obj, call.index)
      : obj._tag === "Step"
      ? yield* Step.taskById(obj, call.index)
      : obj._tag === "Task"
      ? yield* Task.artifact(obj, call.index)
      : yield* Effect.fail(new Error("DataArtifact is not subscriptable"))
    return objectAnswer(child)
  })
  return Effect.catchAllCause(base, (cause) => Effect.succeed(failure(Cause.squash(cause)))).pipe(
    Effect.map((answer): Json => ({ call: label, ...answer }))
  )
}

/** One namespace view: `Metaflow()` listing, per-flow views and lookups, like `namespaces.json`. */
export const namespaceView = (
  namespace: string | null,
  questions: {
    readonly flowNames: ReadonlyArray<string>
    readonly tags: ReadonlyArray<string>
    readonly allTagsKeys: ReadonlyArray<string>
    readonly lookups: ReadonlyArray<Call | undefined>
  },
  options: WalkOptions
): Effect.Effect<Json, never, Env> =>
  Effect.gen(function*() {
    const view: Record<string, Json> = { namespace }
    view["get_namespace"] = yield* safe(Namespace.get)
    view["flows"] = yield* safe(Effect.map(collect(Metaflow.flows), (fs) => fs.map((f) => f.id)))
    const flowViews: Record<string, Json> = {}
    yield* Effect.forEach(questions.flowNames, (name) =>
      Effect.gen(function*() {
        const fv: Record<string, Json> = {}
        fv["lookup"] = yield* runCall({ kind: "Flow", pathspec: name })
        fv["metaflow_getitem"] = yield* runCall({ kind: "Metaflow", pathspec: "", index: name })
        const flow = yield* Effect.either(Flow.get(name))
        if (flow._tag === "Right") {
          const f = flow.right
          const ids = (tags: ReadonlyArray<string>) => safe(Effect.map(collect(Flow.runs(f, { tags })), (rs) => rs.map((r) => r.id)))
          fv["runs"] = yield* ids([])
          fv["latest_run"] = yield* safe(Effect.map(Flow.latestRun(f), (o) => opt(o, (r) => r.pathspec)))
          fv["latest_successful_run"] = yield* safe(Effect.map(Flow.latestSuccessfulRun(f), (o) => opt(o, (r) => r.pathspec)))
          const byTag: Record<string, Json> = {}
          for (const t of questions.tags) byTag[t] = yield* ids([t])
          fv["runs_with_tag"] = byTag
          if (questions.tags.length >= 2) {
            const all: Record<string, Json> = {}
            all[questions.tags.slice(0, 2).join(",")] = yield* ids(questions.tags.slice(0, 2))
            fv["runs_with_all_tags"] = all
          }
        }
        flowViews[name] = fv
      }), { concurrency: options.concurrency, discard: true })
    view["flow_views"] = Object.fromEntries(questions.flowNames.map((n) => [n, flowViews[n]!]))
    view["lookups"] = yield* Effect.forEach(questions.lookups, (c) =>
      c === undefined ? Effect.succeed({ call: null, ok: false } as Json) : runCall(c), { concurrency: options.concurrency })
    return view as Json
  }).pipe(Namespace.withNamespace(namespace))

/** Checks a pathspec the oracle names without our client (used for sanity only). */
export const kindOf = (pathspec: string): Pathspec.Kind | undefined =>
  (["Flow", "Run", "Step", "Task", "DataArtifact"] as const)[pathspec.split("/").length - 1]
