/**
 * The flow graph as Metaflow records it in every task's `_graph_info` artifact, and the navigation rules
 * built on it (parent and child steps and tasks).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { PyDict, type PyValue } from "./PyValue.js"

/**
 * The graph could not be read: the task has no `_graph_info` (an attempt without artifacts, the
 * `_parameters` step) or it has an unexpected shape.
 *
 * @since 0.1.0
 * @category errors
 */
export class GraphUnavailable extends Schema.TaggedError<GraphUnavailable>()("GraphUnavailable", {
  pathspec: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `No flow graph for ${this.pathspec}: ${this.reason}`
  }
}

/**
 * One node of the graph.
 *
 * @since 0.1.0
 * @category models
 */
export interface Node {
  readonly name: string
  /** `linear`, `join`, `split-static`, `split-foreach`, `split-parallel`, `split-switch`, `end`, ... */
  readonly type: string
  readonly next: ReadonlyArray<string>
}

/**
 * The graph: nodes in the order Metaflow recorded them, and the start and end step names.
 *
 * @since 0.1.0
 * @category models
 */
export interface Graph {
  readonly startStep: string
  readonly endStep: string
  readonly steps: ReadonlyMap<string, Node>
}

const str = (v: PyValue | undefined): string | undefined => typeof v === "string" ? v : undefined

/**
 * Reads a decoded `_graph_info` value; `undefined` when it has no `steps` dict.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromValue = (value: PyValue): Graph | undefined => {
  if (!(value instanceof PyDict)) return undefined
  const steps = value.get("steps")
  if (!(steps instanceof PyDict)) return undefined
  const nodes = new Map<string, Node>()
  for (const [key, node] of steps.entries()) {
    if (typeof key !== "string" || !(node instanceof PyDict)) continue
    const next = node.get("next")
    nodes.set(key, {
      name: key,
      type: str(node.get("type")) ?? "linear",
      next: Array.isArray(next) ? next.filter((n): n is string => typeof n === "string") : []
    })
  }
  return { startStep: str(value.get("start_step")) ?? "start", endStep: str(value.get("end_step")) ?? "end", steps: nodes }
}

/**
 * Steps whose `next` contains `step`, in graph order.
 *
 * @since 0.1.0
 * @category navigation
 */
export const parentsOf = (graph: Graph, step: string): ReadonlyArray<string> =>
  [...graph.steps.values()].filter((n) => n.next.includes(step)).map((n) => n.name)

const foreachLike = (type: string | undefined) => type === "split-foreach" || type === "split-parallel"

/**
 * Which tasks of the neighbouring steps are this task's parents or children: a pattern on their
 * `foreach-execution-path` metadata (`all` = every task). Python's algorithm, except that patterns match
 * whole `step:index` entries: Python's prefix regex also takes `a:10` for `a:1` with 11 or more splits.
 *
 * @since 0.1.0
 * @category navigation
 */
export type TaskSelector =
  | { readonly _tag: "All" }
  | { readonly _tag: "Path"; readonly entries: ReadonlyArray<string>; readonly deeper: boolean }

const all: TaskSelector = { _tag: "All" }
const path = (entries: ReadonlyArray<string>, deeper: boolean): TaskSelector => ({ _tag: "Path", entries, deeper })

/**
 * Selector for the parents of a task of `step` whose `foreach-execution-path` is `current`.
 *
 * @since 0.1.0
 * @category navigation
 */
export const parentSelector = (graph: Graph, step: string, current: string | undefined): TaskSelector => {
  const parents = parentsOf(graph, step)
  const cur = current === undefined ? undefined : current.split(",")
  if (parents.length > 1) return cur === undefined ? all : path(cur, false)
  if (parents.length === 0 || cur === undefined) return all
  if (graph.steps.get(step)?.type === "join") return path(cur, true)
  const p = graph.steps.get(parents[0]!)?.type
  if (foreachLike(p) && cur.length === 1) return all
  return path(cur.slice(0, foreachLike(p) ? cur.length - 1 : cur.length), false)
}

/**
 * Selector for the children of a task of `step` whose `foreach-execution-path` is `current`.
 *
 * @since 0.1.0
 * @category navigation
 */
export const childSelector = (graph: Graph, step: string, current: string | undefined): TaskSelector => {
  const children = graph.steps.get(step)?.next ?? []
  const cur = current === undefined ? undefined : current.split(",")
  if (children.length > 1) return cur === undefined ? all : path(cur, false)
  if (children.length === 0 || cur === undefined) return all
  if (foreachLike(graph.steps.get(step)?.type)) return path(cur, true)
  const child = children[0]!
  const c = parentsOf(graph, child).length > 1 ? "static-join" : graph.steps.get(child)?.type
  if (c === "join" && cur.length === 1) return all
  return path(cur.slice(0, c === "join" ? cur.length - 1 : cur.length), false)
}

/**
 * Whether a task with this `foreach-execution-path` is selected: its path starts with the selector's
 * entries as whole `step:index` entries (with `deeper`, it must also have more of them). Python matches
 * the joined text as a prefix regex instead, so `a:1` also selects `a:10`.
 *
 * @since 0.1.0
 * @category navigation
 */
export const selects = (selector: TaskSelector, executionPath: string): boolean => {
  if (selector._tag === "All") return true
  const entries = executionPath.split(",")
  if (selector.deeper ? entries.length <= selector.entries.length : entries.length < selector.entries.length) return false
  return selector.entries.every((e, i) => entries[i] === e)
}
