/**
 * Fuzzing the gzip reader behind `Artifact.writeTo` (`Gunzip.gunzipInto`, core's own inflater): real gzip
 * blobs of the corpus' content-addressed store and blobs made by zlib with every block type (stored,
 * fixed, dynamic), mutated (support.ts), read in pieces of random size.
 *
 * Pass condition: no exception, no defect, no hang: the copy succeeds or fails with a `CorruptBlob` naming
 * the path given. `node:zlib` (an independent implementation) is the model: where ours succeeds, zlib
 * succeeds with the same bytes; where zlib succeeds, ours does too, unless bytes follow the member (zlib
 * reads another member or skips them; ours refuses them, as Metaflow writes one member).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { describe, expect, it } from "vitest"
import { Effect, Exit, FastCheck as fc } from "effect"
import { Bytes as CoreBytes, Gunzip } from "@metaflow-client/core"
import { applyMutation, corpusMetaflow, fuzzRuns, fuzzTimeout, mutation, SEEDS, walkFiles } from "./support.js"

const RUNS = fuzzRuns()
const PATH = "fuzz/blob"

/** Gzip blobs of the corpus (at most 64 KiB each), and zlib's blobs of a text sample at every block type. */
const seeds: ReadonlyArray<{ readonly bytes: Uint8Array }> = (() => {
  const corpus = walkFiles(corpusMetaflow)
    .filter((f) => f.includes(`${path.sep}data${path.sep}`) && !f.endsWith("_meta"))
    .map((f) => new Uint8Array(fs.readFileSync(f)))
    .filter((b) => b.length <= 64 * 1024 && b[0] === 0x1f && b[1] === 0x8b)
  const text = new TextEncoder().encode("metaflow artifact gzip ".repeat(400) + Array.from({ length: 300 }, (_, i) => i * 7919).join(","))
  const made = [
    { level: 0 },
    { level: 1, strategy: zlib.constants.Z_FIXED },
    { level: 6 },
    { level: 9, strategy: zlib.constants.Z_HUFFMAN_ONLY },
    { level: 6, strategy: zlib.constants.Z_RLE }
  ].map((o) => new Uint8Array(zlib.gzipSync(text, o)))
  return [...corpus, ...made].map((bytes) => ({ bytes }))
})()

type Outcome = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: string }

/** Our copy of `input`, read `readSize` bytes at a time (less when the buffer offered is smaller). */
const ours = (input: Uint8Array, readSize: number): Outcome => {
  let at = 0
  const parts: Array<Uint8Array> = []
  const exit = Effect.runSyncExit(Gunzip.gunzipInto(
    (into) =>
      Effect.sync(() => {
        const n = Math.min(readSize, into.length, input.length - at)
        into.set(input.subarray(at, at + n))
        at += n
        return n
      }),
    (chunk) => Effect.sync(() => void parts.push(chunk.slice())),
    PATH
  ))
  if (Exit.isSuccess(exit)) {
    const bytes = CoreBytes.concat(parts)
    if (exit.value !== bytes.length) throw new Error(`counted ${exit.value} bytes, wrote ${bytes.length}`)
    return { ok: true, bytes }
  }
  const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
  if (failure?._tag !== "CorruptBlob" || failure.path !== PATH) throw new Error(`not a CorruptBlob of ${PATH}: ${String(exit.cause)}`)
  return { ok: false, reason: failure.reason }
}

const model = (input: Uint8Array): Outcome => {
  try {
    return { ok: true, bytes: new Uint8Array(zlib.gunzipSync(input)) }
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) }
  }
}

const mutated = fc.record({
  index: fc.nat(),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  readSize: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 70_000 }))
}).map(({ index, mutations, readSize }) => ({
  input: mutations.reduce((b, m) => applyMutation(b, m, seeds), seeds[index % seeds.length]!.bytes),
  readSize
}))

describe("Gunzip.gunzipInto fuzz", () => {
  it("has gzip seeds", () => {
    expect(seeds.length).toBeGreaterThan(20)
  })

  it(`mutated gzip blobs: ${RUNS} cases copy zlib's bytes or fail with a CorruptBlob`, () => {
    const stats = { ok: 0, failed: 0, refusedTrailing: 0 }
    fc.assert(
      fc.property(mutated, ({ input, readSize }) => {
        const got = ours(input, readSize)
        const want = model(input)
        if (got.ok) {
          stats.ok++
          if (!want.ok) throw new Error(`ours decoded what zlib refuses (${want.reason})`)
          if (Buffer.compare(got.bytes, want.bytes) !== 0) {
            throw new Error("ours and zlib decoded different bytes")
          }
        } else {
          stats.failed++
          if (want.ok) {
            if (got.reason !== "invalid gzip data: bytes after the gzip member") throw new Error(`zlib decodes, ours fails: ${got.reason}`)
            stats.refusedTrailing++
          }
        }
      }),
      { numRuns: RUNS, seed: SEEDS.gunzip, endOnFailure: true }
    )
    console.log(`[fuzz] gunzipInto: ${RUNS} cases, ${stats.ok} decoded, ${stats.failed} refused (${stats.refusedTrailing} for bytes after the member)`)
    expect(stats.ok).toBeGreaterThan(0)
  }, fuzzTimeout(2))
})
