/**
 * Memory of the 5,000-task walks in a fresh process (bench/run.ts bundles this with esbuild and spawns
 * it): RSS after importing the client and building the runtime, then the peak RSS (sampled every 2 ms)
 * while listing the tasks of WideFlow's `fan` step and reading artifact `y` of each (public API).
 * Prints {"startMb", "afterListMb", "peakListMb", "peakArtifactMb", "answer"}.
 */
import type * as Effect from "effect/Effect"
import * as Ours from "./ours.js"

const dir = process.argv[2]!
const mb = (b: number) => Math.round(b / 1024 / 1024)
const runtime = Ours.localRuntime(dir)
const sample = async (eff: Effect.Effect<unknown, unknown, never>) => {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2)
  const answer = await runtime.runPromise(eff)
  clearInterval(timer)
  return { peak: mb(Math.max(peak, process.memoryUsage.rss())), answer }
}
await runtime.runPromise(Ours.runsTagTenth as Effect.Effect<unknown, unknown, never>) // builds the layer, loads code
const startMb = mb(process.memoryUsage.rss())
const list = await sample(Ours.wideTasksList as Effect.Effect<unknown, unknown, never>)
const afterListMb = mb(process.memoryUsage.rss())
const art = await sample(Ours.wideArtifactY as Effect.Effect<unknown, unknown, never>)
console.log(JSON.stringify({ startMb, peakListMb: list.peak, afterListMb, peakArtifactMb: art.peak, answer: art.answer }))
await runtime.dispose()
