/**
 * The gzip rule (gzipRule.ts): Python's `gzip.GzipFile`, the reader Metaflow's content-addressed store
 * unpacks blobs with, is the oracle. It runs here (python3's standard library, no Metaflow needed) over
 * the rule's cases and over mutated blobs (the corpus' and zlib's, several members, zero padding). Core's
 * readers must answer as it does: the whole-buffer and streaming `Gunzip.portable` and `Gunzip.gunzipInto`
 * give Python's bytes, or fail where Python fails, with the reason the case states.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Exit, FastCheck as fc, Stream } from "effect"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { Bytes, Cas, Errors, Gunzip } from "@metaflow-client/core"
import { data, u32le } from "./blobs.js"
import { applyMutation, corpusMetaflow, mutation, walkFiles } from "./fuzz/support.js"
import { ruleCases, wholeReason } from "./gzipRule.js"

const PATH = "rule/blob"

/** What a reader made of an input: the bytes, or the reason it refused them. */
type Answer = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: string }

const show = (a: Answer) => (a.ok ? `${a.bytes.length} bytes` : a.reason)
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")

/**
 * Python's answers for `inputs`, in one process: `gzip.GzipFile(fileobj=BytesIO(b)).read()` as Metaflow's
 * `_unpack_v1` calls it; the SHA-256 of the bytes, or the exception's type.
 */
const python = (inputs: ReadonlyArray<Uint8Array>): ReadonlyArray<{ readonly ok: boolean; readonly sha: string }> => {
  const script = [
    "import gzip, hashlib, io, struct, sys",
    "src = sys.stdin.buffer",
    "(n,) = struct.unpack('<I', src.read(4))",
    "for _ in range(n):",
    "    (size,) = struct.unpack('<I', src.read(4))",
    "    blob = src.read(size)",
    "    try:",
    "        with gzip.GzipFile(fileobj=io.BytesIO(blob), mode='rb') as f:",
    "            out = f.read()",
    "        print('ok', hashlib.sha256(out).hexdigest())",
    "    except Exception as e:",
    "        print('err', type(e).__name__)"
  ].join("\n")
  const framed = Bytes.concat([
    u32le(inputs.length),
    ...inputs.flatMap((b) => [u32le(b.length), b])
  ])
  const r = spawnSync("python3", ["-c", script], { input: framed, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr?.toString()}`)
  const lines = r.stdout.toString().trim().split("\n")
  assert.strictEqual(lines.length, inputs.length, "one answer per input")
  return lines.map((line) => {
    const [verdict, rest] = line.split(" ")
    return { ok: verdict === "ok", sha: verdict === "ok" ? rest! : "" }
  })
}

const fromEither = (e: Either.Either<Uint8Array, Errors.CorruptBlob>): Answer => {
  if (Either.isRight(e)) return { ok: true, bytes: e.right }
  assert.strictEqual(e.left.path, PATH)
  return { ok: false, reason: e.left.reason }
}

/** Runs an effect that ends in bytes or a `CorruptBlob` (anything else fails the test). */
const answerOf = (effect: Effect.Effect<Uint8Array, Errors.CorruptBlob>): Answer => {
  const exit = Effect.runSyncExit(effect)
  if (Exit.isSuccess(exit)) return { ok: true, bytes: exit.value }
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (failure?._tag !== "CorruptBlob") assert.fail(`not a CorruptBlob: ${String(exit.cause)}`)
  assert.strictEqual(failure.path, PATH)
  return { ok: false, reason: failure.reason }
}

/** The input in pieces of `size` bytes. */
const pieces = (bytes: Uint8Array, size: number): Stream.Stream<Uint8Array> =>
  Stream.fromIterable(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)))

/** gunzipInto reading `size` bytes at a time (0: as much as offered). */
const into = (bytes: Uint8Array, size: number): Effect.Effect<Uint8Array, Errors.CorruptBlob> =>
  Effect.suspend(() => {
    let at = 0
    const parts: Array<Uint8Array> = []
    return Gunzip.gunzipInto(
      (buf) =>
        Effect.sync(() => {
          const n = Math.min(size === 0 ? buf.length : size, buf.length, bytes.length - at)
          buf.set(bytes.subarray(at, at + n))
          at += n
          return n
        }),
      (chunk) => Effect.sync(() => void parts.push(chunk.slice())),
      PATH
    ).pipe(Effect.map(() => Bytes.concat(parts)))
  })

/** One of core's readers; `whole` when it reads a whole buffer (and so may refuse early, see `wholeReason`). */
interface Reader {
  readonly name: string
  readonly whole: boolean
  readonly read: (input: Uint8Array) => Answer
}

const readers: ReadonlyArray<Reader> = [
  { name: "portable, whole", whole: true, read: (input) => fromEither(Gunzip.portable.gunzip(input, PATH, Cas.defaultMaxBlobBytes)) },
  ...[1, 7, 4096].map((size): Reader => ({
    name: `portable, streamed in ${size}-byte pieces`,
    whole: false,
    read: (input) =>
      answerOf(Effect.map(Stream.runCollect(Gunzip.portable.gunzipStream(pieces(input, size), PATH, Infinity)), (c) => Bytes.concat(Chunk.toReadonlyArray(c))))
  })),
  ...[1, 7, 0].map((size): Reader => ({ name: `gunzipInto, reads of ${size || "any"} bytes`, whole: false, read: (input) => answerOf(into(input, size)) }))
]

const hasPython = spawnSync("python3", ["-c", "import gzip"], { stdio: "ignore" }).status === 0

describe("the gzip rule", () => {
  const cases = ruleCases()

  it.skipIf(!hasPython)("Python's gzip.GzipFile answers every case as stated (the rule is Python's)", () => {
    const answers = python(cases.map((c) => c.input))
    cases.forEach((c, i) => {
      const py = answers[i]!
      if (c.unlikePython !== undefined) {
        assert.notStrictEqual(py.ok, "bytes" in c.expect, `${c.name}: differs from Python on purpose`)
        return
      }
      if ("bytes" in c.expect) {
        assert.isTrue(py.ok, `${c.name}: Python refuses it`)
        assert.strictEqual(py.sha, sha(c.expect.bytes), `${c.name}: Python's bytes`)
      } else {
        assert.isFalse(py.ok, `${c.name}: Python reads it`)
      }
    })
  })

  for (const { name, read, whole } of readers) {
    it(`${name}: every case answered as stated, reason and all`, () => {
      for (const c of cases) {
        const got = read(c.input)
        if ("bytes" in c.expect) {
          assert.isTrue(got.ok, `${c.name}: ${show(got)}`)
          if (got.ok) assert.strictEqual(sha(got.bytes), sha(c.expect.bytes), `${c.name}: the bytes`)
        } else {
          const reason = whole ? wholeReason(c.input, c.expect.reason, Cas.defaultMaxBlobBytes) : c.expect.reason
          assert.deepStrictEqual(got, { ok: false, reason }, c.name)
        }
      }
    })
  }

  /** Gzip seeds: blobs of the corpus (up to 16 KiB), zlib's at several levels, several members, padding. */
  const seeds: ReadonlyArray<{ readonly bytes: Uint8Array }> = (() => {
    const corpus = walkFiles(corpusMetaflow)
      .filter((f) => f.includes(`${path.sep}data${path.sep}`))
      .map((f) => new Uint8Array(fs.readFileSync(f)))
      .filter((b) => b.length <= 16 * 1024 && b[0] === 0x1f && b[1] === 0x8b)
      .slice(0, 40)
    const text = data("text", 3000, 9)
    const made = [0, 1, 6, 9].map((level) => new Uint8Array(zlib.gzipSync(text, { level })))
    const two = Bytes.concat([made[1]!, made[2]!])
    const padded = Bytes.concat([made[2]!, new Uint8Array(6), made[3]!, new Uint8Array(2)])
    return [...corpus, ...made, two, padded].map((bytes) => ({ bytes }))
  })()

  it.skipIf(!hasPython)("mutated blobs (2,000): every reader gives Python's bytes, or fails where Python fails", () => {
    assert.isAbove(seeds.length, 10)
    const inputs = fc.sample(
      fc.record({ index: fc.nat(), mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }) }).map(({ index, mutations }) =>
        mutations.reduce((b, m) => applyMutation(b, m, seeds), seeds[index % seeds.length]!.bytes)
      ),
      { numRuns: 2000, seed: 20261128 }
    ).filter((b) => b.length > 0) // empty input: unlike Python on purpose (a case above)
    const answers = python(inputs)
    const tally = { read: 0, refused: 0 }
    inputs.forEach((input, i) => {
      const py = answers[i]!
      py.ok ? tally.read++ : tally.refused++
      for (const { name, read } of readers) {
        const got = read(input)
        if (py.ok) {
          assert.isTrue(got.ok, `case ${i}, ${name}: Python reads it, ours refuses: ${show(got)}`)
          if (got.ok) assert.strictEqual(sha(got.bytes), py.sha, `case ${i}, ${name}: the bytes`)
        } else {
          assert.isFalse(got.ok, `case ${i}, ${name}: Python refuses it, ours reads ${show(got)}`)
        }
      }
    })
    // both outcomes are exercised
    assert.isAbove(tally.read, 100)
    assert.isAbove(tally.refused, 100)
  }, 120_000)
})
