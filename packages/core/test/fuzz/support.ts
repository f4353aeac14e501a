/** Shared settings of the fuzzers: run count from `MFC_FUZZ_RUNS` (default 5,000), fixed seeds, corpus access. */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { FastCheck as fc } from "effect"
import { Bytes } from "@metaflow-client/core"

/** Cases per target: `MFC_FUZZ_RUNS` (set to 100,000 by `pnpm fuzz`), 5,000 by default (`pnpm test`, CI). */
export const fuzzRuns = (): number => {
  const raw = process.env.MFC_FUZZ_RUNS
  const n = raw === undefined || raw === "" ? 5000 : Number(raw)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`MFC_FUZZ_RUNS must be a positive integer, got '${raw}'`)
  return n
}

/** Test timeout that scales with the run count (ms): `perCaseMs` is the typical cost, with a 5× margin for slow CI. */
export const fuzzTimeout = (perCaseMs: number, base = 60_000): number => base + Math.ceil(fuzzRuns() * perCaseMs * 5)

/**
 * A predicate for `fc.asyncProperty` that lets the event loop turn every 1,000 cases: a target that blocks
 * its worker for a minute (100,000 cases on a loaded machine) makes vitest's worker RPC time out. The cases
 * are the same as with `fc.property` and the same seed.
 */
export const yieldingEvery = <Args extends Array<any>>(predicate: (...args: Args) => boolean | void) => {
  let calls = 0
  return async (...args: Args): Promise<boolean | void> => {
    if (++calls % 1000 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    return predicate(...args)
  }
}

/** Lets the event loop turn (see {@link yieldingEvery}); for plain loops over sampled cases. */
export const turnEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Fixed seeds: every run of a target explores the same cases. */
export const SEEDS = {
  pickleMutated: 0x5eed_0001,
  pickleOpcodes: 0x5eed_0002,
  mflog: 0x5eed_0003,
  records: 0x5eed_0004,
  dataJson: 0x5eed_0005,
  pathspec: 0x5eed_0006,
  sidecar: 0x5eed_0007,
  gunzip: 0x5eed_0008
} as const

export const fixturesRoot = path.resolve(__dirname, "../../../../testdata/fixtures")
export const corpusMetaflow = path.join(fixturesRoot, "local", ".metaflow")

/** Every file below `dir` (recursive), sorted. */
export const walkFiles = (dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1)) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) out.push(p)
    }
  }
  walk(dir)
  return out
}

/** Unpacked pickles of the local corpus' content-addressed store (at most `maxBytes` each), sorted by path. */
export const corpusPickles = (maxBytes = 64 * 1024): Array<{ readonly file: string; readonly bytes: Uint8Array }> => {
  const out: Array<{ file: string; bytes: Uint8Array }> = []
  for (const file of walkFiles(corpusMetaflow)) {
    if (!file.includes(`${path.sep}data${path.sep}`) || file.endsWith("_meta")) continue
    let bytes: Uint8Array = fs.readFileSync(file)
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = zlib.gunzipSync(bytes)
      } catch {
        continue
      }
    }
    if (bytes[0] === 0x80 && bytes.length <= maxBytes) out.push({ file, bytes: new Uint8Array(bytes) })
  }
  return out
}

/** Every JSON file of the corpus whose base name matches. */
export const corpusJson = (match: (name: string) => boolean): Array<{ readonly file: string; readonly json: unknown }> =>
  walkFiles(corpusMetaflow)
    .filter((f) => match(path.basename(f)))
    .map((file) => ({ file, json: JSON.parse(fs.readFileSync(file, "utf8")) as unknown }))

/** One edit of a seed input (positions are fractions of its length, so one mutation fits any seed). */
export type Mutation =
  | { readonly op: "flip"; readonly at: number; readonly bit: number }
  | { readonly op: "set"; readonly at: number; readonly byte: number }
  | { readonly op: "insert"; readonly at: number; readonly bytes: ReadonlyArray<number> }
  | { readonly op: "delete"; readonly at: number; readonly n: number }
  | { readonly op: "truncate"; readonly at: number }
  | { readonly op: "splice"; readonly at: number; readonly other: number; readonly from: number; readonly n: number }
  | { readonly op: "interesting"; readonly at: number; readonly width: number; readonly value: number }

/** A position in the input, as a fraction of its length. */
const pos = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
/**
 * Bit flips, byte writes, inserts, deletions, truncation, splices from another seed, and boundary values
 * written over lengths, counts and indices.
 */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), at: pos, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("insert" as const), at: pos, bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant("delete" as const), at: pos, n: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: pos }),
  fc.record({ op: fc.constant("splice" as const), at: pos, other: fc.nat(), from: pos, n: fc.integer({ min: 1, max: 64 }) }),
  // lengths, counts and memo indices: the boundary values that break decoders
  fc.record({
    op: fc.constant("interesting" as const),
    at: pos,
    width: fc.constantFrom(1, 2, 4, 8),
    value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, -1)
  })
)

/** `input` with `m` applied; a splice takes its bytes from `pool` (the seeds). */
export const applyMutation = (input: Uint8Array, m: Mutation, pool: ReadonlyArray<{ readonly bytes: Uint8Array }>): Uint8Array => {
  const len = input.length
  const at = Math.floor(m.at * Math.max(len, 1))
  switch (m.op) {
    case "flip": {
      if (len === 0) return input
      const out = input.slice()
      out[at] = out[at]! ^ (1 << m.bit)
      return out
    }
    case "set": {
      if (len === 0) return input
      const out = input.slice()
      out[at] = m.byte
      return out
    }
    case "insert":
      return concat(input.subarray(0, at), Uint8Array.from(m.bytes), input.subarray(at))
    case "delete":
      return concat(input.subarray(0, at), input.subarray(Math.min(len, at + m.n)))
    case "truncate":
      return input.slice(0, at)
    case "splice": {
      const other = pool[m.other % pool.length]!.bytes
      const from = Math.floor(m.from * other.length)
      return concat(input.subarray(0, at), other.subarray(from, from + m.n), input.subarray(at))
    }
    case "interesting": {
      const out = input.slice()
      let v = m.value < 0 ? 0xffffffff : m.value
      for (let i = 0; i < m.width && at + i < len; i++) {
        out[at + i] = i < 4 ? v & 0xff : (m.value < 0 ? 0xff : 0)
        v = Math.floor(v / 256)
      }
      return out
    }
  }
}

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => Bytes.concat(parts)
