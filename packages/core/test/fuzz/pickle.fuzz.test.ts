/**
 * Fuzzing the pickle decoder: (1) real pickles of the corpus, mutated (bit flips, byte writes, inserts,
 * deletions, truncation, splices of two pickles); (2) random opcode streams built from the whole opcode
 * table with random arguments. Pass condition: `decodeSync` returns a value or throws a `PickleError` (never
 * another exception, never a hang), the value can be encoded as tagged JSON (or fails with a typed
 * `TaggedJsonError`), and decoding is deterministic. A sample of the inputs is cross-checked against
 * Python's own `pickle.loads` (with every global refused, so nothing is imported or executed): where
 * Python decodes a value, ours must be the same value.
 */
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { FastCheck as fc } from "effect"
import { Pickle, TaggedJson } from "@metaflow-client/core"
import { applyMutation, corpusPickles, fuzzRuns, fuzzTimeout, mutation, SEEDS } from "./support.js"

const RUNS = fuzzRuns()
const pickles = corpusPickles()

type Outcome =
  | { readonly ok: true; readonly json: unknown }
  | { readonly ok: false; readonly reason: string }

/** One decode: a value (as tagged JSON) or a typed error; anything else is thrown to fail the property. */
const decodeOnce = (bytes: Uint8Array): Outcome => {
  let value: ReturnType<typeof Pickle.decodeSync>
  try {
    value = Pickle.decodeSync(bytes, { maxBytes: 64 * 1024 * 1024, maxContainerLength: 1_000_000 })
  } catch (e) {
    if (e instanceof Pickle.PickleError) return { ok: false, reason: e.reason }
    throw new Error(`untyped exception from Pickle.decodeSync: ${e instanceof Error ? e.stack : String(e)}`)
  }
  try {
    return { ok: true, json: TaggedJson.toTaggedJson(value) }
  } catch (e) {
    if (e instanceof TaggedJson.TaggedJsonError) return { ok: false, reason: `TaggedJson:${e.reason}` }
    throw new Error(`untyped exception from TaggedJson.toTaggedJson: ${e instanceof Error ? e.stack : String(e)}`)
  }
}

const same = (a: Outcome, b: Outcome) => JSON.stringify(a) === JSON.stringify(b)

// ---------------------------------------------------------------------------------------------------------
// mutations of real pickles

const mutatedPickle = fc
  .record({ index: fc.nat(), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) })
  .map(({ index, mutations }) => mutations.reduce((b, m) => applyMutation(b, m, pickles), pickles[index % pickles.length]!.bytes))

// ---------------------------------------------------------------------------------------------------------
// random opcode streams

const byte = fc.integer({ min: 0, max: 255 })
const le = (n: number, width: number): Array<number> => {
  const out: Array<number> = []
  let v = n
  for (let i = 0; i < width; i++) {
    out.push(i < 6 ? v % 256 : 0)
    v = Math.floor(v / 256)
  }
  return out
}
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0) & 0xff)
const payload = fc.array(byte, { maxLength: 12 })
const textLine = fc.constantFrom(
  "0", "1", "-1", "00", "01", "True", "False", "123456789012345678901234567890", "1.5", "nan", "-inf", "1e309",
  "'a'", "\"b\"", "'\\x00\\n'", "abc", "", "L", "12L", "__main__", "builtins", "os", "system", "\\u1234", "x\ny"
)
const plain = (code: number) => fc.constant([code])
const fixedArg = (code: number, width: number) => fc.array(byte, { minLength: width, maxLength: width }).map((a) => [code, ...a])
/** A length-prefixed payload: the length is usually right, sometimes a lie. */
const counted = (code: number, width: number) =>
  fc.tuple(payload, fc.oneof({ weight: 4, arbitrary: fc.constant<number | null>(null) }, { weight: 1, arbitrary: fc.nat() })).map(
    ([p, lie]) => [code, ...le(lie ?? p.length, width), ...p]
  )
const line = (code: number) => textLine.map((t) => [code, ...ascii(t), 0x0a])
const twoLines = (code: number) => fc.tuple(textLine, textLine).map(([a, b]) => [code, ...ascii(a), 0x0a, ...ascii(b), 0x0a])

const opcode: fc.Arbitrary<Array<number>> = fc.oneof(
  ...[0x28, 0x2e, 0x30, 0x31, 0x32, 0x4e, 0x51, 0x52, 0x61, 0x62, 0x64, 0x7d, 0x65, 0x6c, 0x5d, 0x6f, 0x73, 0x74, 0x29, 0x75,
    0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98].map(plain),
  fixedArg(0x4a, 4), fixedArg(0x4b, 1), fixedArg(0x4d, 2), fixedArg(0x68, 1), fixedArg(0x6a, 4), fixedArg(0x71, 1),
  fixedArg(0x72, 4), fixedArg(0x47, 8), fixedArg(0x80, 1), fixedArg(0x82, 1), fixedArg(0x83, 2), fixedArg(0x84, 4), fixedArg(0x95, 8),
  counted(0x54, 4), counted(0x55, 1), counted(0x58, 4), counted(0x8a, 1), counted(0x8b, 4), counted(0x8c, 1), counted(0x8d, 8),
  counted(0x8e, 8), counted(0x42, 4), counted(0x43, 1), counted(0x96, 8),
  line(0x46), line(0x49), line(0x4c), line(0x50), line(0x53), line(0x56), line(0x67), line(0x70),
  twoLines(0x63), twoLines(0x69),
  byte.map((b) => [b]) // anything at all
)

const opcodeStream = fc
  .tuple(fc.constantFrom(0, 1, 2, 3, 4, 5), fc.array(opcode, { maxLength: 40 }), fc.boolean())
  .map(([proto, ops, stop]) => Uint8Array.from([...(proto >= 2 ? [0x80, proto] : []), ...ops.flat(), ...(stop ? [0x2e] : [])]))

// ---------------------------------------------------------------------------------------------------------
// the Python cross-check

interface Sample {
  readonly bytes: Uint8Array
  readonly ours: Outcome
}

const crossCheck = (samples: ReadonlyArray<Sample>) => {
  const input = JSON.stringify(samples.map((s) => ({ b64: Buffer.from(s.bytes).toString("base64"), ok: s.ours.ok, ours: s.ours.ok ? s.ours.json : null })))
  const result = spawnSync("python3", [path.join(__dirname, "pickle_check.py")], { input, encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 })
  if (result.error !== undefined || result.status !== 0) return undefined
  const answers = JSON.parse(result.stdout) as Array<{ py: string; same?: boolean; skip?: boolean; detail?: string; e?: string }>
  const stats = { pythonOk: 0, agreed: 0, skipped: 0, pythonRefused: 0, pythonError: 0, oursOnly: 0 }
  const mismatches: Array<string> = []
  const lenient: Array<string> = []
  answers.forEach((a, i) => {
    const s = samples[i]!
    const hex = Buffer.from(s.bytes).toString("hex")
    if (a.py === "refused") stats.pythonRefused++
    else if (a.py === "error") {
      stats.pythonError++
      // Python's own resource failures (huge memo indices, deep nesting) say nothing about the input
      if (s.ours.ok && !/^(MemoryError|RecursionError)/.test(a.e ?? "")) {
        stats.oursOnly++
        lenient.push(`${hex}: python ${a.e}`)
      }
    } else {
      stats.pythonOk++
      if (a.skip === true) stats.skipped++
      else if (a.same === true) stats.agreed++
      else mismatches.push(`${hex}: ${a.detail} (ours: ${JSON.stringify(s.ours).slice(0, 200)})`)
    }
  })
  return { stats, mismatches, lenient }
}

const SAMPLE = 400
const pythonAvailable = spawnSync("python3", ["-c", "import pickle"]).status === 0

const fuzz = (name: string, arb: fc.Arbitrary<Uint8Array>, seed: number) =>
  it(`${name}: ${RUNS} cases decode to a value or a typed PickleError, deterministically`, () => {
    const samples: Array<Sample> = []
    const stats = { ok: 0, failed: {} as Record<string, number> }
    fc.assert(
      fc.property(arb, (bytes) => {
        const first = decodeOnce(bytes)
        const again = decodeOnce(bytes.slice())
        if (!same(first, again)) throw new Error(`non-deterministic decode of ${Buffer.from(bytes).toString("hex")}`)
        if (first.ok) stats.ok++
        else stats.failed[first.reason] = (stats.failed[first.reason] ?? 0) + 1
        // keep a deterministic sample, biased to successful decodes (those are the interesting ones for Python)
        if (samples.length < SAMPLE && (first.ok || samples.length % 4 === 0)) samples.push({ bytes, ours: first })
      }),
      { numRuns: RUNS, seed, endOnFailure: true }
    )
    console.log(`[fuzz] pickle ${name}: ${RUNS} cases, ${stats.ok} decoded, failures ${JSON.stringify(stats.failed)}`)
    if (!pythonAvailable) {
      console.log("[fuzz] python3 not available: cross-check skipped")
      return
    }
    const check = crossCheck(samples)
    expect(check, "python cross-check did not run").toBeDefined()
    console.log(`[fuzz] pickle ${name}: python cross-check of ${samples.length} samples ${JSON.stringify(check!.stats)}`)
    if (check!.lenient.length > 0) console.log(`[fuzz] pickle ${name}: decoded where Python fails:\n  ${check!.lenient.slice(0, 5).join("\n  ")}`)
    expect(check!.mismatches, "values differing from Python's pickle.loads").toEqual([])
  }, fuzzTimeout(0.5))

/**
 * Inputs the fuzzers found that CPython's `pickle.loads` refuses but our decoder turns into a value (found by
 * the cross-check; reported to the decoder owner). Each `it.fails` turns green-to-red when the decoder
 * becomes as strict as CPython: then drop the `.fails`.
 */
describe("strictness vs CPython (known leniencies)", () => {
  const refusedByPython: ReadonlyArray<readonly [string, string]> = [
    ["protocol-0 LONG with a leading zero (int('01', 0) fails)", "4c30310a2e"],
    ["protocol-0 FLOAT overflowing to inf (float('1e309') fails)", "4631653330390a2e"],
    ["GLOBAL with an empty name line", "80056346616c73650a0a2e"],
    ["a FRAME whose declared length overruns into a nested PROTO/FRAME", "8004950d0000000000000080049520000000000000008c086461746574696d65948c0464617465949394430407d0010194859452942e"]
  ]
  for (const [label, hex] of refusedByPython) {
    it.fails(`${label}: ${hex} is a PickleError`, () => {
      expect(() => Pickle.decodeSync(Uint8Array.from(Buffer.from(hex, "hex")))).toThrow(Pickle.PickleError)
    })
  }
})

describe("Pickle fuzz", () => {
  it("has corpus pickles to mutate", () => {
    expect(pickles.length).toBeGreaterThan(100)
  })
  fuzz("mutated corpus pickles", mutatedPickle, SEEDS.pickleMutated)
  fuzz("random opcode streams", opcodeStream, SEEDS.pickleOpcodes)
})
