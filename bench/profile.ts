/**
 * Profiling helper: runs one of our scenarios N times on the cached workload, for `node --cpu-prof`.
 *   TSX_TSCONFIG_PATH=bench/tsconfig.json node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts runs_all 5
 *   node bench/profsummary.mjs /tmp/prof/<file>.cpuprofile
 */
import type * as Effect from "effect/Effect"
import * as Ours from "./ours.js"
import { cachedWorkload } from "./workload.js"

const [name = "runs_all", n = "3", dir = cachedWorkload().dir] = process.argv.slice(2)
const runtime = Ours.localRuntime(dir)
const eff = Ours.scenarios[name as keyof typeof Ours.scenarios] as Effect.Effect<unknown, unknown, never>
for (let i = 0; i < Number(n); i++) {
  const t0 = performance.now()
  const a = await runtime.runPromise(eff)
  console.log(name, (performance.now() - t0).toFixed(1), "ms", JSON.stringify(a))
}
await runtime.dispose()
