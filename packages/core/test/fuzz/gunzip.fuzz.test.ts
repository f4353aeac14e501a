/**
 * Fuzzing the gzip reader behind `Artifact.writeTo` (`Gunzip.gunzipInto`, core's own inflater): real gzip
 * blobs of the corpus' content-addressed store and blobs made by zlib with every block type (stored,
 * fixed, dynamic), mutated (support.ts), read in pieces of random size.
 *
 * Pass condition: no exception, no defect, no hang: the copy succeeds or fails with a `CorruptBlob` naming
 * the path given. `node:zlib` (an independent DEFLATE) is the model, with the two places where it departs
 * from the gzip rule (Python's `GzipFile`, checked against Python itself in GzipRule.test.ts): zlib
 * refuses reserved header flags and a wrong header CRC, which Python ignores; and zlib stops at a zero
 * byte after a member and ignores the rest, where the rule reads more zeros or another member, and refuses
 * anything else. Where ours succeeds, zlib succeeds with the same bytes (or with a prefix of them, having
 * stopped at padding before another member), or refused one of those header fields; where zlib succeeds
 * reading all its input, ours does too.
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

/** zlib's answer, and how much of the input it read (it stops at a zero byte after a member). */
const model = (input: Uint8Array): Outcome & { readonly read?: number } => {
  try {
    const r = zlib.gunzipSync(input, { info: true }) as unknown as { readonly buffer: Buffer; readonly engine: { readonly bytesWritten: number } }
    return { ok: true, bytes: new Uint8Array(r.buffer), read: r.engine.bytesWritten }
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) }
  }
}

const isPrefix = (prefix: Uint8Array, of: Uint8Array) => prefix.length <= of.length && Buffer.compare(prefix, of.subarray(0, prefix.length)) === 0

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
    const stats = { ok: 0, failed: 0, zlibStopped: 0, headerFields: 0 }
    fc.assert(
      fc.property(mutated, ({ input, readSize }) => {
        const got = ours(input, readSize)
        const want = model(input)
        const stopped = want.ok && want.read !== undefined && want.read < input.length
        if (stopped) stats.zlibStopped++
        if (got.ok) {
          stats.ok++
          if (!want.ok) {
            if (!/^(unknown header flags set|header crc mismatch)$/.test(want.reason)) throw new Error(`ours decoded what zlib refuses (${want.reason})`)
            stats.headerFields++
          } else if (stopped ? !isPrefix(want.bytes, got.bytes) : Buffer.compare(got.bytes, want.bytes) !== 0) {
            throw new Error("ours and zlib decoded different bytes")
          }
        } else {
          stats.failed++
          if (want.ok && !stopped) throw new Error(`zlib decodes all of it, ours fails: ${got.reason}`)
        }
      }),
      { numRuns: RUNS, seed: SEEDS.gunzip, endOnFailure: true }
    )
    console.log(
      `[fuzz] gunzipInto: ${RUNS} cases, ${stats.ok} decoded (${stats.headerFields} with header fields zlib refuses), ` +
        `${stats.failed} refused; zlib stopped early in ${stats.zlibStopped}`
    )
    expect(stats.ok).toBeGreaterThan(0)
  }, fuzzTimeout(2))
})
