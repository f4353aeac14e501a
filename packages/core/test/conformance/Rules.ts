/**
 * Deliberate differences from the Python client. Each rule names the facts it covers and COMPUTES, from
 * the oracle's own data, the value our client gives instead; a covered fact counts as "matched by
 * deviation" only when our value equals that computed value. Listed, with reasons, in
 * packages/core/CONFORMANCE.md. Nothing else is excused.
 */
import { pyRepr } from "./Calls.js"
import type { Json } from "./Walk.js"

type Obj = { readonly [k: string]: Json }

/** Where in the oracle a fact sits, with the records around it. */
export interface Ctx {
  /** Oracle run / step / task record around the fact (the task is the attempt view inside `attempts`). */
  readonly run?: Obj
  readonly step?: Obj
  readonly task?: Obj
  /** Every task record of the oracle (latest-attempt views), by pathspec. */
  readonly tasks: ReadonlyMap<string, Obj>
}

export interface Rule {
  readonly name: string
  /** Which facts: the key of the fact (last path component) and a test of the oracle's value there. */
  readonly covers: (key: string, oracle: Json, ctx: Ctx) => boolean
  /** The value we give instead, computed from the oracle (undefined = cannot compute: no excuse). */
  readonly expected: (key: string, oracle: Json, ctx: Ctx) => Json | undefined
  /** Equality of ours with the computed value (default: deep equality). */
  readonly accepts?: (ours: unknown, expected: Json) => boolean
}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)

/** The oracle's `{"$error": {type, module, message}}`, if `v` is one. */
export const oracleError = (v: unknown): { type: string; module: string; message: string } | undefined => {
  if (!isObj(v) || !isObj(v["$error"])) return undefined
  const e = v["$error"]
  return typeof e["type"] === "string" && typeof e["message"] === "string"
    ? { type: e["type"], module: String(e["module"] ?? ""), message: e["message"] }
    : undefined
}

interface GraphNode {
  readonly type: string
  readonly next: ReadonlyArray<string>
}

/** The flow graph from a task record's `_graph_info` artifact value (tagged JSON of a dict). */
const graphOf = (task: Obj | undefined): Map<string, GraphNode> | undefined => {
  const records = task?.["artifact_records"]
  const gi = isObj(records) ? records["_graph_info"] : undefined
  const value = isObj(gi) ? gi["value"] : undefined
  const steps = isObj(value) ? value["steps"] : undefined
  if (!isObj(steps)) return undefined
  const out = new Map<string, GraphNode>()
  for (const [name, node] of Object.entries(steps)) {
    if (!isObj(node)) continue
    const next = Array.isArray(node["next"]) ? (node["next"] as ReadonlyArray<Json>).filter((n): n is string => typeof n === "string") : []
    out.set(name, { type: typeof node["type"] === "string" ? node["type"] : "linear", next })
  }
  return out
}

const parentsIn = (g: Map<string, GraphNode>, step: string): Array<string> =>
  [...g.entries()].filter(([, n]) => n.next.includes(step)).map(([name]) => name)

/** The task record a step record's `task` field names. */
const taskOfStep = (step: Obj | undefined): Obj | undefined => {
  const id = step?.["task"]
  const records = step?.["task_records"]
  if (!Array.isArray(records)) return undefined
  return (records as ReadonlyArray<Json>).find((t): t is Obj => isObj(t) && t["id"] === id)
}

const stepNameOf = (ctx: Ctx, key: string): string | undefined => {
  const rec = key.endsWith("_task_pathspecs") ? ctx.task : ctx.step
  const pathspec = rec?.["pathspec"]
  if (typeof pathspec !== "string") return undefined
  const parts = pathspec.split("/")
  return parts[2]
}

const foreachPath = (task: Obj | undefined): string | undefined => {
  const md = task?.["metadata_dict"]
  const v = isObj(md) ? md["foreach-execution-path"] : undefined
  return typeof v === "string" && v !== "" ? v : undefined
}

const foreachLike = (t: string | undefined) => t === "split-foreach" || t === "split-parallel"

/** Python's regex pattern for parent/child tasks (core.py `parent_task_pathspecs` / `child_task_pathspecs`). */
const pythonPattern = (
  g: Map<string, GraphNode>,
  step: string,
  current: string | undefined,
  direction: "parent" | "child"
): string | undefined => {
  const node = g.get(step)
  if (node === undefined) return undefined
  const steps = direction === "parent" ? parentsIn(g, step) : node.next
  if (steps.length > 1) return current ?? ".*"
  if (steps.length === 0) return undefined
  if (current === undefined) return ".*"
  const parts = current.split(",")
  if (direction === "parent") {
    if (node.type === "join") return `${current},.*`
    const pt = g.get(steps[0]!)?.type
    if (foreachLike(pt) && parts.length === 1) return ".*"
    return parts.slice(0, foreachLike(pt) ? parts.length - 1 : parts.length).join(",")
  }
  if (foreachLike(node.type)) return `${current},.*`
  let ct = g.get(steps[0]!)?.type
  if (parentsIn(g, steps[0]!).length > 1) ct = "static-join"
  if (ct === "join" && parts.length === 1) return ".*"
  return parts.slice(0, ct === "join" ? parts.length - 1 : parts.length).join(",")
}

/** Whether the pattern selects the path by whole `step:index` entries (our rule). */
const wholeEntries = (pattern: string, path: string | undefined): boolean => {
  if (pattern === ".*") return true
  if (path === undefined) return false
  if (pattern.endsWith(",.*")) return path.startsWith(pattern.slice(0, -2))
  return path === pattern || path.startsWith(`${pattern},`)
}

const base64ToBytes = (b64: string): Uint8Array => Uint8Array.from(Buffer.from(b64, "base64"))

/** A log line of the oracle's `as_unicode=False` fallback, decoded with U+FFFD replacement. */
const replacementText = (line: Json): string | undefined => {
  if (typeof line === "string") return line
  if (isObj(line) && typeof line["$bytes"] === "string") return new TextDecoder("utf-8").decode(base64ToBytes(line["$bytes"]))
  return undefined
}

const replacementLines = (v: Json | undefined): Array<Json> | undefined => {
  if (!isObj(v) || !Array.isArray(v["lines"])) return undefined
  const out: Array<Json> = []
  for (const item of v["lines"] as ReadonlyArray<Json>) {
    if (!Array.isArray(item) || item.length !== 2) return undefined
    const text = replacementText(item[1] as Json)
    if (text === undefined) return undefined
    out.push([item[0] as Json, text])
  }
  return out
}

export const rules: ReadonlyArray<Rule> = [
  {
    // Python: `graph_info["steps"][name]` raises KeyError for a step that is not in the graph (the
    // hidden `_parameters` step). We answer [] (no neighbours in the graph).
    name: "step-not-in-graph",
    covers: (key, oracle, ctx) => {
      const e = oracleError(oracle)
      const step = stepNameOf(ctx, key)
      return ["parent_steps", "child_steps", "parent_task_pathspecs", "child_task_pathspecs"].includes(key) &&
        e?.type === "KeyError" && step !== undefined && e.message === pyRepr(step)
    },
    expected: () => []
  },
  {
    // Python's `parent_steps`/`child_steps` instantiate a `Step` for every graph neighbour and raise
    // MetaflowNotFound when one never ran (branches of a switch not taken, the successor of the last step
    // of a failed run). We list the neighbours that ran, in graph order.
    name: "graph-neighbour-did-not-run",
    covers: (key, oracle, ctx) => {
      const e = oracleError(oracle)
      return (key === "parent_steps" || key === "child_steps") && e?.type === "MetaflowNotFound" &&
        /^Step\('.*'\) does not exist$/.test(e.message) && ctx.step !== undefined && ctx.run !== undefined
    },
    expected: (key, _oracle, ctx) => {
      const g = graphOf(taskOfStep(ctx.step))
      const step = stepNameOf(ctx, key)
      const ran = ctx.run?.["steps"]
      if (g === undefined || step === undefined || !Array.isArray(ran)) return undefined
      const names = key === "child_steps" ? g.get(step)?.next ?? [] : parentsIn(g, step)
      return names.filter((n) => (ran as ReadonlyArray<Json>).includes(n))
    }
  },
  {
    // Python matches `foreach-execution-path` with a prefix regex, so with 11+ foreach splits `a:1` also
    // selects `a:10`…`a:19`. We match whole `step:index` entries.
    name: "foreach-prefix-whole-entries",
    covers: (key, oracle, ctx) => {
      if ((key !== "parent_task_pathspecs" && key !== "child_task_pathspecs") || !Array.isArray(oracle)) return false
      const exp = foreachExpected(key, oracle, ctx)
      return exp !== undefined && exp.length !== oracle.length
    },
    expected: (key, oracle, ctx) => Array.isArray(oracle) ? foreachExpected(key, oracle, ctx) : undefined,
    accepts: (ours, expected) =>
      Array.isArray(ours) && Array.isArray(expected) &&
      JSON.stringify([...ours].sort()) === JSON.stringify([...(expected as ReadonlyArray<string>)].sort())
  },
  {
    // Python's `Task.stdout`/`stderr`/`loglines()` raise UnicodeDecodeError on invalid UTF-8; we decode
    // with U+FFFD replacement. Computed from the oracle's `as_unicode=False` lines.
    name: "utf8-replacement-in-logs",
    covers: (key, oracle) =>
      ((key === "stdout" || key === "stderr") && oracleError(oracle)?.type === "UnicodeDecodeError") ||
      ((key === "stdout_lines" || key === "stderr_lines") && isObj(oracle) && "unicode_error" in oracle),
    expected: (key, oracle, ctx) => {
      if (key === "stdout_lines" || key === "stderr_lines") return replacementLines(oracle)
      const lines = replacementLines(ctx.task?.[`${key}_lines`])
      return lines === undefined ? undefined : lines.map((l) => `${(l as ReadonlyArray<string>)[1]}\n`).join("")
    }
  },
  {
    // A class defined in the flow script is pickled as `__main__.<Class>`; Python cannot load it in
    // another process (AttributeError). We decode it like any object: `$object` of module `__main__`
    // and that class name (the name is taken from the oracle's error message).
    name: "main-module-object",
    covers: (key, oracle) => {
      const e = oracleError(oracle)
      return (key === "value" || key === "exception") && e?.type === "AttributeError" &&
        /^Can't get attribute '[^']+' on <module '__main__'/.test(e.message)
    },
    expected: (_key, oracle) => {
      const m = /^Can't get attribute '([^']+)'/.exec(oracleError(oracle)!.message)
      return { $object: { module: "__main__", name: m![1]! } }
    },
    accepts: (ours, expected) => {
      const o = isObj(ours) ? ours["$object"] : undefined
      const e = (expected as Obj)["$object"] as Obj
      return isObj(o) && o["module"] === e["module"] && o["name"] === e["name"]
    }
  }
]

function foreachExpected(key: string, oracle: ReadonlyArray<Json>, ctx: Ctx): Array<Json> | undefined {
  const task = ctx.task
  const g = graphOf(task)
  const step = stepNameOf(ctx, key)
  if (g === undefined || step === undefined) return undefined
  const pattern = pythonPattern(g, step, foreachPath(task), key === "parent_task_pathspecs" ? "parent" : "child")
  if (pattern === undefined) return undefined
  return oracle.filter((p) => typeof p === "string" && wholeEntries(pattern, foreachPath(ctx.tasks.get(p))))
}
