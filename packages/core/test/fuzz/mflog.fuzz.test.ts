/**
 * Fuzzing the mflog parser and merger with real log lines of the corpus (mutated), well-formed lines built
 * from random fields, and arbitrary bytes. Pass condition: `parseLine` never throws and returns either
 * `null` or a self-consistent line; `formatLine` → `parseLine` round-trips; `mergeLogs` never throws, keeps
 * every input line exactly once, returns them in `LogLineOrder`, does not depend on the order of its sources,
 * and with small limits fails with a typed `MflogError` exactly when a limit is exceeded.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import { Either, FastCheck as fc } from "effect"
import { Mflog } from "@metaflow-client/core"
import { corpusMetaflow, fuzzRuns, fuzzTimeout, SEEDS, walkFiles, yieldingEvery } from "./support.js"

const RUNS = fuzzRuns()
const enc = new TextEncoder()

/** Real lines (with their `\n`) of the corpus' mflog files. */
const realLines: ReadonlyArray<Uint8Array> = walkFiles(corpusMetaflow)
  .filter((f) => /\.(runtime|task)_(stdout|stderr)\.log$/.test(f))
  .slice(0, 200)
  .flatMap((f) => Mflog.splitLines(new Uint8Array(fs.readFileSync(f))))
  .slice(0, 2000)

const byte = fc.integer({ min: 0, max: 255 })
const noNl = (a: fc.Arbitrary<string>) => a.map((s) => s.replace(/\n/g, " "))
const pieces = fc.constantFrom("[", "]", "|", "!", "Z", "T", ":", ".", "-", "0", "9", "[MFLOG|", "[!", "\r", "\n", "\u00e9", "\uffff", "\ud800")

/** A real line with a few byte edits. */
const mutatedReal = fc
  .tuple(fc.nat(), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.oneof(byte, fc.constant(-1))), { maxLength: 4 }))
  .map(([i, edits]) => {
    let line = realLines[i % realLines.length]!.slice()
    for (const [at, b] of edits) {
      const k = Math.floor(at * line.length)
      if (b < 0) line = Uint8Array.from([...line.subarray(0, k), ...line.subarray(k + 1)])
      else line[k] = b
    }
    return line
  })

/** Header-ish text assembled from the characters the parser cares about. */
const headerSoup = fc.array(fc.oneof(pieces, noNl(fc.string({ maxLength: 6 }))), { maxLength: 12 }).map((a) => enc.encode(a.join("")))

const anyLine: fc.Arbitrary<Uint8Array> = fc.oneof(
  mutatedReal,
  headerSoup,
  fc.uint8Array({ maxLength: 80 }),
  fc.constantFrom(...realLines.slice(0, 50))
)

const validDate = fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(2999, 11, 31)), noInvalidDate: true })
const fields = fc.record({
  persist: fc.boolean(),
  date: validDate,
  micro: fc.integer({ min: 0, max: 999_999 }),
  source: fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !/[|\n\ud800-\udfff]/.test(s)),
  id: fc.string({ minLength: 1, maxLength: 36 }).filter((s) => !/[\]\n\ud800-\udfff]/.test(s)),
  message: noNl(fc.string({ maxLength: 60 })).filter((s) => !/[\ud800-\udfff]/.test(s))
})

const checkParsed = (bytes: Uint8Array, p: Mflog.ParsedLine) => {
  expect(p.version).toBe("0")
  expect(Number.isNaN(p.timestamp.getTime())).toBe(false)
  expect(p.microsecond).toBeGreaterThanOrEqual(0)
  expect(p.microsecond).toBeLessThanOrEqual(999_999)
  expect(p.raw.buffer).toBe(bytes.buffer)
  expect(p.message.includes("\n")).toBe(false)
  expect(p.persist).toBe(bytes[0] === 0x5b && bytes[1] === 0x21)
}

const key = (b: Uint8Array) => Buffer.from(b).toString("hex")

describe("Mflog fuzz", () => {
  it("has real lines to mutate", () => {
    expect(realLines.length).toBeGreaterThan(50)
  })

  it(`parseLine: ${RUNS} arbitrary/mutated lines give null or a consistent line, never throw`, () => {
    let parsed = 0
    fc.assert(
      fc.property(anyLine, (line) => {
        const p = Mflog.parseLine(line)
        if (p !== null) {
          parsed++
          checkParsed(line, p)
          expect(Mflog.isStructured(line)).toBe(true)
        }
      }),
      { numRuns: RUNS, seed: SEEDS.mflog }
    )
    console.log(`[fuzz] mflog parseLine: ${RUNS} cases, ${parsed} parsed`)
  }, fuzzTimeout(0.2))

  it(`formatLine → parseLine round-trips ${RUNS} random well-formed lines`, () => {
    fc.assert(
      fc.property(fields, (f) => {
        const timestampRaw = Mflog.formatTimestamp(f.date, f.micro)
        const line = Mflog.formatLine({ persist: f.persist, timestampRaw, source: f.source, id: f.id, message: f.message })
        const p = Mflog.parseLine(line)
        expect(p).not.toBeNull()
        expect(p!.persist).toBe(f.persist)
        expect(p!.timestampRaw).toBe(timestampRaw)
        expect(p!.microsecond).toBe(f.micro)
        expect(p!.timestamp.getTime()).toBe(Math.floor(f.date.getTime() / 1000) * 1000 + Math.floor(f.micro / 1000))
        expect(p!.source).toBe(f.source)
        expect(p!.id).toBe(f.id)
        expect(p!.message).toBe(f.message)
      }),
      { numRuns: RUNS, seed: SEEDS.mflog + 1 }
    )
  }, fuzzTimeout(0.2))

  const sourceArb = fc.array(anyLine, { maxLength: 12 }).map((lines) => {
    // join into one file; a line may lack its `\n` (only the last one keeps that shape)
    const parts = lines.map((l, i) => (i < lines.length - 1 && l[l.length - 1] !== 0x0a ? Uint8Array.from([...l, 0x0a]) : l))
    return Uint8Array.from(parts.flatMap((p) => [...p]))
  })

  it(`mergeLogs: ${RUNS} random source sets keep every line once, in order, whatever the source order`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sourceArb, { maxLength: 3 }), yieldingEvery((sources) => {
        const merged = Mflog.mergeLogs(sources)
        if (Either.isLeft(merged)) throw new Error(`unexpected MflogError with default limits: ${merged.left.message}`)
        const lines = merged.right
        const input = sources.flatMap((s) => Mflog.splitLines(s)).map(key).sort()
        expect(lines.map((l) => key(l.line)).sort()).toEqual(input)
        for (let i = 1; i < lines.length; i++) expect(Mflog.LogLineOrder(lines[i - 1]!, lines[i]!)).not.toBe(1)
        const reversed = Mflog.mergeLogs([...sources].reverse())
        // what a reader sees (timestamp, message) must not depend on the source order; the raw `line` bytes
        // may, for lines that differ only by a missing final "\n" (known bug, pinned below)
        const seen = (ls: ReadonlyArray<Mflog.LogLine>) => ls.map((l) => `${l.timestampText}|${l.message}`)
        expect(Either.isRight(reversed) && seen(reversed.right)).toEqual(seen(lines))
        expect(Mflog.toText(lines)).toBe(lines.map((l) => l.message + "\n").join(""))
      })),
      { numRuns: RUNS, seed: SEEDS.mflog + 2 }
    )
  }, fuzzTimeout(1))

  // BUG (Mflog.ts, mergeLogs/compareEntries): two lines that differ only by the final "\n" (the last line of
  // a half-written source has none) compare equal, so their order — and `LogLine.line`/`raw` — depends on
  // the order of the sources, contrary to the doc ("The result does not depend on the order of sources").
  it("mergeLogs orders lines that differ only by a missing final newline independently of source order", () => {
    const l = "[MFLOG|0|2026-11-27T08:11:25.032526Z|runtime|955cdd91]Task failed."
    const a = enc.encode(l)
    const b = enc.encode(l + "\n")
    const x = Either.getOrThrow(Mflog.mergeLogs([a, b])).map((line) => key(line.line))
    const y = Either.getOrThrow(Mflog.mergeLogs([b, a])).map((line) => key(line.line))
    expect(x).toEqual(y)
  })

  it(`mergeLogs with small limits: ${RUNS} cases fail with a typed MflogError exactly when a limit is exceeded`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sourceArb, { maxLength: 3 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 600 }), yieldingEvery((sources, maxLineBytes, maxTotalBytes) => {
        const merged = Mflog.mergeLogs(sources, { maxLineBytes, maxTotalBytes })
        const total = sources.reduce((n, s) => n + s.length, 0)
        const longest = Math.max(0, ...sources.flatMap((s) => Mflog.splitLines(s)).map((l) => l.length - (l[l.length - 1] === 0x0a ? 1 : 0)))
        if (total > maxTotalBytes) {
          expect(Either.isLeft(merged) && merged.left.reason).toBe("LogTooLarge")
        } else if (longest > maxLineBytes) {
          expect(Either.isLeft(merged) && merged.left.reason).toBe("LineTooLong")
        } else {
          expect(Either.isRight(merged)).toBe(true)
        }
        if (Either.isLeft(merged)) {
          expect(merged.left._tag).toBe("MflogError")
          expect(merged.left.size).toBeGreaterThan(merged.left.limit)
        }
      })),
      { numRuns: RUNS, seed: SEEDS.mflog + 3 }
    )
  }, fuzzTimeout(1))
})
