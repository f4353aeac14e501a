/**
 * Runs our scenarios in their own process, as a user's built program would (bench/run.ts bundles this
 * file with esbuild and spawns plain `node` on it: no tsx loader, no source-map support, a clean heap).
 *
 *   node ours_runner.mjs WORKLOAD_DIR REPS SLOW_REPS [--service URL] SCENARIO...
 *
 * Prints one JSON object {scenario: {ms: [...], answer, peakRssMb, startRssMb, requests?}} on stdout.
 */
import type * as Effect from "effect/Effect"
import * as Ours from "./ours.js"

const args = process.argv.slice(2)
const [dir, repsArg, slowArg] = args
const si = args.indexOf("--service")
const serviceUrl = si >= 0 ? args[si + 1] : undefined
const names = args.slice(3).filter((a, i) => a !== "--service" && args[3 + i - 1] !== "--service") as Array<keyof typeof Ours.scenarios>
const SLOW = new Set(["wide_artifact_y", "wide_artifact_y_batch", "all_runs_successful", "all_runs_successful_batch"])

const setup = serviceUrl === undefined ? { runtime: Ours.localRuntime(dir!), counter: undefined } : Ours.serviceRuntime(serviceUrl, dir!)
const { runtime, counter } = setup

// the Layer (root discovery, HTTP client) is built before timing: the questions are timed, not the set-up,
// which the cold-start scenario measures on its own
await runtime.runtime()

const out: Record<string, unknown> = {}
// one untimed pass per scenario, as the floor gets one (bench/run.ts): the JIT compiles our code before
// timing as it compiles the floor's, and through the service it warms the service's memo (its "database
// cache"); without it, the min of 10 repetitions of a 10 ms listing still held unoptimised passes
for (const n of names) await runtime.runPromise(Ours.scenarios[n] as Effect.Effect<unknown, unknown, never>)
for (const n of names) {
  const eff = Ours.scenarios[n] as Effect.Effect<unknown, unknown, never>
  const reps = SLOW.has(n) ? Number(slowArg) : Number(repsArg)
  const ms: Array<number> = []
  let answer: unknown
  let peak = 0
  let start = Infinity
  let requests: number | undefined
  for (let i = 0; i < reps; i++) {
    counter?.reset()
    const s = process.memoryUsage.rss()
    start = Math.min(start, s)
    let p = s
    const timer = setInterval(() => (p = Math.max(p, process.memoryUsage.rss())), 2)
    const t0 = performance.now()
    answer = await runtime.runPromise(eff)
    ms.push(performance.now() - t0)
    clearInterval(timer)
    peak = Math.max(peak, p, process.memoryUsage.rss())
    requests = counter?.total()
  }
  out[n] = { ms, answer, peakRssMb: peak / 1048576, startRssMb: start / 1048576, ...(requests !== undefined ? { requests } : {}) }
  console.error(`ours${serviceUrl ? " (service)" : ""} ${n}: ${Math.min(...ms).toFixed(1)} ms${requests !== undefined ? `, ${requests} requests` : ""}`)
}
await runtime.dispose()
console.log(JSON.stringify(out))
