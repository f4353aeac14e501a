/**
 * Shared by the tests of unpacking artifact blobs (`ArtifactStream.test.ts`, `GunzipInto.test.ts`): test
 * data, a byte comparison fit for megabytes, every artifact of the fixture runs, and a copy of a fixture
 * datastore whose blobs a test may doctor.
 */
import { assert } from "@effect/vitest"
import { Effect, Layer, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Artifact, Flow, Namespace, Run, Step, Task } from "@metaflow-client/core"

/** The committed fixture corpus (`.metaflow` inside). */
export const fixtures = path.resolve(__dirname, "../../../testdata/fixtures/local")

/** Byte equality without handing vitest a megabytes-long diff to render. */
export const assertSameBytes = (got: Uint8Array, want: Uint8Array, label = "") => {
  if (got.length !== want.length) assert.fail(`${label}: ${got.length} bytes, expected ${want.length}`)
  const i = got.findIndex((b, k) => b !== want[k])
  if (i >= 0) assert.fail(`${label}: first difference at byte ${i}`)
}

/** `n` as four little-endian bytes (gzip trailer fields). */
export const u32le = (n: number) => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff])

/** Deterministic test data: incompressible, text-like, or runs of one byte. */
export const data = (kind: "random" | "text" | "runs", size: number, seed: number): Uint8Array => {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0)
  const words = ["metaflow ", "artifact ", "stream ", "gzip ", "\n", "0123 "]
  for (let i = 0; i < size;) {
    if (kind === "random") out[i++] = next() >>> 24
    else if (kind === "runs") {
      const b = next() >>> 24
      for (let n = next() % 5000; n > 0 && i < size; n--) out[i++] = b
    } else {
      const w = words[next() % words.length]!
      for (let j = 0; j < w.length && i < size; j++) out[i++] = w.charCodeAt(j)
    }
  }
  return out
}

/** CAS sidecars of every kind: none, gzip, raw, another version, no version, not JSON, not an object. */
export const sidecarCases: ReadonlyArray<Option.Option<string>> = [
  Option.none(),
  Option.some(`{"cas_raw": false, "cas_version": 1}`),
  Option.some(`{"cas_raw": true, "cas_version": 1}`),
  Option.some(`{"cas_raw": false, "cas_version": 2}`),
  Option.some(`{"cas_raw": false}`),
  Option.some(`not json`),
  Option.some(`null`)
]

/** The fixture flows whose every artifact the blob tests read. */
const FLOWS = ["ArtifactZooFlow", "ForeachFlow", "HelloLinearFlow", "ParamsFlow"]

/** `check` of every artifact (private ones included) of every task of the fixture flows, in order. */
export const forEachFixtureArtifact = <E, R>(check: (a: Artifact.DataArtifact) => Effect.Effect<void, E, R>) =>
  Effect.gen(function*() {
    for (const name of FLOWS) {
      const flow = yield* Flow.get(name)
      for (const run of yield* Stream.runCollect(Flow.runs(flow))) {
        for (const step of yield* Stream.runCollect(Run.steps(run))) {
          for (const task of yield* Stream.runCollect(Step.tasks(step))) {
            for (const a of yield* Stream.runCollect(Task.allArtifacts(task))) yield* check(a)
          }
        }
      }
    }
  })

/** The fixture flow copied by {@link withDoctoredCopy}, and the task of its big artifacts. */
export const ZOO = "ArtifactZooFlow"
export const zooArtifact = (name: string) => `${ZOO}/1795767114295475/big/2/${name}`

/**
 * `body` over a temporary copy of the fixture's ArtifactZooFlow, read through `layerAt(copy)`, outside any
 * namespace; `blobOf(sha)` makes that blob (and its sidecar) writable and returns its file. The copy is
 * removed afterwards.
 */
export const withDoctoredCopy = <A, E, LE>(
  layerAt: (root: string) => Layer.Layer<any, LE, never>,
  body: (blobOf: (sha: string) => string) => Effect.Effect<A, E, any>
) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-doctored-"))
      fs.cpSync(path.join(fixtures, ".metaflow", ZOO), path.join(dir, ".metaflow", ZOO), { recursive: true })
      return dir
    }),
    (dir) => {
      const blobOf = (sha: string) => {
        const file = path.join(dir, ".metaflow", ZOO, "data", sha.slice(0, 2), sha)
        fs.chmodSync(file, 0o644)
        if (fs.existsSync(`${file}_meta`)) fs.chmodSync(`${file}_meta`, 0o644)
        return file
      }
      return body(blobOf).pipe(Namespace.withNamespace(null), Effect.provide(layerAt(dir))) as Effect.Effect<A, E | LE>
    },
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

/** Replaces a copied blob by `pickle` stored raw, as a `cas_raw` sidecar says (see {@link withDoctoredCopy}). */
export const storeRaw = (blobOf: (sha: string) => string, sha: string, pickle: Uint8Array) => {
  const file = blobOf(sha)
  fs.writeFileSync(file, pickle)
  fs.writeFileSync(`${file}_meta`, `{"cas_raw": true, "cas_version": 1}`)
}

/**
 * The failures of `read` (the operation under test, run once per state) on a copied gzip blob that is
 * truncated by 20,000 bytes, then whole with a flipped bit in its trailer's CRC, then missing.
 */
export const failuresOfDoctoredBlob = <A, E, R>(blobOf: (sha: string) => string, sha: string, read: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const file = blobOf(sha)
    const packed = fs.readFileSync(file)
    fs.writeFileSync(file, packed.subarray(0, packed.length - 20_000))
    const truncated = yield* Effect.flip(read)
    const crc = Buffer.from(packed)
    crc[crc.length - 6] ^= 0x10
    fs.writeFileSync(file, crc)
    const mismatch = yield* Effect.flip(read)
    fs.rmSync(file)
    const missing = yield* Effect.flip(read)
    return { truncated, mismatch, missing }
  })
