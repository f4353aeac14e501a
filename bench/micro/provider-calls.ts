/**
 * Cost of one local provider call, per method, on the bench workload (bundled and spawned by bench/micro.ts):
 * each method asked once per run of ScaleFlow (1,000 runs), best of 5 passes, in µs per call; then the
 * status accessors built on them. Sets the figures "What is left" in bench/NOTES.md quotes.
 *
 *   node provider-calls.mjs WORKLOAD_DIR
 */
import { Flow, MetadataProvider, Namespace, Run } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { localRuntime } from "../ours.js"

const dir = process.argv[2]!
const runtime = localRuntime(dir)
const none = <A, E, R>(e: Effect.Effect<A, E, R>) => Namespace.withNamespace(e, null)
const runs = await runtime.runPromise(none(Effect.flatMap(Flow.get("ScaleFlow"), (f) =>
  Effect.map(Stream.runCollect(Flow.runs(f)), Chunk.toReadonlyArray))))
// the end task's id is the same in every replicated run
const endTask = await runtime.runPromise(none(Effect.map(Run.endTask(runs[0]!), (t) => t._tag === "Some" ? t.value.id : "")))

const perRun = async (name: string, f: (run: Run.Run, md: MetadataProvider.Service) => Effect.Effect<unknown, unknown, any>) => {
  let best = Infinity
  for (let pass = 0; pass < 5; pass++) {
    const t0 = performance.now()
    await runtime.runPromise(none(Effect.flatMap(MetadataProvider.MetadataProvider, (md) =>
      Effect.forEach(runs, (run) => f(run, md), { discard: true }))) as Effect.Effect<void>)
    best = Math.min(best, performance.now() - t0)
  }
  console.log(`${name.padEnd(40)} ${(best / runs.length * 1000).toFixed(1).padStart(7)} µs per run`)
}

await perRun("getStep end", (r, md) => md.getStep({ ...r.path, step: "end" }))
await perRun("listTasks end", (r, md) => md.listTasks({ ...r.path, step: "end" }))
await perRun("listTasks _parameters", (r, md) => md.listTasks({ ...r.path, step: "_parameters" }))
await perRun("listMetadata _parameters task (2 fields)", (r, md) =>
  Effect.flatMap(md.listTasks({ ...r.path, step: "_parameters" }), (tasks) =>
    md.listMetadata({ ...r.path, step: "_parameters", task: tasks[0]!.taskId }, ["start_step", "end_step"])))
await perRun("listArtifacts end task, by name", (r, md) => md.listArtifacts({ ...r.path, step: "end", task: endTask }, undefined, "_success"))
await perRun("Run.graphEndpoints", (r) => Run.graphEndpoints(r))
await perRun("Run.endTask", (r) => Run.endTask(r))
await perRun("Run.successful", (r) => Run.successful(r))
{
  let best = Infinity
  for (let pass = 0; pass < 5; pass++) {
    const t0 = performance.now()
    await runtime.runPromise(none(Stream.runDrain(Run.outcomes(runs))) as Effect.Effect<void>)
    best = Math.min(best, performance.now() - t0)
  }
  console.log(`${"Run.outcomes (batches of 256 runs)".padEnd(40)} ${(best / runs.length * 1000).toFixed(1).padStart(7)} µs per run`)
}
await runtime.dispose()
