/**
 * Corrupted trees: a temp copy of three corpus flows is corrupted one file at a time — every file kind ×
 * every corruption kind once (the file chosen deterministically) — and a fixed battery of queries runs on
 * the affected flow. Each query either answers exactly as on the pristine copy or fails with one of core's
 * typed errors whose message names the corrupted file or the queried object's pathspec. Nothing may die.
 * Documented allowances (Python behaves the same; the tree has no manifest to detect these): a listing
 * skips an object whose `_self.json` is missing; a deleted `sysmeta_*.json` is a metadata entry that was
 * never written; a deleted artifact record is an artifact that does not exist (so a deleted `_success`
 * record makes a task unsuccessful); log text/size follow the log bytes (mflog has no integrity data). The shared corpus is hashed before and after.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Cause, Chunk, Effect, Exit, Option, Stream } from "effect"
import { Artifact, Flow, Logs, Metaflow, Run, Status, Step, Task, TaggedJson } from "@metaflow-client/core"
import { corpusBase, hashTree, runLocal, tempCorpus, TYPED_ERRORS } from "./support.js"

const FLOWS = ["RetryOnceFlow", "ParamsFlow", "LogsFlow"]

type Answer = { readonly ok: string } | { readonly err: string; readonly message: string }
interface Query {
  readonly label: string
  /** The object queried (its pathspec), for error messages. */
  readonly pathspec: string
  readonly kind: "list" | "log" | "value"
  readonly run: Effect.Effect<unknown, unknown, never>
}

const ids = <A>(s: Stream.Stream<A, unknown, any>, f: (a: A) => string) =>
  Effect.map(Stream.runCollect(s), (c) => Chunk.toArray(c).map(f).sort())

/** The battery for one flow, driven by the pristine structure (so that every query has a stable label). */
const battery = (flow: string, structure: Structure): Array<Query> => {
  const q: Array<Query> = [
    { label: "flows", pathspec: "", kind: "list", run: ids(Metaflow.flows, (f) => f.path.flow) as never },
    { label: `runs ${flow}`, pathspec: flow, kind: "list", run: Effect.flatMap(Flow.get(flow), (f) => ids(Flow.runs(f), (r) => r.path.run)) as never },
    {
      label: `Run.outcomes ${flow}`,
      pathspec: flow,
      kind: "list",
      run: Effect.flatMap(Flow.get(flow), (f) =>
        Effect.flatMap(Stream.runCollect(Flow.runs(f)), (runs) =>
          ids(Run.outcomes(runs), (o) => `${o.run.path.run} ${Option.getOrElse(Option.map(o.endTask, (t) => t.pathspec), () => "-")} ${o.successful}`))) as never
    }
  ]
  for (const [run, steps] of Object.entries(structure)) {
    const rp = `${flow}/${run}`
    q.push(
      { label: `steps ${rp}`, pathspec: rp, kind: "list", run: Effect.flatMap(Run.get(rp), (r) => ids(Run.steps(r), (s) => s.path.step)) as never },
      { label: `Run.successful ${rp}`, pathspec: rp, kind: "value", run: Effect.flatMap(Run.get(rp), Run.successful) as never },
      { label: `Run.endTask ${rp}`, pathspec: rp, kind: "value", run: Effect.flatMap(Run.get(rp), (r) => Effect.map(Run.endTask(r), Option.map((t) => t.pathspec))) as never },
      { label: `Status.ofRun ${rp}`, pathspec: rp, kind: "value", run: Effect.flatMap(Run.get(rp), (r) => Status.ofRun(r, { now: 0 })) as never }
    )
    for (const [step, tasks] of Object.entries(steps)) {
      const sp = `${rp}/${step}`
      q.push({ label: `tasks ${sp}`, pathspec: sp, kind: "list", run: Effect.flatMap(Step.get(sp), (s) => ids(Step.tasks(s), (t) => t.path.task)) as never })
      for (const task of tasks) {
        const tp = `${sp}/${task}`
        const get = Task.get(tp)
        q.push(
          { label: `Task.successful ${tp}`, pathspec: tp, kind: "value", run: Effect.flatMap(get, Task.successful) as never },
          { label: `Task.finished ${tp}`, pathspec: tp, kind: "value", run: Effect.flatMap(get, Task.finished) as never },
          { label: `Task.metadataDict ${tp}`, pathspec: tp, kind: "value", run: Effect.flatMap(get, Task.metadataDict) as never },
          {
            label: `Task.artifacts ${tp}`, pathspec: tp, kind: "value",
            run: Effect.flatMap(get, (t) => Effect.map(Stream.runCollect(Task.artifacts(t)), (c) => Chunk.toArray(c).map((a) => a.path.artifact))) as never
          },
          {
            label: `artifact values ${tp}`, pathspec: tp, kind: "value",
            run: Effect.flatMap(get, (t) =>
              Effect.flatMap(Stream.runCollect(Task.artifacts(t)), (c) =>
                Effect.forEach(Chunk.toArray(c), (a) => Effect.map(Artifact.value(a), (v) => [a.path.artifact, TaggedJson.toTaggedJson(v)])))) as never
          },
          { label: `Logs.text stdout ${tp}`, pathspec: tp, kind: "log", run: Effect.flatMap(get, (t) => Logs.text(t, "stdout")) as never },
          { label: `Logs.size stderr ${tp}`, pathspec: tp, kind: "log", run: Effect.flatMap(get, (t) => Logs.size(t, "stderr")) as never }
        )
      }
    }
  }
  return q
}

type Structure = Record<string, Record<string, Array<string>>>

/** runs → steps → tasks of a flow, from the directory tree. */
const structureOf = (root: string, flow: string): Structure => {
  const dirs = (p: string) => fs.readdirSync(p).filter((n) => !n.startsWith(".") && n !== "_meta" && n !== "data" && fs.statSync(path.join(p, n)).isDirectory()).sort()
  const out: Structure = {}
  for (const run of dirs(path.join(root, flow))) {
    out[run] = {}
    for (const step of dirs(path.join(root, flow, run))) out[run]![step] = dirs(path.join(root, flow, run, step))
  }
  return out
}

const answer = async (base: string, q: Query): Promise<Answer> => {
  const exit = await runLocal(base, q.run as Effect.Effect<unknown, unknown, never>)
  if (Exit.isSuccess(exit)) return { ok: JSON.stringify(exit.value, (_, v) => (typeof v === "bigint" ? `${v}n` : v)) }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) return { err: "DEFECT", message: Cause.pretty(exit.cause).slice(0, 500) }
  const e = failure.value as { _tag: string; message: string }
  return { err: e._tag, message: e.message }
}

// ---------------------------------------------------------------------------------------------------------
// file kinds and corruptions

const KINDS: Record<string, RegExp> = {
  flow_self: /^[^/]+\/_meta\/_self\.json$/,
  run_self: /^[^/]+\/\d+\/_meta\/_self\.json$/,
  step_self: /^[^/]+\/\d+\/[^/]+\/_meta\/_self\.json$/,
  task_self: /^[^/]+\/\d+\/[^/]+\/[^/]+\/_meta\/_self\.json$/,
  sysmeta: /\/_meta\/sysmeta_[^/]+\.json$/,
  artifact_record: /\/_meta\/\d+_artifact_[^/]+\.json$/,
  data_json: /\/\d+\.data\.json$/,
  blob: /\/data\/[0-9a-f]{2}\/[0-9a-f]{40}$/,
  blob_sidecar: /\/data\/[0-9a-f]{2}\/[0-9a-f]{40}_meta$/,
  log: /\/\d+\.(runtime|task)_(stdout|stderr)\.log$/
}
const JSON_KINDS = new Set(["flow_self", "run_self", "step_self", "task_self", "sysmeta", "artifact_record", "data_json", "blob_sidecar"])
const CORRUPTIONS = ["truncate", "empty", "zero", "delete", "invalid-json", "wrong-types"] as const
type Corruption = typeof CORRUPTIONS[number]

const applies = (kind: string, c: Corruption) => (c === "invalid-json" || c === "wrong-types" ? JSON_KINDS.has(kind) : true)

const wrongTypes = (j: unknown): unknown => {
  if (Array.isArray(j)) return Object.fromEntries(j.map((x, i) => [String(i), x]))
  if (typeof j === "object" && j !== null) {
    return Object.fromEntries(Object.entries(j).map(([k, v]) => [k, typeof v === "string" ? 12345 : typeof v === "number" ? String(v) + "x" : v === null ? [] : Array.isArray(v) ? { v } : typeof v === "boolean" ? "yes" : [v]]))
  }
  return [j]
}

const corrupt = (file: string, c: Corruption) => {
  const bytes = fs.readFileSync(file)
  switch (c) {
    case "truncate":
      return fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)))
    case "empty":
      return fs.writeFileSync(file, new Uint8Array())
    case "zero":
      return fs.writeFileSync(file, new Uint8Array(bytes.length))
    case "delete":
      return fs.unlinkSync(file)
    case "invalid-json":
      return fs.writeFileSync(file, "{\"flow_id\": \"x\", oops")
    case "wrong-types":
      return fs.writeFileSync(file, JSON.stringify(wrongTypes(JSON.parse(bytes.toString("utf8")))))
  }
}

const pick = <A>(xs: ReadonlyArray<A>, key: string): A => {
  const h = createHash("sha256").update(key).digest().readUInt32BE(0)
  return xs[h % xs.length]!
}

// ---------------------------------------------------------------------------------------------------------

let t: ReturnType<typeof tempCorpus>
let corpusHash: string
const pristine = new Map<string, Answer>()
let files: Array<string> = []

beforeAll(async () => {
  corpusHash = hashTree(corpusBase)
  t = tempCorpus(FLOWS)
  const walk = (rel: string): Array<string> =>
    fs.readdirSync(path.join(t.root, rel), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(rel === "" ? e.name : `${rel}/${e.name}`) : [rel === "" ? e.name : `${rel}/${e.name}`])
  files = walk("").sort()
  for (const flow of FLOWS) {
    for (const q of battery(flow, structureOf(t.root, flow))) pristine.set(q.label, await answer(t.base, q))
  }
}, 180_000)

afterAll(() => {
  t.remove()
  expect(hashTree(corpusBase), "the shared corpus changed").toBe(corpusHash)
})

describe("corrupted trees", () => {
  it("the pristine copy answers every query without error", () => {
    const failed = [...pristine].filter(([, a]) => "err" in a && !(a.err === "UnsupportedEncoding"))
    expect(failed.map(([l, a]) => `${l}: ${JSON.stringify(a)}`)).toEqual([])
  })

  const cases = Object.keys(KINDS).flatMap((kind) => CORRUPTIONS.filter((c) => applies(kind, c)).map((c) => [kind, c] as const))
  it.each(cases)("%s × %s: every query answers as before or fails typed, naming the file or the object", async (kind, c) => {
    const candidates = files.filter((f) => KINDS[kind]!.test(f) && !(kind === "sysmeta" && f.includes("/_parameters/")))
    expect(candidates.length, `files of kind ${kind}`).toBeGreaterThan(0)
    const rel = pick(candidates, `${kind}:${c}`)
    const file = path.join(t.root, rel)
    const flow = rel.split("/")[0]!
    const original = fs.readFileSync(file)
    corrupt(file, c)
    const problems: Array<string> = []
    try {
      for (const q of battery(flow, structureOf(t.root, flow))) {
        const before = pristine.get(q.label)
        if (before === undefined) continue
        const now = await answer(t.base, q)
        if ("ok" in now) {
          if ("ok" in before && now.ok === before.ok) continue
          if (q.kind === "log" && kind === "log") continue // log bytes carry no integrity data
          if (c === "delete" && kind === "sysmeta") continue // a metadata entry never written
          if (c === "delete" && kind === "artifact_record") continue // an artifact that does not exist
          if (q.kind === "list" && c === "delete" && kind.endsWith("_self") && "ok" in before) {
            const was = JSON.parse(before.ok) as Array<string>
            const is = JSON.parse(now.ok) as Array<string>
            if (is.every((x) => was.includes(x)) && is.length === was.length - 1) continue // an object without _self.json is not listed
          }
          problems.push(`${q.label}: answered ${now.ok.slice(0, 150)} instead of ${"ok" in before ? before.ok.slice(0, 150) : before.err}`)
        } else {
          if (!TYPED_ERRORS.has(now.err)) problems.push(`${q.label}: ${now.err} ${now.message}`)
          else if ("err" in before && before.err === now.err) continue
          // a sidecar's errors name its blob
          else if (!now.message.includes(rel.replace(/_meta$/, "")) && !(q.pathspec !== "" && now.message.includes(q.pathspec))) {
            problems.push(`${q.label}: ${now.err} does not name ${rel} or ${q.pathspec}: ${now.message.slice(0, 300)}`)
          }
        }
      }
    } finally {
      fs.writeFileSync(file, original)
    }
    expect(problems, `corrupted ${rel}`).toEqual([])
  }, 120_000)
})
