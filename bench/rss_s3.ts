/**
 * Memory of writing a huge artifact's blob from S3 to a file in a fresh process (bench/run.ts bundles this
 * with esbuild and spawns it against a loopback moto server holding the blob), with the peak RSS read from
 * Linux's `VmHWM` (this process image only), then the file's size and SHA-1 against the expected ones.
 * One of:
 *
 * - `s3`: `S3Datastore` (signed requests, retries, the body's idle timeout) read through
 *   `Datastore.openObject` into `Cas.unpackInto`: what `Artifact.writeTo` does for an S3 artifact;
 * - `bare`: one unsigned `HttpClient` GET of the same object, through the same adapter and gunzip: the
 *   baseline of this path (no retries, no timeouts), measured in the same run.
 *
 *   node rss_s3.mjs ENDPOINT BUCKET KEY OUT EXPECTED_SHA1 EXPECTED_BYTES s3|bare
 *
 * Prints {"startMb", "peakMb", "ms", "bytes", "sha1", "sizeOk", "shaOk"}.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Cas, Datastore } from "@metaflow-client/core"
import { Credentials, S3Datastore } from "@metaflow-client/datastore-s3"
import * as fs from "node:fs"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { checkWritten } from "./written.js"

const [endpoint, bucket, key, out, expectedSha, expectedBytes, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  "s3" | "bare"
]
const mb = (b: number) => Math.round(b / 1024 / 1024)
const vmHwmMb = () => Math.round(Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))![1]) / 1024)

const s3 = S3Datastore.layer({ endpoint }).pipe(
  Layer.provide(Credentials.fromStatic({ accessKeyId: "testing", secretAccessKey: "testing" }))
)
const runtime = ManagedRuntime.make(Layer.mergeAll(s3, NodeContext.layer).pipe(Layer.provideMerge(NodeHttpClient.layerUndici)))
await runtime.runtime() // builds the layers, loads the code
const startMb = mb(process.memoryUsage.rss())

/** The stored object as a Storage with only `stream` (one plain GET), for the `bare` baseline. */
const bareStorage = Effect.map(HttpClient.HttpClient, (client): Datastore.Storage => ({
  stream: () =>
    Stream.unwrapScoped(Effect.map(Effect.orDie(client.get(`${endpoint}/${bucket}/${key}`)), (res) =>
      res.status === 200 ? Stream.orDie(res.stream) : Stream.dieMessage(`GET answered ${res.status}`)))
} as unknown as Datastore.Storage))

const t0 = performance.now()
await runtime.runPromise(Effect.gen(function*() {
  const fsys = yield* FileSystem.FileSystem
  const storage = mode === "s3" ? yield* Datastore.S3Storage : yield* bareStorage
  const reader = yield* Datastore.openObject(storage, `s3://${bucket}`, key)
  const file = yield* fsys.open(out, { flag: "w" })
  yield* Cas.unpackInto(reader, Option.none(), key, (chunk) => file.writeAll(chunk))
}).pipe(Effect.scoped))
const ms = performance.now() - t0
const peakMb = vmHwmMb()

const written = await checkWritten(out, expectedSha, Number(expectedBytes))
console.log(JSON.stringify({ startMb, peakMb, ms: Math.round(ms), ...written }))
await runtime.dispose()
