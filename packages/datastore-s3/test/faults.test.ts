import { NodeHttpClient } from "@effect/platform-node"
import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Datastore, Errors } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { createHash, randomBytes } from "node:crypto"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { Credentials, S3Datastore } from "../src/index.js"
import { type FaultProxy, startFaultProxy } from "./faultProxy.js"
import { createBucket, type MotoServer, putObject, skipS3, startMoto } from "./moto.js"

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")
const bucket = `mfc-faults-${randomBytes(4).toString("hex")}`
const root = `s3://${bucket}/root`
const small = new TextEncoder().encode("hello, faults ".repeat(1000))
const sidecar = "{\"cas_raw\": false, \"cas_version\": 1}"
const big = randomBytes(3 * 1024 * 1024)

describe.skipIf(skipS3())("S3Datastore under injected faults", () => {
  let moto: MotoServer
  let proxy: FaultProxy
  beforeAll(async () => {
    moto = await startMoto()
    await createBucket(moto.endpoint, bucket)
    await putObject(moto.endpoint, bucket, "root/F/data/ab/small", small, {
      metadata: { "metaflow-user-attributes": sidecar }
    })
    await putObject(moto.endpoint, bucket, "root/F/data/cd/big", big)
    proxy = await startFaultProxy(moto.endpoint)
  })
  afterAll(async () => {
    await proxy?.close()
    await moto?.stop()
  })
  beforeEach(() => {
    proxy.reset()
  })

  for (const [name, client] of [["fetch", FetchHttpClient.layer], ["undici", NodeHttpClient.layerUndici]] as const) {
    const live = (options: S3Datastore.Options = {}) =>
      S3Datastore.layer({ endpoint: proxy.endpoint, retryBase: "5 millis", retryCap: "50 millis", timeout: "2 seconds", ...options })
        .pipe(Layer.provide(Layer.merge(client, Credentials.fromStatic({ accessKeyId: "testing", secretAccessKey: "testing" }))))
    const requestsTo = (suffix: string) => proxy.seen.filter((s) => s.path.endsWith(suffix))

    describe(name, () => {
      it.live("read retries 503 SlowDown, 500, a reset and a truncated body, then returns the right bytes", () =>
        Effect.gen(function*() {
          const faults = ["slowdown", "500", "reset", "truncate"] as const
          proxy.plan = ({ n, path }) => (path.endsWith("/small") ? faults[n] : undefined)
          const s3 = yield* Datastore.S3Storage
          const stored = Option.getOrThrow(yield* s3.readWithSidecar(root, "F/data/ab/small"))
          assert.strictEqual(sha256(stored.bytes), sha256(small))
          assert.deepStrictEqual(stored.sidecar, Option.some(sidecar))
          assert.deepStrictEqual(requestsTo("/small").map((s) => s.fault), [...faults, undefined])
        }).pipe(Effect.provide(live())))

      it.live("size (HEAD) retries 503 and resets", () =>
        Effect.gen(function*() {
          proxy.plan = ({ n }) => (["slowdown", "reset", "500"] as const)[n]
          const s3 = yield* Datastore.S3Storage
          assert.deepStrictEqual(yield* s3.size(root, "F/data/ab/small"), Option.some(small.length))
          assert.strictEqual(requestsTo("/small").length, 4)
        }).pipe(Effect.provide(live())))

      it.live("403 is a typed error naming bucket, key and status, and is not retried", () =>
        Effect.gen(function*() {
          proxy.plan = () => "403"
          const s3 = yield* Datastore.S3Storage
          const ops: ReadonlyArray<Effect.Effect<unknown, Errors.StorageError>> = [
            s3.read(root, "F/data/ab/small"),
            s3.size(root, "F/data/ab/small")
          ]
          for (const op of ops) {
            proxy.seen.length = 0
            const err = yield* Effect.flip(op)
            assert.instanceOf(err, Errors.BackendError)
            if (err._tag === "BackendError") {
              assert.strictEqual(err.status, 403)
              assert.strictEqual(err.target, `s3://${bucket}/root/F/data/ab/small`)
              assert.include(err.message, `s3://${bucket}/root/F/data/ab/small`)
              assert.include(err.message, "403")
            }
            assert.strictEqual(proxy.seen.length, 1)
          }
          const streamErr = yield* Effect.flip(Stream.runDrain(s3.stream(root, "F/data/cd/big")))
          assert.strictEqual(streamErr._tag === "BackendError" ? streamErr.status : undefined, 403)
        }).pipe(Effect.provide(live())))

      it.live("gives up after the configured retries with the last status", () =>
        Effect.gen(function*() {
          proxy.plan = () => "slowdown"
          const s3 = yield* Datastore.S3Storage
          const err = yield* Effect.flip(s3.read(root, "F/data/ab/small"))
          assert.strictEqual(err._tag, "BackendError")
          if (err._tag === "BackendError") {
            assert.strictEqual(err.status, 503)
            assert.include(err.reason, "SlowDown")
            assert.include(err.target, `${bucket}/root/F/data/ab/small`)
          }
          assert.strictEqual(proxy.seen.length, 3)
        }).pipe(Effect.provide(live({ retries: 2 }))))

      it.live("a transport failure after the last retry names the object and carries no credentials", () =>
        Effect.gen(function*() {
          proxy.plan = () => "reset"
          const s3 = yield* Datastore.S3Storage
          const err = yield* Effect.flip(s3.read(root, "F/data/ab/small"))
          assert.strictEqual(err._tag, "BackendError")
          assert.include(err.message, `s3://${bucket}/root/F/data/ab/small: request failed (Transport)`)
          const shown = [err.message, String(err), JSON.stringify(err), String((err as Errors.BackendError).cause)]
          for (const text of shown) {
            assert.notInclude(text, "tok-SECRET")
            assert.notInclude(text, "Signature=")
          }
          assert.strictEqual(proxy.seen.length, 2)
          assert.strictEqual(proxy.seen[0]!.headers["x-amz-security-token"], "tok-SECRET")
        }).pipe(
          Effect.provide(
            S3Datastore.layer({ endpoint: proxy.endpoint, retries: 1, retryBase: "5 millis" }).pipe(
              Layer.provide(Layer.merge(
                client,
                Credentials.fromStatic({ accessKeyId: "testing", secretAccessKey: "testing", sessionToken: "tok-SECRET" })
              ))
            )
          )
        ))

      it.live("a stalled body times out and is retried (never hangs)", () =>
        Effect.gen(function*() {
          proxy.plan = ({ n }) => (n < 2 ? "stall" : undefined)
          const s3 = yield* Datastore.S3Storage
          const bytes = Option.getOrThrow(yield* s3.read(root, "F/data/ab/small"))
          assert.strictEqual(sha256(bytes), sha256(small))
          assert.strictEqual(proxy.seen.length, 3)
        }).pipe(Effect.provide(live({ timeout: "300 millis" })), Effect.timeout("15 seconds")))

      it.live("stream resumes a truncated or stalled body with Range + If-Match and yields the exact bytes", () =>
        Effect.gen(function*() {
          const faults = ["truncate", "truncate", "slowdown", "stall", "reset"] as const
          proxy.plan = ({ n }) => faults[n]
          const s3 = yield* Datastore.S3Storage
          const chunks = yield* Stream.runCollect(s3.stream(root, "F/data/cd/big"))
          const all = Buffer.concat(Chunk.toArray(chunks))
          assert.strictEqual(all.length, big.length)
          assert.strictEqual(sha256(all), sha256(big))
          const reqs = requestsTo("/big")
          assert.strictEqual(reqs.length, faults.length + 1)
          assert.isUndefined(reqs[0]!.headers["range"])
          for (const r of reqs.slice(1)) {
            assert.match(String(r.headers["range"]), /^bytes=[1-9]\d*-$/)
            assert.isString(r.headers["if-match"])
          }
        }).pipe(Effect.provide(live({ timeout: "500 millis" })), Effect.timeout("30 seconds")))

      it.live("stream's retry budget starts again once bytes have come: more truncations than retries complete", () =>
        Effect.gen(function*() {
          proxy.plan = ({ n }) => (n < 5 ? "truncate" : undefined)
          const s3 = yield* Datastore.S3Storage
          const chunks = yield* Stream.runCollect(s3.stream(root, "F/data/cd/big"))
          assert.strictEqual(sha256(Buffer.concat(Chunk.toArray(chunks))), sha256(big))
          assert.strictEqual(requestsTo("/big").length, 6)
        }).pipe(Effect.provide(live({ retries: 2 })), Effect.timeout("30 seconds")))

      it.live("stream gives up after its retries when no byte comes", () =>
        Effect.gen(function*() {
          proxy.plan = () => "500"
          const s3 = yield* Datastore.S3Storage
          const got = yield* Effect.either(Stream.runCollect(s3.stream(root, "F/data/cd/big")))
          assert.isTrue(got._tag === "Left" && got.left._tag === "BackendError", String(got))
          assert.strictEqual(requestsTo("/big").length, 3)
        }).pipe(Effect.provide(live({ retries: 2 })), Effect.timeout("30 seconds")))

      it.live("a slow reader is not a stalled body: time spent between pulls does not count", () =>
        Effect.gen(function*() {
          const s3 = yield* Datastore.S3Storage
          let pulls = 0
          const chunks = yield* Stream.runCollect(s3.stream(root, "F/data/cd/big").pipe(
            // a pause longer than the timeout before each of the first pulls downstream
            Stream.tap(() => (pulls++ < 3 ? Effect.sleep("400 millis") : Effect.void))
          ))
          const all = Buffer.concat(Chunk.toArray(chunks))
          assert.strictEqual(sha256(all), sha256(big))
          assert.isAtLeast(pulls, 3)
          assert.strictEqual(requestsTo("/big").length, 1, "one request: no timeout, no retry")
        }).pipe(Effect.provide(live({ timeout: "300 millis" })), Effect.timeout("30 seconds")))

      it.live("a stream left early gives its permit back and aborts its request", () =>
        Effect.gen(function*() {
          const s3 = yield* Datastore.S3Storage
          for (let i = 0; i < 3; i++) {
            const first = yield* Stream.runHead(s3.stream(root, "F/data/cd/big"))
            assert.isTrue(Option.isSome(first) && first.value.length > 0)
          }
          // with one permit in all, a permit kept by a stream left early would hang this read
          const bytes = Option.getOrThrow(yield* s3.read(root, "F/data/ab/small"))
          assert.strictEqual(sha256(bytes), sha256(small))
        }).pipe(Effect.provide(live({ concurrency: 1 })), Effect.timeout("10 seconds")))

      it.live("concurrent reads are bounded by the concurrency option", () =>
        Effect.gen(function*() {
          proxy.plan = () => "delay"
          const s3 = yield* Datastore.S3Storage
          yield* Effect.forEach(Array.from({ length: 12 }), () => s3.read(root, "F/data/ab/small"), {
            concurrency: "unbounded",
            discard: true
          })
          assert.strictEqual(proxy.seen.length, 12)
          assert.isAtMost(proxy.maxInFlight(), 3)
        }).pipe(Effect.provide(live({ concurrency: 3 }))))
    })
  }
})
