/**
 * `Artifact.stream` and `Cas.unpackStream`/`Gunzip`'s streaming form: the streamed bytes are
 * `Artifact.bytes` for every artifact of real runs; truncation, garbage and a bad trailer fail with
 * `CorruptBlob` (never a crash or a silently short output); raw blobs pass through; and any chunking of the
 * input gives what the one-shot gunzip gives. Every case runs against each gunzip implementation: the
 * portable one (core's own inflater, the default) and `node:zlib` (`NodeGunzip`, provided by `NodeLocalProvider`).
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, FastCheck, Layer, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { Artifact, Bytes, Cas, Errors, Gunzip, Namespace } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { NodeGunzip } from "@metaflow-client/provider-local/node"
import { createHash } from "node:crypto"
import { buildHugeArtifact } from "../../../bench/huge_artifact.js"
import { assertSameBytes, data, failuresOfDoctoredBlob, fixtures, forEachFixtureArtifact, sidecarCases, storeRaw, withDoctoredCopy, zooArtifact } from "./blobs.js"
import { cutAt } from "./pieces.js"

/** The gunzip implementations, each run through every case below. */
const implementations: ReadonlyArray<readonly [string, Gunzip.Service]> = [
  ["portable", Gunzip.portable],
  ["node:zlib", NodeGunzip.service]
]

/** The portable local provider (its FileSystem reads), with the given gunzip in context. */
const layerAt = (root: string, gunzip: Gunzip.Service) =>
  LocalProvider.layer({ root }).pipe(Layer.provideMerge(NodeContext.layer), Layer.merge(Gunzip.layer(gunzip)))

const concat = Bytes.concat

const collect = <E, R>(s: Stream.Stream<Uint8Array, E, R>) =>
  Effect.map(Stream.runCollect(s), (c) => concat(Chunk.toReadonlyArray(c)))

/** The input cut at the given offsets, grouped two pieces per Stream chunk (so chunks of several arrays occur). */
const chunked = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Stream.Stream<Uint8Array> => {
  const pieces = cutAt(bytes, cuts)
  const groups: Array<Chunk.Chunk<Uint8Array>> = []
  for (let i = 0; i < pieces.length; i += 2) groups.push(Chunk.fromIterable(pieces.slice(i, i + 2)))
  return Stream.fromChunks(...groups)
}

const dataArb = FastCheck.record({
  kind: FastCheck.constantFrom("random" as const, "text" as const, "runs" as const),
  size: FastCheck.oneof(FastCheck.integer({ min: 0, max: 300 }), FastCheck.integer({ min: 0, max: 200_000 })),
  seed: FastCheck.nat(),
  level: FastCheck.integer({ min: 0, max: 9 })
})
const cutsArb = FastCheck.array(FastCheck.nat(), { maxLength: 40 })

const sameAsGunzip = (impl: Gunzip.Service, input: Uint8Array, cuts: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const whole = impl.gunzip(input, "blob", Cas.defaultMaxBlobBytes)
    const streamed = yield* Effect.either(collect(impl.gunzipStream(chunked(input, cuts), "blob", Infinity)))
    if (Either.isRight(whole)) {
      if (Either.isLeft(streamed)) assert.fail(`streaming failed where gunzip did not: ${streamed.left.reason}`)
      assertSameBytes(streamed.right, whole.right, "streamed vs gunzip")
    } else {
      if (Either.isRight(streamed)) assert.fail(`streaming succeeded where gunzip failed (${whole.left.reason})`)
      assert.instanceOf(streamed.left, Errors.CorruptBlob)
      assert.strictEqual(streamed.left.path, "blob")
    }
  })

describe("Cas.gunzip, Cas.gunzipStream", () => {
  it.effect("are the portable implementation", () =>
    Effect.gen(function*() {
      const plain = data("text", 50_000, 1)
      const gz = new Uint8Array(zlib.gzipSync(plain))
      assertSameBytes(Either.getOrThrow(Cas.gunzip(gz, "b")), plain)
      assertSameBytes(yield* collect(Cas.gunzipStream(chunked(gz, [10, 999]), "b")), plain)
      assert.deepStrictEqual(Cas.gunzip(gz, "b", 100), Gunzip.portable.gunzip(gz, "b", 100))
      assert.strictEqual(Gunzip.Gunzip.defaultValue(), Gunzip.portable)
    }))
})

describe.each(implementations)("gunzip streaming (%s)", (_name, impl) => {
  const gunzipStream = (input: Stream.Stream<Uint8Array>, path: string, maxBytes = Number.POSITIVE_INFINITY) =>
    impl.gunzipStream(input, path, maxBytes)

  it.effect.prop("any chunking of a gzip blob gives the one-shot gunzip's bytes", [dataArb, cutsArb], ([d, cuts]) =>
    Effect.gen(function*() {
      const plain = data(d.kind, d.size, d.seed)
      const gz = new Uint8Array(zlib.gzipSync(plain, { level: d.level }))
      yield* sameAsGunzip(impl, gz, cuts)
      assertSameBytes(yield* collect(gunzipStream(chunked(gz, cuts), "blob")), plain, "streamed vs input")
    }), { fastCheck: { numRuns: 150 } })

  it.effect.prop(
    "a truncated, garbled or extended blob fails as the one-shot gunzip does, under any chunking",
    [
      dataArb,
      cutsArb,
      FastCheck.oneof(
        FastCheck.record({ op: FastCheck.constant("truncate" as const), at: FastCheck.nat() }),
        FastCheck.record({ op: FastCheck.constant("flip" as const), at: FastCheck.nat(), mask: FastCheck.integer({ min: 1, max: 255 }) }),
        FastCheck.record({ op: FastCheck.constant("append" as const), extra: FastCheck.uint8Array({ minLength: 1, maxLength: 40 }) })
      )
    ],
    ([d, cuts, m]) =>
      Effect.gen(function*() {
        const gz = new Uint8Array(zlib.gzipSync(data(d.kind, d.size, d.seed), { level: d.level }))
        const bad = m.op === "truncate"
          ? gz.subarray(0, m.at % gz.length)
          : m.op === "flip"
          ? gz.map((b, i) => (i === m.at % gz.length ? b ^ m.mask : b))
          : concat([gz, m.extra])
        yield* sameAsGunzip(impl, bad, cuts)
        // truncation can never give a (short) success
        if (m.op === "truncate") assert.isTrue(Either.isLeft(impl.gunzip(bad, "blob", Cas.defaultMaxBlobBytes)))
      }),
    { fastCheck: { numRuns: 300 } }
  )

  const text = data("text", 100_000, 7)
  const gz = new Uint8Array(zlib.gzipSync(text))
  const failure = (input: Uint8Array, cuts: ReadonlyArray<number> = [1, 2, 100, 5000]) =>
    Effect.gen(function*() {
      const emitted: Array<Uint8Array> = []
      const err = yield* Stream.runForEach(gunzipStream(chunked(input, cuts), "the/blob"), (c) =>
        Effect.sync(() => void emitted.push(c))).pipe(Effect.flip)
      assert.instanceOf(err, Errors.CorruptBlob)
      assert.strictEqual(err.path, "the/blob")
      return { err, emitted: concat(emitted) }
    })

  it.effect("fails on truncation at every 997th byte (never a short success)", () =>
    Effect.gen(function*() {
      for (let n = 0; n < gz.length; n += 997) {
        const { err } = yield* failure(gz.subarray(0, n))
        assert.match(err.reason, /truncated|invalid gzip|not gzip/, `cut at ${n}`)
      }
      const { err } = yield* failure(gz.subarray(0, gz.length - 1))
      assert.match(err.reason, /truncated/)
    }))

  it.effect("an empty member cut by one byte fails (found by the property above: its last eight bytes are zeros)", () =>
    Effect.gen(function*() {
      for (const level of [1, 6, 9]) {
        const empty = new Uint8Array(zlib.gzipSync(new Uint8Array(0), { level }))
        assert.strictEqual(empty.length, Gunzip.minMemberBytes, "the shortest member")
        const cut = empty.subarray(0, empty.length - 1)
        const whole = impl.gunzip(cut, "blob", Cas.defaultMaxBlobBytes)
        assert.isTrue(Either.isLeft(whole) && whole.left.reason === "truncated gzip data", `level ${level}: one-shot`)
        const { err } = yield* failure(cut, [1, 7])
        assert.strictEqual(err.reason, "truncated gzip data", `level ${level}: streamed`)
        assertSameBytes(Either.getOrThrow(impl.gunzip(empty, "blob", Cas.defaultMaxBlobBytes)), new Uint8Array(0))
      }
    }))

  it.effect("detects a CRC mismatch at the end, after streaming all the bytes", () =>
    Effect.gen(function*() {
      const bad = gz.slice()
      bad[bad.length - 8] ^= 0x01
      const { emitted, err } = yield* failure(bad)
      assert.strictEqual(err.reason, "gzip checksum mismatch")
      assertSameBytes(emitted, text, "emitted before the failure")
    }))

  it.effect("detects a size mismatch in the trailer", () =>
    Effect.gen(function*() {
      const bad = gz.slice()
      bad[bad.length - 4] ^= 0x01
      const { err } = yield* failure(bad)
      assert.match(err.reason, /^truncated gzip data \(100000 bytes, trailer says 100001\)$/)
    }))

  it.effect("fails on garbage: not gzip, a bad header, a corrupt body, trailing bytes", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failure(new Uint8Array(0))).err.reason, "not gzip data")
      assert.strictEqual((yield* failure(new TextEncoder().encode("hello, not gzip"))).err.reason, "not gzip data")
      const header = gz.slice()
      header[2] = 7 // compression method other than deflate
      assert.match((yield* failure(header)).err.reason, /invalid gzip data/)
      const body = gz.slice()
      for (let i = 20; i < 60; i++) body[i] = 0xff
      yield* failure(body)
      yield* failure(concat([gz, new Uint8Array([1, 2, 3])]))
      yield* failure(concat([gz, new Uint8Array(30).fill(0x41)]))
    }))

  it.effect("refuses output beyond maxBytes", () =>
    Effect.gen(function*() {
      const err = yield* collect(gunzipStream(Stream.make(gz), "b", 50_000)).pipe(Effect.flip)
      assert.strictEqual(err.reason, "unpacked size exceeds the limit of 50000 bytes")
      assertSameBytes(yield* collect(gunzipStream(Stream.make(gz), "b", 100_000)), text)
    }))

  it.effect("a highly compressible blob comes out in bounded pieces", () =>
    Effect.gen(function*() {
      const zeros = new Uint8Array(64 * 1024 * 1024)
      const packed = new Uint8Array(zlib.gzipSync(zeros, { level: 9 }))
      let largest = 0
      let total = 0
      yield* Stream.runForEach(gunzipStream(Stream.make(packed), "zeros"), (c) =>
        Effect.sync(() => {
          largest = Math.max(largest, c.length)
          total += c.length
        }))
      assert.strictEqual(total, zeros.length)
      assert.isAtMost(largest, 20 * 1024 * 1024)
    }))
})

describe.each(implementations)("Cas.unpackStream (%s)", (_name, impl) => {
  const text = data("text", 10_000, 3)
  const gz = new Uint8Array(zlib.gzipSync(text))

  it.effect("decides raw or gzip from the sidecar, as Cas.unpack does", () =>
    Effect.gen(function*() {
      for (const sidecar of sidecarCases) {
        for (const bytes of [gz, text]) {
          const whole = Cas.unpack({ bytes, sidecar }, "p", { gunzip: impl })
          const streamed = yield* Effect.either(collect(Cas.unpackStream(chunked(bytes, [3, 77, 4000]), sidecar, "p", { gunzip: impl })))
          assert.deepStrictEqual(streamed, whole, `${Option.getOrElse(sidecar, () => "no sidecar")}`)
        }
      }
    }))

  it.effect("passes raw blobs through untouched (the same chunks)", () =>
    Effect.gen(function*() {
      const chunks = [gz.subarray(0, 10), gz.subarray(10)]
      const out = yield* Stream.runCollect(Cas.unpackStream(Stream.fromIterable(chunks), Option.some(`{"cas_raw": true}`), "p", { gunzip: impl }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(out), chunks)
      const forced = yield* Stream.runCollect(Cas.unpackStream(Stream.fromIterable(chunks), Option.none(), "p", { forceRaw: true, gunzip: impl }))
      assert.deepStrictEqual(Chunk.toReadonlyArray(forced), chunks)
    }))
})

describe.each(implementations)("Artifact.stream (%s)", (_name, impl) => {
  it.effect("gives Artifact.bytes for every artifact of the fixture tasks", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Gunzip.Gunzip, impl, "the layer's gunzip is in use")
      let compared = 0
      let multiChunk = 0
      yield* forEachFixtureArtifact((a) =>
        Effect.gen(function*() {
          const whole = yield* Artifact.bytes(a)
          const chunks = Chunk.toReadonlyArray(yield* Stream.runCollect(Artifact.stream(a)))
          assertSameBytes(concat(chunks), whole, a.pathspec)
          if (chunks.length > 1) multiChunk++
          compared++
        }))
      assert.isAbove(compared, 500)
      assert.isAbove(multiChunk, 0)
    }).pipe(Namespace.withNamespace(null), Effect.provide(layerAt(fixtures, impl))), 120_000)

  describe("on a copied datastore with doctored blobs", () => {
    const pathspecOf = zooArtifact
    const withCopy = <A, E>(body: (blobOf: (sha: string) => string) => Effect.Effect<A, E, any>) =>
      withDoctoredCopy((dir) => layerAt(dir, impl), body)

    it.effect("streams a raw (cas_raw) blob as stored", () =>
      withCopy((blobOf) =>
        Effect.gen(function*() {
          const a = yield* Artifact.get(pathspecOf("bytes_medium"))
          const pickle = yield* Artifact.bytes(a)
          storeRaw(blobOf, a.record.sha, pickle)
          assertSameBytes(yield* collect(Artifact.stream(a)), pickle)
        })))

    it.effect("fails with CorruptBlob on a truncated blob, a bad CRC, and a missing blob", () =>
      withCopy((blobOf) =>
        Effect.gen(function*() {
          const big = yield* Artifact.get(pathspecOf("large_bytes"))
          const { truncated, mismatch, missing } = yield* failuresOfDoctoredBlob(blobOf, big.record.sha, Stream.runDrain(Artifact.stream(big)))
          assert.strictEqual(truncated._tag, "CorruptBlob")
          assert.include(truncated.message, big.record.sha)
          assert.deepInclude(mismatch, { _tag: "CorruptBlob", reason: "gzip checksum mismatch" })
          assert.deepInclude(missing, { _tag: "CorruptBlob", reason: "blob is missing" })
        })), 60_000)
  })

  it.effect("streams the bench's huge-artifact workload (built small here): SHA-1 of the bytes is the CAS key", () =>
    Effect.acquireUseRelease(
      Effect.promise(async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-huge-"))
        return { dir, huge: await buildHugeArtifact(dir, 3 * 1024 * 1024 + 7) }
      }),
      ({ dir, huge }) =>
        Effect.gen(function*() {
          const a = yield* Artifact.get(huge.pathspec)
          assert.strictEqual(a.record.sha, huge.sha)
          const hash = createHash("sha1")
          let n = 0
          yield* Stream.runForEach(Artifact.stream(a), (c) => Effect.sync(() => void (hash.update(c), n += c.length)))
          assert.strictEqual(hash.digest("hex"), huge.sha)
          assert.strictEqual(n, huge.pickleBytes)
          assert.strictEqual(yield* Artifact.size(a), huge.pickleBytes)
          const value = yield* Artifact.value(a)
          assert.instanceOf(value, Uint8Array)
          assert.strictEqual((value as Uint8Array).length, 3 * 1024 * 1024 + 7)
        }).pipe(Namespace.withNamespace(null), Effect.provide(layerAt(dir, impl))),
      ({ dir }) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    ))
})
