/**
 * The large-object streaming suite, run by `stream-fetch.test.ts` and `stream-node.test.ts` over one
 * HttpClient each (separate files, so separate processes: importing `@effect/platform-node` loads
 * undici 7.30, which installs itself as the global `fetch` dispatcher, and that undici crashes the
 * process with an uncatchable `assert(!this.paused)` when a server closes the connection (moto sends
 * `Connection: close`) while the body is paused by backpressure: nodejs/undici#5360, fixed by #5474).
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Datastore } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { createHash, randomBytes } from "node:crypto"
import { createReadStream } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { afterAll, beforeAll } from "vitest"
import { Credentials, S3Datastore } from "../src/index.js"
import { createBucket, type MotoServer, putObject, skipS3, startMoto } from "./moto.js"

const MB = 1024 * 1024
const SIZE = 128 * MB
const bucket = `mfc-stream-${randomBytes(4).toString("hex")}`
const root = `s3://${bucket}/root`
const key = "BigFlow/data/ff/ffffffffffffffffffffffffffffffffffffffff"

/** 128 MB of deterministic-per-run data, generated 1 MB at a time (never held whole). */
async function* content(seed: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < SIZE / MB; i++) {
    const chunk = Buffer.from(seed)
    chunk.writeUInt32BE(i, 0)
    yield chunk
  }
}

const fileSha256 = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash("sha256")
    createReadStream(file).on("data", (d) => h.update(d)).on("end", () => resolve(h.digest("hex"))).on("error", reject)
  })

/**
 * A full GC, so that RSS reflects what is retained rather than garbage not yet collected (V8 collects
 * external ArrayBuffers lazily). Obtained without `--expose-gc` on the command line.
 */
v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void

/**
 * Streams a 128 MB object from moto to a temp file through `client` and checks the bytes and that RSS
 * (after full GCs) grew by less than `maxGrowth` (a fraction of the object size).
 */
export const streamSuite = (name: string, client: Layer.Layer<HttpClient.HttpClient>, maxGrowth: number) =>
  describe.skipIf(skipS3())(`S3Datastore.stream of a large object (${name})`, () => {
    let moto: MotoServer
    let expected: string
    const seed = randomBytes(MB)
    beforeAll(async () => {
      moto = await startMoto()
      await createBucket(moto.endpoint, bucket)
      const h = createHash("sha256")
      for await (const c of content(seed)) h.update(c)
      expected = h.digest("hex")
      await putObject(moto.endpoint, bucket, `root/${key}`, content(seed), { contentLength: SIZE })
    }, 300_000)
    afterAll(async () => {
      await moto?.stop()
    })

      it.live(`saves ${SIZE / MB} MB to a file in bounded memory`, () =>
        Effect.gen(function*() {
          const s3 = yield* Datastore.S3Storage
          const fs = yield* FileSystem.FileSystem
          const dir = yield* fs.makeTempDirectoryScoped({ directory: os.tmpdir(), prefix: "mfc-s3-" })
          const file = path.join(dir, "blob")
          assert.deepStrictEqual((yield* s3.size(root, key))._tag, "Some")
          gc()
          const baseline = process.memoryUsage().rss
          let peak = baseline
          let chunks = 0
          let bytes = 0
          const hash = createHash("sha256")
          yield* s3.stream(root, key).pipe(
            Stream.tap((chunk) =>
              Effect.sync(() => {
                hash.update(chunk)
                bytes += chunk.length
                if (++chunks % 32 === 0) {
                  gc()
                  peak = Math.max(peak, process.memoryUsage().rss)
                }
              })
            ),
            Stream.run(fs.sink(file))
          )
          peak = Math.max(peak, process.memoryUsage().rss)
          const growth = peak - baseline
          console.log(
            `${name}: streamed ${bytes / MB} MB in ${chunks} chunks; peak RSS growth ${(growth / MB).toFixed(1)} MB`
          )
          assert.strictEqual(bytes, SIZE)
          assert.strictEqual(hash.digest("hex"), expected)
          assert.strictEqual((yield* fs.stat(file)).size, FileSystem.Size(SIZE))
          assert.strictEqual(yield* Effect.promise(() => fileSha256(file)), expected)
          assert.isAbove(chunks, 16, "the body arrives in many chunks, not one buffer")
          // Well below the object size: the body is never retained whole (RSS measured after a full GC
          // every 32 chunks; without the GC, lazily collected garbage dominates the figure).
          assert.isBelow(growth, maxGrowth, `RSS grew by ${(growth / MB).toFixed(1)} MB while streaming ${SIZE / MB} MB`)
        }).pipe(
          Effect.scoped,
          Effect.provide(Layer.mergeAll(
            S3Datastore.layer({ endpoint: moto.endpoint }).pipe(
              Layer.provide(Layer.merge(client, Credentials.fromStatic({ accessKeyId: "testing", secretAccessKey: "testing" })))
            ),
            NodeFileSystem.layer
          ))
        ), 120_000)
  })
