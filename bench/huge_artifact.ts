/**
 * A workload holding one huge artifact (1 GiB by default) for the memory scenario of bench/rss_stream.ts:
 * the committed ArtifactZooFlow run (written by real Metaflow) copied with its datastore root pointed at
 * the copy, plus an artifact `huge_bytes` in its `big` task: a Python `bytes` object pickled exactly as
 * Python's protocol 4 writes one of this size (`\x80\x04`, BINBYTES `B` + 4-byte length, the payload,
 * MEMOIZE, STOP; BINBYTES8 above 4 GiB), packed as Metaflow packs artifacts (gzip level 3, sidecar
 * `{"cas_raw": false, "cas_version": 1}`) and stored under the SHA-1 of the pickle, with its record in
 * the task's metadata (`_meta/0_artifact_huge_bytes.json`) and in the attempt's `data.json`.
 *
 * The payload is text-like rows (compressible about 4×, never constant), produced and gzipped as a
 * stream: building it never holds more than a few MiB. Cached below bench/.workload, keyed by version
 * and size.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Readable, Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import { fileURLToPath } from "node:url"
import * as zlib from "node:zlib"
import { BIG_SOURCE } from "./workload.js"

export const HUGE_VERSION = "v1"
export const HUGE_ARTIFACT = "huge_bytes"
export const GIB = 1024 * 1024 * 1024

const here = path.dirname(fileURLToPath(import.meta.url))

export interface HugeArtifact {
  /** The directory holding `.metaflow`. */
  readonly dir: string
  readonly pathspec: string
  /** SHA-1 of the pickle: the CAS key, and the expected SHA-1 of the streamed bytes. */
  readonly sha: string
  /** Bytes of the pickle (payload + opcodes). */
  readonly pickleBytes: number
  /** Bytes of the gzip blob on disk. */
  readonly blobBytes: number
}

const BLOCK = 4 * 1024 * 1024

/** 4 MiB of CSV-like rows; block k of the payload is this rotated by k × 7919 bytes. */
const baseBlock = (): Buffer => {
  const words = ["metaflow", "artifact", "stream", "bounded", "memory", "gzip", "pickle", "bytes"]
  const b = Buffer.alloc(BLOCK)
  let x = 12345
  let row = 0
  for (let i = 0; i < b.length;) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    i += b.write(`${String(row++).padStart(9, "0")},${words[x >>> 29]},${words[(x >>> 26) & 7]},${(x >>> 16) & 1023}\n`, i, "latin1")
  }
  return b
}

/** The pickle of a `bytes` object of `n` payload bytes, as Python's pickle protocol 4 writes it (n ≥ 64 KiB: no frame). */
function* pickleChunks(n: number): Generator<Buffer> {
  const head = n < 2 ** 32 ? Buffer.alloc(7) : Buffer.alloc(11)
  head[0] = 0x80
  head[1] = 4
  if (n < 2 ** 32) {
    head[2] = 0x42 // BINBYTES
    head.writeUInt32LE(n, 3)
  } else {
    head[2] = 0x8e // BINBYTES8
    head.writeBigUInt64LE(BigInt(n), 3)
  }
  yield head
  const base = baseBlock()
  for (let at = 0, k = 0; at < n; at += BLOCK, k++) {
    const off = (k * 7919) % BLOCK
    const block = Buffer.concat([base.subarray(off), base.subarray(0, off)])
    yield at + BLOCK <= n ? block : block.subarray(0, n - at)
  }
  yield Buffer.from([0x94, 0x2e]) // MEMOIZE, STOP
}

/** The flow's files with the datastore root pointed at `root` (as workload.ts does for the 20 MB artifact). */
const copyZoo = (root: string) => {
  const src = path.join(BIG_SOURCE.root, BIG_SOURCE.flow)
  const dst = path.join(root, BIG_SOURCE.flow)
  fs.cpSync(path.join(src, "data"), path.join(dst, "data"), { recursive: true })
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name)
      if (r === "data") continue
      if (e.isDirectory()) {
        fs.mkdirSync(path.join(dst, r), { recursive: true })
        walk(r)
        continue
      }
      const raw = fs.readFileSync(path.join(src, r))
      let out: Buffer | string = raw
      if (r.endsWith(".json")) {
        const o = JSON.parse(raw.toString("utf8")) as Record<string, unknown>
        if (typeof o === "object" && o !== null && !Array.isArray(o)) {
          if ("location" in o) o["location"] = `:root:${root}`
          if (o["field_name"] === "ds-root") o["value"] = root
          out = JSON.stringify(o)
        }
      }
      fs.writeFileSync(path.join(dst, r), out)
    }
  }
  fs.mkdirSync(dst, { recursive: true })
  walk("")
}

/** Writes the huge blob and its records into `dest/.metaflow` (ArtifactZooFlow copied first). */
export const buildHugeArtifact = async (dest: string, payloadBytes: number): Promise<HugeArtifact> => {
  const root = path.resolve(dest, ".metaflow")
  copyZoo(root)
  const flowDir = path.join(root, BIG_SOURCE.flow)
  const run = fs.readdirSync(flowDir).filter((n) => /^\d+$/.test(n)).sort()[0]!
  const taskDir = path.join(flowDir, run, BIG_SOURCE.step, "2")

  // the pickle, hashed on its way into gzip
  const sha1 = createHash("sha1")
  let pickleBytes = 0
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha1.update(chunk)
      pickleBytes += chunk.length
      done(null, chunk)
    }
  })
  const tmp = path.join(flowDir, "data", `.${HUGE_ARTIFACT}.partial`)
  await pipeline(Readable.from(pickleChunks(payloadBytes)), tap, zlib.createGzip({ level: 3 }), fs.createWriteStream(tmp))
  const sha = sha1.digest("hex")
  const blob = path.join(flowDir, "data", sha.slice(0, 2), sha)
  fs.mkdirSync(path.dirname(blob), { recursive: true })
  fs.renameSync(tmp, blob)
  fs.writeFileSync(`${blob}_meta`, JSON.stringify({ cas_raw: false, cas_version: 1 }))

  // the artifact record, as Metaflow wrote the 20 MB one beside it
  const record = JSON.parse(fs.readFileSync(path.join(taskDir, "_meta", `0_artifact_${BIG_SOURCE.artifact}.json`), "utf8")) as Record<string, unknown>
  fs.writeFileSync(path.join(taskDir, "_meta", `0_artifact_${HUGE_ARTIFACT}.json`), JSON.stringify({ ...record, name: HUGE_ARTIFACT, sha }))
  const dataJson = path.join(taskDir, "0.data.json")
  const data = JSON.parse(fs.readFileSync(dataJson, "utf8")) as { objects: Record<string, string>; info: Record<string, unknown> }
  data.objects[HUGE_ARTIFACT] = sha
  data.info[HUGE_ARTIFACT] = { ...(data.info[BIG_SOURCE.artifact] as object), size: pickleBytes }
  fs.writeFileSync(dataJson, JSON.stringify(data))

  return {
    dir: path.resolve(dest),
    pathspec: `${BIG_SOURCE.flow}/${run}/${BIG_SOURCE.step}/2/${HUGE_ARTIFACT}`,
    sha,
    pickleBytes,
    blobBytes: fs.statSync(blob).size
  }
}

/**
 * The cached huge-artifact workload of `payloadBytes` (default 1 GiB) below `cacheDir` (default
 * bench/.workload), built once per {@link HUGE_VERSION} and size.
 */
export const cachedHugeArtifact = async (
  payloadBytes: number = GIB,
  cacheDir: string = path.join(here, ".workload")
): Promise<HugeArtifact & { readonly built: boolean; readonly ms: number }> => {
  const dir = path.join(cacheDir, `huge-${HUGE_VERSION}-${payloadBytes}`)
  const done = path.join(dir, ".complete")
  if (fs.existsSync(done)) return { ...(JSON.parse(fs.readFileSync(done, "utf8")) as HugeArtifact), dir, built: false, ms: 0 }
  const t0 = performance.now()
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const built = await buildHugeArtifact(dir, payloadBytes)
  fs.writeFileSync(done, JSON.stringify(built))
  return { ...built, built: true, ms: performance.now() - t0 }
}
