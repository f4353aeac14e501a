/**
 * The bench questions asked through our client, with the public API as a user would write them.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Artifact, Flow, Namespace, Run, Step, Task } from "@metaflow-client/core"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Observe, ServiceMetadataProvider } from "@metaflow-client/provider-service"
import { createHash } from "node:crypto"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { idsAnswer } from "./floor.js"

/** Concurrency a user would pick for per-object follow-up reads. */
export const CONCURRENCY = 16

const asNumber = (v: unknown): number => (typeof v === "bigint" ? Number(v) : (v as number))

const ids = <A extends { readonly id: string }, E, R>(s: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(s), (c) => idsAnswer(Chunk.toReadonlyArray(c).map((x) => x.id)))

const none = <A, E, R>(e: Effect.Effect<A, E, R>) => Namespace.withNamespace(e, null)

export const runsAll = none(Effect.flatMap(Flow.get("ScaleFlow"), (f) => ids(Flow.runs(f))))

export const runsTagTenth = none(Effect.flatMap(Flow.get("ScaleFlow"), (f) => ids(Flow.runs(f, { tags: ["tenth"] }))))

export const runsNsAlice = Namespace.withNamespace(
  Effect.flatMap(Flow.get("ScaleFlow"), (f) => ids(Flow.runs(f))),
  "user:alice"
)

export const latestSuccessfulRun = none(Effect.gen(function*() {
  const f = yield* Flow.get("ScaleFlow")
  const r = yield* Flow.latestSuccessfulRun(f)
  return Option.match(r, { onNone: () => null, onSome: (r) => ({ id: r.id, ts: r.record.tsEpoch }) })
}))

export const allRunsSuccessful = none(Effect.gen(function*() {
  const f = yield* Flow.get("ScaleFlow")
  const runs = yield* Stream.runCollect(Flow.runs(f))
  const ok = yield* Effect.forEach(runs, (r) => Run.successful(r), { concurrency: CONCURRENCY })
  return { runs: ok.length, successful: ok.filter((x) => x).length }
}))

/** Public API, batched: Run.outcomes over the listed runs (a few backend calls per 256 runs). */
export const allRunsSuccessfulBatch = none(Effect.gen(function*() {
  const f = yield* Flow.get("ScaleFlow")
  const runs = yield* Stream.runCollect(Flow.runs(f))
  const outcomes = yield* Stream.runCollect(Run.outcomes(runs, { concurrency: CONCURRENCY }))
  return { runs: Chunk.size(outcomes), successful: Chunk.filter(outcomes, (o) => o.successful).length }
}))

const wideRun = Effect.gen(function*() {
  const f = yield* Flow.get("WideFlow")
  const runs = yield* Stream.runCollect(Flow.runs(f))
  return Chunk.toReadonlyArray(runs).map((r) => r.id).sort()[0]!
})

export const wideTasksList = none(Effect.gen(function*() {
  const step = yield* Step.get(`WideFlow/${yield* wideRun}/fan`)
  return yield* ids(Step.tasks(step))
}))

/** Public API, per task: Step.tasks → Task.artifact(t, "y") → Artifact.value, 16 at a time. */
export const wideArtifactY = none(Effect.gen(function*() {
  const step = yield* Step.get(`WideFlow/${yield* wideRun}/fan`)
  const tasks = yield* Stream.runCollect(Step.tasks(step))
  const ys = yield* Effect.forEach(tasks, (t) => Effect.flatMap(Task.artifact(t, "y"), Artifact.value), {
    concurrency: CONCURRENCY
  })
  return { count: ys.length, sum: ys.reduce((a: number, v) => a + asNumber(v), 0) }
}))

/** Public API, batched: Step.artifactValues(step, "y") (one step-level listing, each distinct blob decoded once). */
export const wideArtifactYBatch = none(Effect.gen(function*() {
  const step = yield* Step.get(`WideFlow/${yield* wideRun}/fan`)
  const values = yield* Stream.runCollect(Step.artifactValues(step, "y", { concurrency: CONCURRENCY }))
  return { count: Chunk.size(values), sum: Chunk.reduce(values, 0, (a, v) => a + asNumber(v.value)) }
}))

export const bigArtifact = none(Effect.gen(function*() {
  const f = yield* Flow.get("ArtifactZooFlow")
  const runs = yield* Stream.runCollect(Flow.runs(f))
  const run = Chunk.toReadonlyArray(runs).map((r) => r.id).sort()[0]!
  const step = yield* Step.get(`ArtifactZooFlow/${run}/big`)
  const task = yield* Effect.flatMap(Step.task(step), (o) => Option.isSome(o) ? Effect.succeed(o.value) : Effect.dieMessage("no task"))
  const v = (yield* Effect.flatMap(Task.artifact(task, "large_bytes"), Artifact.value)) as Uint8Array
  return { length: v.length, sha1: createHash("sha1").update(v).digest("hex").slice(0, 12) }
}))

/** A runtime over a local workload (the directory holding `.metaflow`), built once and reused. */
export const localRuntime = (dir: string) =>
  ManagedRuntime.make(NodeLocalProvider.layer({ root: dir }).pipe(Layer.provide(NodeContext.layer)))

/**
 * A runtime reading metadata from a metadata service at `url` (bench/service.ts) and bytes from the
 * workload's local datastore; every HTTP attempt is counted.
 */
export const serviceRuntime = (url: string, dir: string) => {
  const counter = Observe.requestCounter()
  const layer = Layer.mergeAll(
    ServiceMetadataProvider.layer({ url, onRequest: counter.onRequest }).pipe(Layer.provide(NodeHttpClient.layerUndici)),
    NodeLocalProvider.storageLayer(dir)
  ).pipe(Layer.provide(NodeContext.layer))
  return { runtime: ManagedRuntime.make(layer), counter }
}

/** The scenarios also asked through the metadata service. */
export const serviceScenarios = [
  "runs_all",
  "all_runs_successful",
  "all_runs_successful_batch",
  "wide_artifact_y",
  "wide_artifact_y_batch"
] as const

export const scenarios = {
  runs_all: runsAll,
  runs_tag_tenth: runsTagTenth,
  runs_ns_alice: runsNsAlice,
  latest_successful_run: latestSuccessfulRun,
  wide_tasks_list: wideTasksList,
  wide_artifact_y: wideArtifactY,
  wide_artifact_y_batch: wideArtifactYBatch,
  all_runs_successful: allRunsSuccessful,
  all_runs_successful_batch: allRunsSuccessfulBatch,
  big_artifact: bigArtifact
} as const
