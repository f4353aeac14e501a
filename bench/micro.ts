/**
 * `pnpm bench:micro`: the micro benchmarks behind bench/NOTES.md's bounds ("What is left"), on the cached
 * bench workload: the cost of one local provider call per method (bench/micro/provider-calls.ts), of each
 * phase of `Run.outcomes` (bench/micro/outcome-phases.ts), of the system calls under `successful`
 * (bench/micro/status-syscalls.ts), of one
 * HTTP request by client (bench/micro/http-client.ts) against the loopback bench service, and of core's
 * portable gunzip against `node:zlib` (bench/micro/gunzip.ts). Each is bundled
 * with esbuild and run in a fresh `node` (as bench/run.ts runs our scenarios). Prints tables; writes nothing.
 *
 *   pnpm bench:micro [--workload DIR]
 */
import { spawn, spawnSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { bundle } from "./bundle.js"
import { cachedWorkload, FULL_SHAPE } from "./workload.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const wi = args.indexOf("--workload")
const dir = path.resolve(wi >= 0 ? args[wi + 1]! : cachedWorkload(FULL_SHAPE).dir)

const run = (file: string, arg: string) => {
  const r = spawnSync(process.execPath, [file, arg], { stdio: "inherit" })
  if (r.status !== 0) throw new Error(`${path.basename(file)} failed`)
}

console.log(`workload: ${dir}\n\none local provider call (per run of ScaleFlow, namespace None):`)
run(await bundle("micro/provider-calls.ts"), dir)

console.log("\nthe phases of Run.outcomes (its batch calls, each asked alone, batches of 256 runs):")
run(await bundle("micro/outcome-phases.ts"), dir)

console.log("\nthe system calls under `successful` of one run (plain synchronous node:fs):")
run(await bundle("micro/status-syscalls.ts"), dir)

console.log("\ncore's portable gunzip against node:zlib (same process, alternating):")
run(await bundle("micro/gunzip.ts"), dir)

console.log("\none HTTP GET against the loopback bench service (16 at a time):")
const service = spawn(process.execPath, ["--import", "tsx", path.join(here, "service.ts"), dir], {
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(here, "tsconfig.json") },
  stdio: ["ignore", "pipe", "inherit"]
})
try {
  const port = await new Promise<number>((resolve, reject) => {
    service.on("error", reject)
    service.stdout.once("data", (d: Buffer) => resolve((JSON.parse(d.toString().trim().split("\n")[0]!) as { port: number }).port))
  })
  run(await bundle("micro/http-client.ts"), `http://127.0.0.1:${port}`)
} finally {
  service.kill()
}
