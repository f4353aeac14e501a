/**
 * Where `Run.outcomes` spends its time locally: each phase of its batch path asked on its own over
 * ScaleFlow's 1,000 runs (in batches of 256, as `Run.outcomes` asks), best of 8 passes, in µs per run.
 *
 *   node outcome-phases.mjs WORKLOAD_DIR
 */
import { Flow, MetadataProvider, Namespace, Run } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { localRuntime } from "../ours.js"

const dir = process.argv[2]!
const runtime = localRuntime(dir)
const none = <A, E, R>(e: Effect.Effect<A, E, R>) => Namespace.withNamespace(e, null)
const listRuns = none(Effect.flatMap(Flow.get("ScaleFlow"), (f) => Effect.map(Stream.runCollect(Flow.runs(f)), Chunk.toReadonlyArray)))
const runs = await runtime.runPromise(listRuns)
const batches: Array<ReadonlyArray<Run.Run>> = []
for (let i = 0; i < runs.length; i += 256) batches.push(runs.slice(i, i + 256))
const md = await runtime.runPromise(MetadataProvider.MetadataProvider)
const paramTask = (await runtime.runPromise(md.listTasks({ ...runs[0]!.path, step: "_parameters" })))[0]!.taskId
const endTask = (await runtime.runPromise(md.listTasks({ ...runs[0]!.path, step: "end" })))[0]!.taskId

/** Prints the best of 8 passes of `pass`, in µs per run. */
const report = async (name: string, pass: Effect.Effect<unknown, unknown, any>) => {
  let best = Infinity
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now()
    await runtime.runPromise(pass as Effect.Effect<unknown>)
    best = Math.min(best, performance.now() - t0)
  }
  console.log(`${name.padEnd(44)} ${(best / runs.length * 1000).toFixed(1).padStart(7)} µs per run`)
}
/** {@link report} of `f` asked for every batch of runs, in namespace None. */
const time = (name: string, f: (batch: ReadonlyArray<Run.Run>) => Effect.Effect<unknown, unknown, any>) =>
  report(name, none(Effect.forEach(batches, f, { discard: true })))

await report("the run listing", listRuns)
await time("listTasksOfSteps (_parameters, end)", (b) => md.listTasksOfSteps!(b.flatMap((r) => [{ ...r.path, step: "_parameters" }, { ...r.path, step: "end" }])))
await time("listMetadataOfTasks (_parameters task)", (b) => md.listMetadataOfTasks!(b.map((r) => ({ ...r.path, step: "_parameters", task: paramTask })), ["end_step", "origin-run-id", "origin-task-id"]))
await time("listArtifactsOfTasks (end task, _success)", (b) => md.listArtifactsOfTasks!(b.map((r) => ({ ...r.path, step: "end", task: endTask })), "_success"))
await time("Run.outcomes", (b) => Stream.runDrain(Run.outcomes(b)))
await runtime.dispose()
