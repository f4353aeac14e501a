/** Reading Metaflow's own system artifacts out of decoded pickles. */
import { PyDict, PyObject, PyTuple, type PyValue } from "../PyValue.js"

/** Python truthiness for the values system artifacts hold (bools, None, ints). */
export const truthy = (v: PyValue): boolean =>
  v === true || (typeof v === "number" && v !== 0) || (typeof v === "bigint" && v !== 0n) ||
  (typeof v === "string" && v.length > 0)

/** A str-keyed entry of a dict, or undefined. */
export const field = (v: PyValue | undefined, key: string): PyValue | undefined =>
  v instanceof PyDict ? v.get(key) : undefined

/** The state dict of an object (its `__dict__`, or the dict part of `(dict, slots)`). */
export const stateOf = (v: PyObject): PyDict | undefined => {
  const s = v.state
  if (s instanceof PyDict) return s
  if (s instanceof PyTuple) {
    for (const part of s.items) if (part instanceof PyDict) return part
  }
  return undefined
}

/**
 * `Task.index`: the `index` of the last frame of `_foreach_stack` (a `ForeachFrame` namedtuple, built from
 * positional args `(step, var, num_splits, index[, value])`).
 */
export const foreachIndex = (stack: PyValue): number | null => {
  if (!Array.isArray(stack) || stack.length === 0) return null
  const frame = stack[stack.length - 1]!
  const fields: ReadonlyArray<PyValue> | undefined = frame instanceof PyObject
    ? frame.args
    : frame instanceof PyTuple
    ? frame.items
    : Array.isArray(frame)
    ? frame
    : undefined
  if (fields !== undefined && fields.length >= 4) {
    const index = fields[3]
    if (typeof index === "number") return index
  }
  if (frame instanceof PyObject) {
    const index = field(stateOf(frame), "index")
    if (typeof index === "number") return index
  }
  return null
}

/** An IncludeFile descriptor, when the value is a `metaflow.includefile.IncludedFile`. */
export interface IncludedFileDescriptor {
  readonly type: string
  readonly url: string
  readonly isText: boolean
  readonly encoding: string
  readonly subType: string | undefined
  readonly size: number | undefined
}

/** Reads the descriptor of an `IncludedFile` value (its `_descriptor` state: a dict or JSON text). */
export const includedFile = (v: PyValue): IncludedFileDescriptor | undefined => {
  if (!(v instanceof PyObject) || v.module !== "metaflow.includefile" || v.name !== "IncludedFile") return undefined
  let d: unknown = field(stateOf(v), "_descriptor")
  if (typeof d === "string") {
    try {
      d = JSON.parse(d)
    } catch {
      return undefined
    }
  }
  const get = (k: string): unknown => d instanceof PyDict ? d.get(k) : (d as Record<string, unknown> | null)?.[k]
  const url = get("url")
  if (typeof url !== "string") return undefined
  const size = get("size")
  const subType = get("sub-type")
  return {
    type: typeof get("type") === "string" ? (get("type") as string) : "",
    url,
    isText: get("is_text") !== false,
    encoding: typeof get("encoding") === "string" ? String(get("encoding")) : "utf-8",
    subType: typeof subType === "string" ? subType : undefined,
    size: typeof size === "number" ? size : undefined
  }
}
