/**
 * The conformance tool: walks a corpus with our client and compares every fact (JSON leaf) of the Python
 * oracle (`flows/*.json`, `namespaces.json`) with what we answer. Generic: the questions (flows,
 * namespaces, tags, lookup calls) come from the oracle files; no corpus names are built in.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Namespace } from "../../src/index.js"
import { type Call, formatCall, parseCall, pyRepr } from "./Calls.js"
import { type Ctx, oracleError, type Rule, rules } from "./Rules.js"
import { isOurError, type Json, type OurError, namespaceView, flowJson, runCall } from "./Walk.js"
import * as ConfigProvider from "effect/ConfigProvider"

type Obj = { readonly [k: string]: Json }
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

// ------------------------------------------------------------------------------------------------ oracle

export interface Oracle {
  readonly dir: string
  /** `flows/<name>.json` contents by flow name (from the file names). */
  readonly flows: ReadonlyMap<string, Json>
  readonly namespaces: Json
}

export const loadOracle = (dir: string): Oracle => {
  const flowsDir = path.join(dir, "flows")
  const flows = new Map<string, Json>()
  for (const f of fs.readdirSync(flowsDir).filter((f) => f.endsWith(".json")).sort()) {
    flows.set(f.slice(0, -5), JSON.parse(fs.readFileSync(path.join(flowsDir, f), "utf8")) as Json)
  }
  const namespaces = JSON.parse(fs.readFileSync(path.join(dir, "namespaces.json"), "utf8")) as Json
  return { dir, flows, namespaces }
}

/** Number of JSON leaves (strings, numbers, booleans, nulls). */
export const countLeaves = (v: Json | undefined): number => {
  if (v === undefined) return 0
  if (v === null || typeof v !== "object") return 1
  let n = 0
  if (Array.isArray(v)) for (const x of v) n += countLeaves(x)
  else for (const x of Object.values(v)) n += countLeaves(x)
  return n
}

// ------------------------------------------------------------------------------------------------ report

export interface Report {
  /** N: leaves of the oracle. */
  facts: number
  /** M: matched (exactly, or by a deviation rule). */
  matched: number
  /** D per rule name. */
  deviations: Record<string, number>
  /** Artifact values (artifact `value`, attempt-lookup `value`, `Task.exception`): leaves / matched. */
  valueFacts: number
  valueMatched: number
  mismatches: Array<string>
  /** Answers we give that the oracle has no fact for (not counted in N, reported). */
  extras: Array<string>
}

const newReport = (): Report => ({
  facts: 0,
  matched: 0,
  deviations: {},
  valueFacts: 0,
  valueMatched: 0,
  mismatches: [],
  extras: []
})

export const summaryLine = (r: Report): string => {
  const d = Object.values(r.deviations).reduce((a, b) => a + b, 0)
  const by = Object.entries(r.deviations).map(([k, v]) => `${k}=${v}`).join(", ")
  return `conformance: ${r.matched}/${r.facts} facts match${d > 0 ? ` (${d} by deviations: ${by})` : ""}`
}

// ------------------------------------------------------------------------------------------------ compare

const show = (v: unknown): string => {
  const s = v === undefined ? "<absent>" : JSON.stringify(v)
  return s.length > 200 ? `${s.slice(0, 200)}…` : s
}

interface Where {
  readonly path: string
  readonly ctx: Ctx
  readonly isValue: boolean
}

/** Python exception type → our error tags that stand for it, and whether messages are meant to be equal. */
const errorMatch = (
  oracle: { type: string; message: string },
  ours: { type: string; message: string; pathspec?: string; reason?: string }
): { type: boolean; message: boolean } => {
  const keyOf = (p: string | undefined) => p === undefined ? undefined : pyRepr(p.split("/").pop()!)
  switch (oracle.type) {
    case "MetaflowNotFound":
      if (ours.type === "ObjectNotFound" || ours.type === "InvalidAttempt") return { type: true, message: ours.message === oracle.message }
      break
    case "MetaflowNamespaceMismatch":
      if (ours.type === "NamespaceMismatch") return { type: true, message: ours.message === oracle.message }
      break
    case "MetaflowInvalidPathspec":
      if (ours.type === "InvalidPathspec") return { type: true, message: (ours.reason ?? ours.message) === oracle.message }
      break
    case "KeyError":
      // `obj[id]` of a missing child; `task['_graph_info']` inside the graph helpers of an attempt
      // without artifacts, which we report as GraphUnavailable.
      if (ours.type === "ObjectNotFound") return { type: true, message: keyOf(ours.pathspec) === oracle.message }
      if (ours.type === "GraphUnavailable" && oracle.message === "'_graph_info'") return { type: true, message: true }
      break
  }
  return { type: false, message: false }
}

class Comparer {
  constructor(readonly report: Report, readonly rules: ReadonlyArray<Rule>) {}

  private tally(n: number, ok: boolean, where: Where, detail?: string, deviation?: string) {
    this.report.facts += n
    if (where.isValue) this.report.valueFacts += n
    if (ok) {
      this.report.matched += n
      if (where.isValue) this.report.valueMatched += n
      if (deviation !== undefined) this.report.deviations[deviation] = (this.report.deviations[deviation] ?? 0) + n
    } else if (detail !== undefined) {
      this.report.mismatches.push(`${where.path}: ${detail}`)
    }
  }

  compare(o: Json, u: unknown, where: Where, key: string): void {
    for (const rule of this.rules) {
      if (!rule.covers(key, o, where.ctx)) continue
      if (deepEqual(o, u)) break
      const expected = rule.expected(key, o, where.ctx)
      const ok = expected !== undefined && (rule.accepts ? rule.accepts(u, expected) : deepEqual(expected, u))
      if (ok) return this.tally(countLeaves(o), true, where, undefined, rule.name)
      this.report.mismatches.push(`${where.path}: rule ${rule.name} expected ${show(expected)}, ours ${show(u)}`)
      break
    }
    if (oracleError(o) !== undefined && isObj(o) && Object.keys(o).length === 1) {
      return this.compareError(o, isOurError(u) ? u : undefined, u, where)
    }
    if (o === null || typeof o !== "object") {
      return this.tally(1, o === u, where, `oracle ${show(o)}, ours ${show(u)}`)
    }
    if (Array.isArray(o)) {
      if (!Array.isArray(u)) return this.tally(countLeaves(o), false, where, `oracle ${show(o)}, ours ${show(u)}`)
      o.forEach((x, i) => this.compare(x, u[i], { ...where, path: `${where.path}[${i}]` }, key))
      if (u.length > o.length) this.report.extras.push(`${where.path}: ours has ${u.length - o.length} more: ${show(u.slice(o.length))}`)
      return
    }
    if (!isObj(u) || isOurError(u)) return this.tally(countLeaves(o), false, where, `oracle ${show(o)}, ours ${show(u)}`)
    this.compareObject(o as Obj, u, where)
  }

  /** An oracle error `{"$error": {type, module, message}}` against ours (type and module are one mapping). */
  private compareError(o: Obj, ours: OurError | undefined, raw: unknown, where: Where): void {
    const oe = oracleError(o)!
    const n = countLeaves(o)
    if (ours === undefined) return this.tally(n, false, where, `oracle raises ${oe.type}: ${oe.message}; ours ${show(raw)}`)
    const m = errorMatch(oe, ours.$error)
    const typeLeaves = Math.min(2, n) // type and module
    this.tally(typeLeaves, m.type, where, `error type ${oe.type} vs ours ${ours.$error.type}`)
    this.tally(n - typeLeaves, m.message, where, `error message ${show(oe.message)} vs ours ${show(ours.$error.message)}`)
  }

  private compareObject(o: Obj, u: Obj, where: Where): void {
    if ("$error" in o && oracleError(o) !== undefined) {
      // a lookup answer {call, ok, $error}: the error part, then the rest
      const { $error: oe, ...orest } = o
      const { $error: ue, ...urest } = u
      this.compareError({ $error: oe! }, ue === undefined ? undefined : { $error: ue } as unknown as OurError, ue, { ...where, path: `${where.path}/$error` })
      return this.compareObject(orest, urest, where)
    }
    let oo = o
    let uu = u
    // lists whose order among equal created_at (ms) is the directory listing order: sort ties by id
    for (const [list, records] of [["runs", "run_records"], ["steps", "step_records"], ["tasks", "task_records"], ["artifacts", undefined]] as const) {
      if (Array.isArray(oo[list]) && Array.isArray(oo[`${list}_created_at_ms`])) {
        oo = tieSorted(oo, list, records)
        if (Array.isArray(uu[list]) && Array.isArray(uu[`${list}_created_at_ms`])) uu = tieSorted(uu, list, records)
      }
    }
    for (const k of Object.keys(oo)) {
      let ov = oo[k]!
      let uv: unknown = uu[k]
      // order-free lists: Metaflow() flow order (directory listing), task neighbours (listing order)
      if ((k === "flows" || k === "parent_task_pathspecs" || k === "child_task_pathspecs") && isStringArray(ov) && isStringArray(uv)) {
        ov = [...ov].sort()
        uv = [...(uv as ReadonlyArray<string>)].sort()
      }
      const ctx: Ctx = k === "parameters_step" ? { ...where.ctx, step: ov as Obj } : where.ctx
      const isValue = where.isValue || k === "exception" ||
        (k === "value" && (where.path.includes("artifact_records") || where.path.includes("attempt_lookups")))
      this.compareChild(ov, uv, { path: `${where.path}/${k}`, ctx, isValue }, k)
    }
    for (const k of Object.keys(uu)) {
      if (!(k in oo)) this.report.extras.push(`${where.path}/${k}: ours has ${show(uu[k])}`)
    }
  }

  private compareChild(o: Json, u: unknown, where: Where, key: string): void {
    // record lists: descend with the record as context
    if ((key === "run_records" || key === "step_records" || key === "task_records") && Array.isArray(o)) {
      if (!Array.isArray(u)) return this.tally(countLeaves(o), false, where, `oracle has ${o.length} records, ours ${show(u)}`)
      o.forEach((rec, i) => {
        const ctx: Ctx = key === "run_records"
          ? { ...where.ctx, run: rec as Obj }
          : key === "step_records"
          ? { ...where.ctx, step: rec as Obj }
          : { ...where.ctx, task: rec as Obj }
        const id = isObj(rec) ? rec["id"] : i
        this.compare(rec, u[i], { ...where, path: `${where.path}[${String(id)}]`, ctx }, key)
      })
      if (u.length > o.length) this.report.extras.push(`${where.path}: ours has ${u.length - o.length} more records`)
      return
    }
    if (key === "attempts" && isObj(o) && isObj(u)) {
      for (const k of Object.keys(o)) {
        const view = o[k]!
        this.compare(view, u[k], { ...where, path: `${where.path}/${k}`, ctx: isObj(view) ? { ...where.ctx, task: view } : where.ctx }, k)
      }
      for (const k of Object.keys(u)) if (!(k in o)) this.report.extras.push(`${where.path}/${k}: ours has an attempt view`)
      return
    }
    this.compare(o, u, where, key)
  }
}

const isStringArray = (v: unknown): v is ReadonlyArray<string> => Array.isArray(v) && v.every((x) => typeof x === "string")

/** Sorts runs of equal `created_at_ms` by id (the order among ties is the filesystem's). */
const tieSorted = (rec: Obj, list: string, records: string | undefined): Obj => {
  const ids = rec[list] as ReadonlyArray<Json>
  const ms = rec[`${list}_created_at_ms`] as ReadonlyArray<Json>
  if (ids.length !== ms.length) return rec
  const idx = ids.map((_, i) => i)
  let start = 0
  const perm: Array<number> = []
  while (start < idx.length) {
    let end = start + 1
    while (end < idx.length && ms[end] === ms[start]) end++
    perm.push(...idx.slice(start, end).sort((a, b) => String(ids[a]) < String(ids[b]) ? -1 : String(ids[a]) > String(ids[b]) ? 1 : 0))
    start = end
  }
  const out: Record<string, Json> = { ...rec, [list]: perm.map((i) => ids[i]!), [`${list}_created_at_ms`]: perm.map((i) => ms[i]!) }
  const recs = records === undefined ? undefined : rec[records]
  if (records !== undefined && Array.isArray(recs) && recs.length === ids.length) out[records] = perm.map((i) => recs[i]!)
  return out
}

export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as ReadonlyArray<unknown>
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]))
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => k in b && deepEqual((a as Obj)[k], (b as Obj)[k]))
}

// ------------------------------------------------------------------------------------------------ run

export interface RunOptions {
  readonly oracle: Oracle
  /** Tasks rendered at once. Default 8. */
  readonly concurrency?: number
  /** Flows walked at once. Default 4. */
  readonly flowConcurrency?: number
  /** User name of the oracle process (its default namespace). Default "alice", the fixtures' ORACLE_USER. */
  readonly oracleUser?: string
  /** Progress messages (stderr in the CLI). */
  readonly log?: (line: string) => void
}

const collectTasks = (v: Json, out: Map<string, Obj>): void => {
  if (Array.isArray(v)) {
    for (const x of v) collectTasks(x, out)
    return
  }
  if (!isObj(v)) return
  if (Array.isArray(v["task_records"])) {
    for (const t of v["task_records"] as ReadonlyArray<Json>) {
      if (isObj(t) && typeof t["pathspec"] === "string") out.set(t["pathspec"], t)
    }
  }
  for (const [k, x] of Object.entries(v)) if (k !== "artifact_records") collectTasks(x, out)
}

const parse = (text: unknown): Call | undefined => {
  if (typeof text !== "string") return undefined
  try {
    return parseCall(text)
  } catch {
    return undefined
  }
}

/**
 * Walks the corpus in context (MetadataProvider + storages) and compares everything with the oracle.
 */
export const run = (options: RunOptions) =>
  Effect.gen(function*() {
    const { oracle } = options
    const log = options.log ?? (() => {})
    const walk = { concurrency: options.concurrency ?? 8 }
    const report = newReport()
    const tasks = new Map<string, Obj>()
    for (const f of oracle.flows.values()) collectTasks(f, tasks)
    const comparer = new Comparer(report, rules)
    const root: Ctx = { tasks }

    // flows/*.json
    // flows are walked a few at a time and compared (then dropped) as they arrive, in file order
    const flows = [...oracle.flows]
    const walked = new Map<string, Json>()
    let next = 0
    yield* Effect.forEach(flows, ([name]) =>
      Effect.gen(function*() {
        const started = Date.now()
        walked.set(name, yield* flowJson(name, walk))
        log(`flow ${name}: ${Date.now() - started} ms`)
        while (next < flows.length && walked.has(flows[next]![0])) {
          const [n, oflow] = flows[next++]!
          comparer.compare(oflow, walked.get(n)!, { path: `flows/${n}.json`, ctx: root, isValue: false }, "")
          walked.delete(n)
        }
      }), { concurrency: options.flowConcurrency ?? 4, discard: true })

    // namespaces.json
    const ns = oracle.namespaces
    if (!isObj(ns)) {
      comparer.compare(ns, undefined, { path: "namespaces.json", ctx: root, isValue: false }, "")
      return report
    }
    const ours: Record<string, Json> = {}
    for (const key of Object.keys(ns)) {
      const v = ns[key]!
      if (key === "note") {
        // the oracle tool's own annotation, a statement about Metaflow() that holds for ours too
        ours[key] = "Metaflow().flows order is the metadata provider's listing order (not sorted)"
      } else if (key === "default_namespace_of_oracle_process") {
        const provider = ConfigProvider.fromMap(new Map([["USERNAME", options.oracleUser ?? "alice"]]))
        ours[key] = yield* Namespace.defaultNamespace.pipe(
          Effect.withConfigProvider(provider),
          Effect.catchAll((e) => Effect.succeed({ $error: { ours: true, type: e._tag, message: e.message } } as unknown as Json))
        )
      } else if (key === "views" && Array.isArray(v)) {
        const views = yield* Effect.forEach(v as ReadonlyArray<Json>, (view) => {
          if (!isObj(view)) return Effect.succeed(null as Json)
          const namespace = typeof view["namespace"] === "string" ? view["namespace"] : null
          const flowViews = isObj(view["flow_views"]) ? view["flow_views"] : {}
          const flowNames = Object.keys(flowViews)
          let tags: Array<string> = []
          for (const fv of Object.values(flowViews)) {
            if (isObj(fv) && isObj(fv["runs_with_tag"])) {
              tags = Object.keys(fv["runs_with_tag"])
              break
            }
          }
          const lookups = Array.isArray(view["lookups"])
            ? (view["lookups"] as ReadonlyArray<Json>).map((l) => parse(isObj(l) ? l["call"] : undefined))
            : []
          const started = Date.now()
          return namespaceView(namespace, { flowNames, tags, allTagsKeys: [], lookups }, walk).pipe(
            Effect.tap(() => log(`namespace ${String(namespace)}: ${Date.now() - started} ms`))
          )
        }, { concurrency: options.flowConcurrency ?? 4 })
        ours[key] = views
      } else if ((key === "invalid_lookups" || key === "attempt_lookups") && Array.isArray(v)) {
        const calls = (v as ReadonlyArray<Json>).map((l) => parse(isObj(l) ? l["call"] : undefined))
        ours[key] = yield* Effect.forEach(calls, (c) =>
          c === undefined
            ? Effect.succeed(null as Json)
            : runCall(key === "attempt_lookups" && c.kind === "DataArtifact" && c.index === undefined && c.contains === undefined
              ? { ...c, artifactDetails: true }
              : c).pipe(Namespace.withNamespace(null)), { concurrency: walk.concurrency })
      }
    }
    comparer.compare(ns, ours, { path: "namespaces.json", ctx: root, isValue: false }, "")
    return report
  })

export { formatCall }
