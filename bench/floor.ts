/**
 * The physical floor: each bench question answered with plain synchronous node:fs and the least file
 * I/O the question needs (no Effect, no validation beyond what the answer needs, blobs read once per
 * sha since they are content-addressed). It knows the layout and reads what Python's rules read for an
 * equal answer (the end step named by the `_parameters` task, the latest done attempt's artifacts), and
 * no more; it is a yardstick, not a client.
 */
import { createHash } from "node:crypto"
import { opendirSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { gunzipSync } from "node:zlib"

export type IdsAnswer = { readonly count: number; readonly digest: string }

/** Count and a digest of the sorted ids (the same in the Python driver). */
export const idsAnswer = (ids: Iterable<string>): IdsAnswer => {
  const all = [...ids].sort()
  return { count: all.length, digest: createHash("sha1").update(all.join("\n")).digest("hex").slice(0, 12) }
}

interface SelfRecord {
  readonly ts_epoch: number
  readonly tags?: ReadonlyArray<string> | null
  readonly system_tags?: ReadonlyArray<string> | null
}

const readJson = <A>(file: string): A | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as A
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined
    throw e
  }
}

const children = (dir: string): Array<string> => readdirSync(dir).filter((n) => n !== "_meta" && !n.startsWith("."))

/** Children in the file system's order (Python's `glob` order; `readdirSync` sorts by name). */
const childrenAsListed = (dir: string): Array<string> => {
  const names: Array<string> = []
  const handle = opendirSync(dir)
  try {
    for (let e = handle.readSync(); e !== null; e = handle.readSync()) {
      if (e.name !== "_meta" && !e.name.startsWith(".")) names.push(e.name)
    }
  } finally {
    handle.closeSync()
  }
  return names
}

/** Objects below `dir` (those with `_meta/_self.json`), newest first, ties by id descending. */
const objects = (dir: string): Array<{ id: string; self: SelfRecord }> => {
  const out: Array<{ id: string; self: SelfRecord }> = []
  for (const id of children(dir)) {
    const self = readJson<SelfRecord>(join(dir, id, "_meta", "_self.json"))
    if (self !== undefined) out.push({ id, self })
  }
  return out.sort((a, b) => b.self.ts_epoch - a.self.ts_epoch || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
}

/** Runs of a flow, newest first; runs of the same millisecond in directory order (Python's stable sort). */
const runObjects = (dir: string): Array<{ id: string; self: SelfRecord }> => {
  const out: Array<{ id: string; self: SelfRecord }> = []
  for (const id of childrenAsListed(dir)) {
    const self = readJson<SelfRecord>(join(dir, id, "_meta", "_self.json"))
    if (self !== undefined) out.push({ id, self })
  }
  return out.sort((a, b) => b.self.ts_epoch - a.self.ts_epoch)
}

const hasTag = (s: SelfRecord, t: string) => (s.tags ?? []).includes(t) || (s.system_tags ?? []).includes(t)

/** Minimal pickle reading for the values the floor needs: small ints, bools, bytes. */
const unpickle = (b: Uint8Array): number | boolean | Uint8Array => {
  let i = 0
  if (b[i] === 0x80) i += 2 // PROTO
  if (b[i] === 0x95) i += 9 // FRAME
  const op = b[i]!
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  switch (op) {
    case 0x88: return true
    case 0x89: return false
    case 0x4b: return b[i + 1]! // BININT1
    case 0x4d: return dv.getUint16(i + 1, true) // BININT2
    case 0x4a: return dv.getInt32(i + 1, true) // BININT
    case 0x43: return b.subarray(i + 2, i + 2 + b[i + 1]!) // SHORT_BINBYTES
    case 0x42: return b.subarray(i + 5, i + 5 + dv.getUint32(i + 1, true)) // BINBYTES
    case 0x8e: return b.subarray(i + 9, i + 9 + Number(dv.getBigUint64(i + 1, true))) // BINBYTES8
    default: throw new Error(`floor: unsupported pickle opcode 0x${op.toString(16)}`)
  }
}

export class Floor {
  private readonly blobs = new Map<string, number | boolean | Uint8Array>()
  constructor(readonly root: string) {}

  /** Drops the per-sha blob memo (each repetition starts cold in memory, as our client does). */
  reset(): void {
    this.blobs.clear()
  }

  private blob(flow: string, sha: string): number | boolean | Uint8Array {
    let v = this.blobs.get(sha)
    if (v === undefined) {
      const raw = readFileSync(join(this.root, flow, "data", sha.slice(0, 2), sha))
      v = unpickle(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw)
      this.blobs.set(sha, v)
    }
    return v
  }

  /**
   * The sha of artifact `name` of the task's latest done attempt (Python's local rule: the attempt its
   * last `sysmeta_attempt-done_*` record names; none without one); undefined if none.
   */
  private artifactSha(taskDir: string, name: string): string | undefined {
    const meta = join(taskDir, "_meta")
    let done: string | undefined
    for (const f of readdirSync(meta)) if (f.startsWith("sysmeta_attempt-done_") && (done === undefined || f > done)) done = f
    if (done === undefined) return undefined
    const attempt = Number(readJson<{ value: string }>(join(meta, done))!.value)
    return readJson<{ sha: string }>(join(meta, `${attempt}_artifact_${name}.json`))?.sha
  }

  private runs(flow: string) {
    return runObjects(join(this.root, flow))
  }

  runIds(flow: string, filter: (s: SelfRecord) => boolean = () => true): IdsAnswer {
    return idsAnswer(this.runs(flow).filter((r) => filter(r.self)).map((r) => r.id))
  }

  /** The newest task of a step directory (one listing, and the task records only when there are several). */
  private newestTask(stepDir: string): string | undefined {
    let tasks: Array<string>
    try {
      tasks = children(stepDir)
    } catch {
      return undefined
    }
    return tasks.length === 1 ? tasks[0]! : objects(stepDir)[0]?.id
  }

  /** The run's end step, by Python's rule: the `end_step` metadata of its `_parameters` task, else `end`. */
  private endStep(flow: string, run: string): string {
    const params = join(this.root, flow, run, "_parameters")
    const task = this.newestTask(params)
    if (task === undefined) return "end"
    const meta = join(params, task, "_meta")
    const file = readdirSync(meta).find((f) => f.startsWith("sysmeta_end_step_"))
    const value = file === undefined ? undefined : readJson<{ value: unknown }>(join(meta, file))?.value
    return typeof value === "string" ? value : "end"
  }

  private successful(flow: string, run: string): boolean {
    const endDir = join(this.root, flow, run, this.endStep(flow, run))
    const task = this.newestTask(endDir)
    if (task === undefined) return false
    const sha = this.artifactSha(join(endDir, task), "_success")
    return sha === undefined ? false : this.blob(flow, sha) === true
  }

  runsAll = (): IdsAnswer => this.runIds("ScaleFlow")
  runsTagTenth = (): IdsAnswer => this.runIds("ScaleFlow", (s) => hasTag(s, "tenth"))
  runsNsAlice = (): IdsAnswer => this.runIds("ScaleFlow", (s) => hasTag(s, "user:alice"))

  latestSuccessfulRun = () => {
    for (const r of this.runs("ScaleFlow")) {
      if (this.successful("ScaleFlow", r.id)) return { id: r.id, ts: r.self.ts_epoch }
    }
    return null
  }

  allRunsSuccessful = () => {
    const runs = this.runs("ScaleFlow")
    return { runs: runs.length, successful: runs.filter((r) => this.successful("ScaleFlow", r.id)).length }
  }

  wideRun = (): string => children(join(this.root, "WideFlow")).filter((n) => /^\d+$/.test(n)).sort()[0]!

  wideTasksList = (): IdsAnswer => idsAnswer(objects(join(this.root, "WideFlow", this.wideRun(), "fan")).map((t) => t.id))

  wideArtifactY = () => {
    const fan = join(this.root, "WideFlow", this.wideRun(), "fan")
    let count = 0
    let sum = 0
    for (const t of children(fan)) {
      const sha = this.artifactSha(join(fan, t), "y")
      if (sha === undefined) continue
      count++
      sum += this.blob("WideFlow", sha) as number
    }
    return { count, sum }
  }

  bigArtifact = () => {
    const flow = "ArtifactZooFlow"
    const run = children(join(this.root, flow)).filter((n) => /^\d+$/.test(n)).sort()[0]!
    const stepDir = join(this.root, flow, run, "big")
    const task = children(stepDir)[0]!
    const sha = this.artifactSha(join(stepDir, task), "large_bytes")!
    const v = this.blob(flow, sha) as Uint8Array
    return { length: v.length, sha1: createHash("sha1").update(v).digest("hex").slice(0, 12) }
  }
}
