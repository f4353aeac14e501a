/**
 * Core's portable gunzip (its own inflater, the default where no native one is provided: browsers,
 * Workers) against `node:zlib`'s `gunzipSync` (what `NodeGunzip` runs), measured in the same process,
 * alternating, min and median of 7 passes (bundled and spawned by bench/micro.ts):
 *
 * - one big blob: 64 MiB of text-like and incompressible data, gzipped at level 3 as Metaflow packs;
 * - the small blobs of the bench workload's datastore (each pickled artifact), 20 passes over them.
 *
 * Each reader's output is checked against zlib's once.
 *
 *   node gunzip.mjs WORKLOAD_DIR
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { Chunk, Effect, Either, Stream } from "effect"
import { Gunzip } from "@metaflow-client/core"

const dir = process.argv[2]!

/** Deterministic text-like data with incompressible stretches. */
const sample = (size: number): Uint8Array => {
  const out = new Uint8Array(size)
  let x = 12345
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0)
  const words = ["metaflow ", "artifact ", "0.125 ", "step ", "\n", "task_id "]
  for (let i = 0; i < size;) {
    if (next() % 8 === 0) {
      for (let n = 0; n < 4096 && i < size; n++) out[i++] = next() >>> 24
    } else {
      const w = words[next() % words.length]!
      for (let j = 0; j < w.length && i < size; j++) out[i++] = w.charCodeAt(j)
    }
  }
  return out
}

const walk = (d: string): Array<string> =>
  fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]))

const big = new Uint8Array(zlib.gzipSync(sample(64 * 1024 * 1024), { level: 3 }))
const small = walk(path.join(dir, ".metaflow"))
  .filter((f) => f.includes(`${path.sep}data${path.sep}`) && !f.endsWith("_meta"))
  .map((f) => new Uint8Array(fs.readFileSync(f)))
  .filter(Gunzip.isGzip)

const max = 2 ** 31
const whole = (b: Uint8Array) => Either.getOrThrow(Gunzip.portable.gunzip(b, "bench", max))
const streamed = (b: Uint8Array) =>
  Effect.runSync(
    Effect.map(
      Stream.runCollect(Gunzip.portable.gunzipStream(Stream.fromIterable(Array.from({ length: Math.ceil(b.length / 65536) }, (_, i) => b.subarray(i * 65536, (i + 1) * 65536))), "bench", Infinity)),
      (c) => Chunk.toReadonlyArray(c)
    )
  )
const native = (b: Uint8Array) => new Uint8Array(zlib.gunzipSync(b))

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0
const joined = (parts: ReadonlyArray<Uint8Array>) => new Uint8Array(Buffer.concat(parts))
for (const b of [big, ...small.slice(0, 200)]) {
  const want = native(b)
  if (!same(whole(b), want) || !same(joined(streamed(b)), want)) throw new Error("portable and zlib differ")
}

const measure = (label: string, cases: Record<string, () => void>) => {
  const times: Record<string, Array<number>> = {}
  for (let pass = 0; pass < 7; pass++) {
    for (const [name, f] of Object.entries(cases)) {
      const t0 = performance.now()
      f()
      ;(times[name] ??= []).push(performance.now() - t0)
    }
  }
  const base = [...times["node:zlib gunzipSync"]!].sort((a, b) => a - b)[0]!
  console.log(label)
  for (const [name, ms] of Object.entries(times)) {
    ms.sort((a, b) => a - b)
    const ratio = (ms[0]! / base).toFixed(2)
    console.log(`  ${name.padEnd(34)} min ${ms[0]!.toFixed(0).padStart(5)} ms  median ${ms[3]!.toFixed(0).padStart(5)} ms  ${ratio}× zlib`)
  }
}

measure(`one ${(big.length / 1e6).toFixed(1)} MB blob (64 MiB unpacked):`, {
  "node:zlib gunzipSync": () => void native(big),
  "portable, whole": () => void whole(big),
  "portable, streamed (64 KiB chunks)": () => void streamed(big)
})
const smallBytes = small.reduce((n, b) => n + b.length, 0)
measure(`${small.length} small blobs (${(smallBytes / 1e3).toFixed(0)} kB) × 20:`, {
  "node:zlib gunzipSync": () => {
    for (let k = 0; k < 20; k++) for (const b of small) native(b)
  },
  "portable, whole": () => {
    for (let k = 0; k < 20; k++) for (const b of small) whole(b)
  }
})
