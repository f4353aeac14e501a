/**
 * Memory of writing a huge artifact to a file in a fresh process (bench/run.ts bundles this with
 * esbuild and spawns it), with the peak RSS sampled every 2 ms, then the written file's size and SHA-1
 * (read back after the measurement) against the expected ones. Public API, one of:
 *
 * - `stream` (default): `Artifact.stream` piped into a `FileSystem` sink;
 * - `young=fixed`: the same, after stopping V8's young generation from growing
 *   (`--semi-space-growth-factor=1`, set at run time; a program may, a library must not);
 * - `writeTo`: `Artifact.writeTo` into a `FileSystem` file (buffers reused, as `mfc get --output` does).
 *
 *   node rss_stream.mjs DIR PATHSPEC EXPECTED_SHA1 EXPECTED_BYTES [stream|young=fixed|writeTo]
 *
 * Prints {"startMb", "peakMb", "ms", "bytes", "sha1", "sizeOk", "shaOk"}.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Artifact, Namespace } from "@metaflow-client/core"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
import * as path from "node:path"
import { setFlagsFromString } from "node:v8"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Stream from "effect/Stream"
import { checkWritten } from "./written.js"

const [dir, pathspec, expectedSha, expectedBytes, mode = "stream"] = process.argv.slice(2) as [string, string, string, string, string?]
if (mode === "young=fixed") setFlagsFromString("--semi-space-growth-factor=1")
const out = path.join(dir, "streamed.pickle.tmp")
const mb = (b: number) => Math.round(b / 1024 / 1024)
// only what a program saving an artifact needs (bench/ours.ts also bundles the service provider)
const runtime = ManagedRuntime.make(NodeLocalProvider.layer({ root: dir }).pipe(Layer.provideMerge(NodeContext.layer)))

const lookup = Namespace.withNamespace(Artifact.get(pathspec), null)
await runtime.runPromise(lookup) // builds the layer, loads code
const startMb = mb(process.memoryUsage.rss())

let peak = process.memoryUsage.rss()
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 2)
const t0 = performance.now()
await runtime.runPromise(Effect.gen(function*() {
  const fsys = yield* FileSystem.FileSystem
  const artifact = yield* lookup
  if (mode === "writeTo") {
    const file = yield* fsys.open(out, { flag: "w" })
    yield* Artifact.writeTo(artifact, (chunk) => file.writeAll(chunk))
  } else {
    yield* Stream.run(Artifact.stream(artifact), fsys.sink(out))
  }
}).pipe(Effect.scoped))
const ms = performance.now() - t0
clearInterval(timer)
const peakMb = mb(Math.max(peak, process.memoryUsage.rss()))

const written = await checkWritten(out, expectedSha, Number(expectedBytes))
console.log(JSON.stringify({ startMb, peakMb, ms: Math.round(ms), ...written }))
await runtime.dispose()
