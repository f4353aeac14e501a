import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Datastore, Errors } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { Credentials, S3Datastore } from "../src/index.js"
import { corpusDir, type Manifest, type MotoServer, putObject, skipS3, startMoto, uploadCorpus } from "./moto.js"

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")

const clients = [
  ["FetchHttpClient", FetchHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici]
] as const

describe.skipIf(skipS3())("S3Datastore against moto", () => {
  let moto: MotoServer
  let manifest: Manifest
  let root: string
  beforeAll(async () => {
    moto = await startMoto()
    manifest = await uploadCorpus(moto.endpoint, corpusDir, path.join(corpusDir, "manifest.json"))
    root = manifest.ds_root
    await putObject(moto.endpoint, manifest.bucket, "metaflow/logs/tail.log", new TextEncoder().encode("0123456789"))
    await putObject(moto.endpoint, manifest.bucket, "other-prefix/data/Flow/payload", new TextEncoder().encode("hi"))
  })
  afterAll(async () => {
    await moto?.stop()
  })

  for (const [name, client] of clients) {
    const live = () =>
      S3Datastore.layer({ endpoint: moto.endpoint, region: "us-east-1", concurrency: 8 }).pipe(
        Layer.provide(Layer.merge(client, Credentials.fromStatic({ accessKeyId: "testing", secretAccessKey: "testing" })))
      )
    const keyBelowRoot = (key: string) => key.slice("metaflow/".length)

    describe(name, () => {
      it.live("reads every corpus object: bytes, sidecar, size", () =>
        Effect.gen(function*() {
          assert.isTrue(root.startsWith("s3://mf-bucket/metaflow"))
          const s3 = yield* Datastore.S3Storage
          assert.strictEqual(s3.dsType, "s3")
          assert.strictEqual(manifest.objects.length, manifest.object_count)
          yield* Effect.forEach(manifest.objects, (o) =>
            Effect.gen(function*() {
              const key = keyBelowRoot(o.key)
              const bytes = Option.getOrThrow(yield* s3.read(root, key))
              assert.strictEqual(sha256(bytes), o.sha256, o.key)
              const stored = Option.getOrThrow(yield* s3.readWithSidecar(root, key))
              assert.strictEqual(sha256(stored.bytes), o.sha256)
              assert.deepStrictEqual(stored.sidecar, Option.fromNullable(o.metadata["metaflow-user-attributes"]))
              assert.deepStrictEqual(yield* s3.size(root, key), Option.some(o.size))
            }), { concurrency: 16, discard: true })
          const withSidecar = manifest.objects.filter((o) => o.metadata["metaflow-user-attributes"] !== undefined)
          assert.isAbove(withSidecar.length, 0)
        }).pipe(Effect.provide(live())))

      it.live("absent keys are None; stream of an absent key fails with status 404", () =>
        Effect.gen(function*() {
          const s3 = yield* Datastore.S3Storage
          assert.isTrue(Option.isNone(yield* s3.read(root, "NoSuchFlow/1/start/1/0.data.json")))
          assert.isTrue(Option.isNone(yield* s3.readWithSidecar(root, "NoSuchFlow/data/ab/abcdef")))
          assert.isTrue(Option.isNone(yield* s3.size(root, "NoSuchFlow/1/start/1/0.DONE.lock")))
          assert.isTrue(Option.isNone(yield* s3.readUrl("s3://mf-bucket/nothing/here", root)))
          const err = yield* Effect.flip(Stream.runDrain(s3.stream(root, "NoSuchFlow/x")))
          assert.strictEqual(err._tag, "BackendError")
          if (err._tag === "BackendError") {
            assert.strictEqual(err.status, 404)
            assert.include(err.target, "s3://mf-bucket/metaflow/NoSuchFlow/x")
          }
        }).pipe(Effect.provide(live())))

      it.live("a missing bucket is a typed error naming the bucket", () =>
        Effect.gen(function*() {
          const s3 = yield* Datastore.S3Storage
          const err = yield* Effect.flip(s3.read("s3://no-such-bucket/root", "F/data/ab/abc"))
          assert.instanceOf(err, Errors.BackendError)
          assert.include(err.message, "s3://no-such-bucket/root/F/data/ab/abc")
          assert.include(err.message, "bucket does not exist")
        }).pipe(Effect.provide(live())))

      it.live("stream yields the same bytes as read", () =>
        Effect.gen(function*() {
          const s3 = yield* Datastore.S3Storage
          const o = manifest.objects.reduce((a, b) => (b.size > a.size ? b : a))
          const chunks = yield* Stream.runCollect(s3.stream(root, keyBelowRoot(o.key)))
          const all = Buffer.concat(Chunk.toArray(chunks))
          assert.strictEqual(sha256(all), o.sha256)
        }).pipe(Effect.provide(live())))

      it.live("readUrl: same bucket only; keys with '..' are refused", () =>
        Effect.gen(function*() {
          const s3 = yield* Datastore.S3Storage
          const o = manifest.objects[0]!
          const bytes = Option.getOrThrow(yield* s3.readUrl(`s3://mf-bucket/${o.key}`, root))
          assert.strictEqual(sha256(bytes), o.sha256)
          // another prefix of the same bucket (METAFLOW_DATATOOLS_S3ROOT) is allowed
          const payload = Option.getOrThrow(yield* s3.readUrl("s3://mf-bucket/other-prefix/data/Flow/payload", root))
          assert.strictEqual(new TextDecoder().decode(payload), "hi")
          const other = yield* Effect.flip(s3.readUrl(`s3://other-bucket/${o.key}`, root))
          assert.strictEqual(other._tag, "PathOutsideRoot")
          const dots = yield* Effect.flip(s3.readUrl("s3://mf-bucket/metaflow/../secret", root))
          assert.strictEqual(dots._tag, "PathOutsideRoot")
          const notS3 = yield* Effect.flip(s3.readUrl("local:///etc/passwd", root))
          assert.strictEqual(notS3._tag, "PathOutsideRoot")
          for (const bad of ["../x", "a/../../b", "a//b", "./a", "a/\u0000b", "a\\..\\b"]) {
            const e = yield* Effect.flip(s3.read(root, bad))
            assert.strictEqual(e._tag, "PathOutsideRoot", bad)
          }
          const badRoot = yield* Effect.flip(s3.read("/home/alice/.metaflow", "F/data/ab/abc"))
          assert.strictEqual(badRoot._tag, "BackendError")
        }).pipe(Effect.provide(live())))

      it.live("readRange: slices, suffix tails, past-the-end and absent", () =>
        Effect.gen(function*() {
          const s3 = yield* S3Datastore.S3Datastore
          const text = (o: Option.Option<Uint8Array>) => new TextDecoder().decode(Option.getOrThrow(o))
          assert.strictEqual(text(yield* s3.readRange(root, "logs/tail.log", 2, 5)), "234")
          assert.strictEqual(text(yield* s3.readRange(root, "logs/tail.log", 7)), "789")
          assert.strictEqual(text(yield* s3.readRange(root, "logs/tail.log", -4)), "6789")
          assert.strictEqual(text(yield* s3.readRange(root, "logs/tail.log", -100)), "0123456789")
          assert.strictEqual(text(yield* s3.readRange(root, "logs/tail.log", 10)), "")
          assert.strictEqual(text(yield* s3.readRange(root, "logs/tail.log", 50, 60)), "")
          assert.strictEqual(text(yield* s3.readRange(root, "logs/tail.log", 3, 3)), "")
          assert.isTrue(Option.isNone(yield* S3Datastore.readRange(root, "logs/none.log", -10)))
          assert.isTrue(Option.isNone(yield* s3.readRange(root, "logs/none.log", 0, 0)))
        }).pipe(Effect.provide(live())))
    })
  }

  it.live("layerConfig reads endpoint, region and the default root from Config", () =>
    Effect.gen(function*() {
      const s3 = yield* S3Datastore.S3Datastore
      assert.deepStrictEqual(s3.defaultRoot, Option.some("s3://mf-bucket/metaflow/"))
      const o = manifest.objects[0]!
      const bytes = Option.getOrThrow(yield* s3.read("", o.key.slice("metaflow/".length)))
      assert.strictEqual(sha256(bytes), o.sha256)
    }).pipe(
      Effect.provide(
        S3Datastore.layerFromEnv.pipe(
          Layer.provide(FetchHttpClient.layer),
          Layer.provide(Layer.setConfigProvider(
            // ConfigProvider.fromMap, as an application would use fromEnv
            configFrom({
              METAFLOW_S3_ENDPOINT_URL: moto.endpoint,
              AWS_DEFAULT_REGION: "us-east-1",
              METAFLOW_DATASTORE_SYSROOT_S3: "s3://mf-bucket/metaflow/",
              AWS_ACCESS_KEY_ID: "testing",
              AWS_SECRET_ACCESS_KEY: "testing"
            })
          ))
        )
      )
    ))
})

const configFrom = (m: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(m)))
