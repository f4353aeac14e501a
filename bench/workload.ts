/**
 * The benchmark workload, built from one real run written by real Metaflow (bench/template/.metaflow,
 * `BenchFlow`: start → foreach `fan` (artifact `y`) → join → end).
 *
 * - `ScaleFlow`: `runs` copies of the template run, users alice/bob alternating, user tags `even`/`odd`,
 *   plus `tenth` on every tenth run;
 * - `WideFlow`: one run whose foreach step `fan` has `wide` tasks (copies of one template `fan` task).
 *
 * Every JSON field naming flow, run, task, user, tags or datastore root is rewritten (the same shape as
 * /work/shared/bench/make_scale.py); content-addressed blobs are shared (copied once per flow).
 * Timestamps stay those of the template, except that ScaleFlow run i is created i ms after the template
 * run (the reference script leaves all runs tied, which makes "the latest run" depend on directory order).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const WORKLOAD_VERSION = "v3"

const here = path.dirname(fileURLToPath(import.meta.url))

/** The committed template: a `.metaflow` directory holding one `BenchFlow` run. */
export const TEMPLATE_ROOT = path.join(here, "template", ".metaflow")
export const TEMPLATE_FLOW = "BenchFlow"

/** First run id of the replicated runs (ScaleFlow run i is `BASE_RUN_ID + i`; WideFlow's run is `BASE_RUN_ID`). */
export const BASE_RUN_ID = 1795000000000000n
/** Task ids of the wide step start here. */
export const WIDE_FIRST_TASK = 100

export interface WorkloadShape {
  readonly runs: number
  readonly wide: number
}

export const FULL_SHAPE: WorkloadShape = { runs: 1000, wide: 5000 }

interface TemplateFile {
  /** Path relative to the run directory, `/`-separated. */
  readonly rel: string
  readonly json: Record<string, unknown> | undefined
  readonly raw: Buffer
}

const walk = (dir: string, rel = ""): Array<string> => {
  const out: Array<string> = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel === "" ? e.name : `${rel}/${e.name}`
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), r))
    else if (e.isFile()) out.push(r)
  }
  return out.sort()
}

const loadTree = (dir: string): Array<TemplateFile> =>
  walk(dir).map((rel) => {
    const raw = fs.readFileSync(path.join(dir, rel))
    let json: Record<string, unknown> | undefined
    if (rel.endsWith(".json")) {
      try {
        const v = JSON.parse(raw.toString("utf8")) as unknown
        if (typeof v === "object" && v !== null && !Array.isArray(v)) json = v as Record<string, unknown>
      } catch {
        json = undefined
      }
    }
    return { rel, json, raw }
  })

/** The template run of a template root: its only (or newest by id) run of `flow`. */
export const templateRun = (root: string = TEMPLATE_ROOT, flow: string = TEMPLATE_FLOW): string => {
  const runs = fs.readdirSync(path.join(root, flow)).filter((n) => /^\d+$/.test(n)).sort()
  if (runs.length === 0) throw new Error(`no run of ${flow} in ${root}`)
  return runs[runs.length - 1]!
}

interface Rewrite {
  readonly flow: string
  readonly run: string
  readonly user: string
  readonly tags: ReadonlyArray<string>
  readonly rootAbs: string
  readonly task?: string
  /** Added to the run record's `ts_epoch`, so that replicated runs have distinct creation times. */
  readonly runTsOffset?: number
}

const rewriteJson = (obj: Record<string, unknown>, r: Rewrite): Record<string, unknown> => {
  const o: Record<string, unknown> = { ...obj }
  if ("flow_id" in o) o["flow_id"] = r.flow
  if ("run_number" in o) o["run_number"] = r.run
  if ("user_name" in o) o["user_name"] = r.user
  if (Array.isArray(o["system_tags"])) {
    o["system_tags"] = [...(o["system_tags"] as Array<string>).filter((t) => !t.startsWith("user:")), `user:${r.user}`]
  }
  if ("location" in o) o["location"] = `:root:${r.rootAbs}`
  if (o["field_name"] === "ds-root") o["value"] = r.rootAbs
  // user tags of objects and artifacts become the run's; metadata records keep their attempt tags
  if ("tags" in o && !JSON.stringify(o["tags"] ?? null).includes("attempt_id")) o["tags"] = [...r.tags]
  if (r.task !== undefined && "task_id" in o) o["task_id"] = r.task
  return o
}

/** Creates a directory once per workload build (the set remembers what was made). */
const ensureDir = (dir: string, made: Set<string>) => {
  if (made.has(dir)) return
  fs.mkdirSync(dir, { recursive: true })
  made.add(dir)
}

const emitTree = (files: ReadonlyArray<TemplateFile>, destDir: string, r: Rewrite, made: Set<string>) => {
  for (const f of files) {
    const out = path.join(destDir, f.rel)
    ensureDir(path.dirname(out), made)
    if (f.json === undefined) {
      fs.writeFileSync(out, f.raw)
      continue
    }
    const o = rewriteJson(f.json, r)
    if (f.rel === "_meta/_self.json" && r.runTsOffset !== undefined && typeof o["ts_epoch"] === "number") {
      o["ts_epoch"] = (o["ts_epoch"] as number) + r.runTsOffset
    }
    fs.writeFileSync(out, JSON.stringify(o))
  }
}

const copyStore = (srcRoot: string, srcFlow: string, root: string, flow: string) => {
  fs.cpSync(path.join(srcRoot, srcFlow, "data"), path.join(root, flow, "data"), { recursive: true })
  fs.mkdirSync(path.join(root, flow, "_meta"), { recursive: true })
  fs.writeFileSync(
    path.join(root, flow, "_meta", "_self.json"),
    JSON.stringify({ flow_id: flow, user_name: "alice", tags: [], system_tags: [], ts_epoch: 1795764580646 })
  )
}

/** The committed run holding a 20 MB artifact (`big/2`, `large_bytes`), written by real Metaflow. */
export const BIG_SOURCE = {
  root: path.join(here, "..", "testdata", "fixtures", "local", ".metaflow"),
  flow: "ArtifactZooFlow",
  step: "big",
  artifact: "large_bytes"
} as const

/** Copies the flow holding the 20 MB artifact, pointing its datastore root at the workload. */
const copyBigFlow = (root: string, made: Set<string>) => {
  const src = path.join(BIG_SOURCE.root, BIG_SOURCE.flow)
  fs.cpSync(path.join(src, "data"), path.join(root, BIG_SOURCE.flow, "data"), { recursive: true })
  for (const f of loadTree(src).filter((f) => !f.rel.startsWith("data/"))) {
    const out = path.join(root, BIG_SOURCE.flow, f.rel)
    ensureDir(path.dirname(out), made)
    if (f.json === undefined) {
      fs.writeFileSync(out, f.raw)
      continue
    }
    const o: Record<string, unknown> = { ...f.json }
    if ("location" in o) o["location"] = `:root:${root}`
    if (o["field_name"] === "ds-root") o["value"] = root
    fs.writeFileSync(out, JSON.stringify(o))
  }
}

/**
 * Builds the workload into `dest/.metaflow` (dest must not hold one yet). Returns the `.metaflow` path.
 */
export const buildWorkload = (
  dest: string,
  shape: WorkloadShape,
  options: { readonly templateRoot?: string; readonly templateFlow?: string; readonly withBig?: boolean } = {}
): string => {
  const srcRoot = options.templateRoot ?? TEMPLATE_ROOT
  const srcFlow = options.templateFlow ?? TEMPLATE_FLOW
  const run = templateRun(srcRoot, srcFlow)
  const runDir = path.join(srcRoot, srcFlow, run)
  const root = path.resolve(dest, ".metaflow")
  fs.mkdirSync(root, { recursive: true })
  const made = new Set<string>()

  // ScaleFlow
  const tree = loadTree(runDir)
  copyStore(srcRoot, srcFlow, root, "ScaleFlow")
  for (let i = 0; i < shape.runs; i++) {
    const user = i % 2 === 0 ? "alice" : "bob"
    const tags = i % 2 === 0 ? ["even"] : ["odd"]
    if (i % 10 === 0) tags.push("tenth")
    const rid = String(BASE_RUN_ID + BigInt(i))
    emitTree(tree, path.join(root, "ScaleFlow", rid), { flow: "ScaleFlow", run: rid, user, tags, rootAbs: root, runTsOffset: i }, made)
  }

  // WideFlow: every step but the foreach one as is, then `wide` copies of one fan task
  copyStore(srcRoot, srcFlow, root, "WideFlow")
  const rid = String(BASE_RUN_ID)
  const wideDir = path.join(root, "WideFlow", rid)
  const base: Rewrite = { flow: "WideFlow", run: rid, user: "alice", tags: [], rootAbs: root }
  const fanPrefix = "fan/"
  emitTree(tree.filter((f) => !f.rel.startsWith(fanPrefix)), wideDir, base, made)
  emitTree(tree.filter((f) => f.rel.startsWith("fan/_meta/")), wideDir, base, made)
  const fanTasks = [...new Set(tree.filter((f) => f.rel.startsWith(fanPrefix) && !f.rel.startsWith("fan/_meta/")).map((f) => f.rel.split("/")[1]!))].sort()
  const tmpl = fanTasks[0]!
  const taskFiles = tree
    .filter((f) => f.rel.startsWith(`fan/${tmpl}/`))
    .map((f) => ({ ...f, rel: f.rel.slice(`fan/${tmpl}/`.length) }))
  for (let k = 0; k < shape.wide; k++) {
    const tid = String(WIDE_FIRST_TASK + k)
    emitTree(taskFiles, path.join(wideDir, "fan", tid), { ...base, task: tid }, made)
  }
  if (options.withBig !== false) copyBigFlow(root, made)
  return root
}

/**
 * The cached workload of a shape below `cacheDir` (default bench/.workload), built once per
 * {@link WORKLOAD_VERSION}, shape and template run. Returns the directory holding `.metaflow`.
 */
export const cachedWorkload = (shape: WorkloadShape = FULL_SHAPE, cacheDir = path.join(here, ".workload")): { dir: string; built: boolean; ms: number } => {
  const key = `${WORKLOAD_VERSION}-${templateRun()}-r${shape.runs}-w${shape.wide}`
  const dir = path.join(cacheDir, key)
  if (fs.existsSync(path.join(dir, ".complete"))) return { dir, built: false, ms: 0 }
  const t0 = performance.now()
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  buildWorkload(dir, shape)
  fs.writeFileSync(path.join(dir, ".complete"), key)
  return { dir, built: true, ms: performance.now() - t0 }
}
