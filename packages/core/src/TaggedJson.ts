/**
 * Tagged JSON (format version 1): the lossless JSON rendering of Python values used by the test oracle
 * (`$bigint`, `$float`, `$tuple`, `$dict`, `$set`, `$datetime`, `$object`, `$ref`, `$summary`, …).
 * {@link toTaggedJson} reproduces the reference encoder byte for byte (same key order, same set order, same
 * `$ref` pointers, same `$summary` digests); {@link fromTaggedJson} is its inverse where one exists.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { decodeBase64, encodeBase64 } from "./internal/base64.js"
import { pyJsonStringify } from "./internal/pyjson.js"
import { sha256Hex } from "./internal/sha256.js"
import {
  PyByteArray,
  PyComplex,
  PyDate,
  PyDateTime,
  PyDecimal,
  PyDict,
  PyFloat,
  PyFrozenSet,
  PyGlobal,
  PyObject,
  PySet,
  PyTime,
  PyTimeDelta,
  PyTimezone,
  PyTuple,
  PyUuid,
  PyZoneInfo
} from "./PyValue.js"
import type { PyValue } from "./PyValue.js"

/**
 * A value could not be converted to or from tagged JSON.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaggedJsonError extends Schema.TaggedError<TaggedJsonError>()("TaggedJsonError", {
  reason: Schema.Literal("DepthExceeded", "NotInvertible", "Malformed"),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/**
 * Encodings longer than this many characters of compact JSON are replaced by `$summary` at the top level.
 *
 * @since 0.1.0
 * @category constants
 */
export const SUMMARY_THRESHOLD = 1_000_000

/** Max nesting of sets inside sets (their sort keys are computed by a nested encoding). */
const MAX_SET_NESTING = 1000
const SAFE_INT = 2 ** 53 - 1
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/

/** A path as a linked list: pointers are only rendered when a `$ref` needs them. */
interface PathNode {
  readonly parent: PathNode | undefined
  readonly token: string | number
}
const child = (parent: PathNode | undefined, token: string | number): PathNode => ({ parent, token })
const pointer = (p: PathNode | undefined): string => {
  const tokens: Array<string> = []
  for (let n = p; n !== undefined; n = n.parent) {
    tokens.push("/" + String(n.token).replace(/~/g, "~0").replace(/\//g, "~1"))
  }
  return tokens.reverse().join("")
}

/** Identity → path of first occurrence; probes layer a scratch map over their parent's. */
class Seen {
  readonly map = new Map<object, PathNode | undefined>()
  constructor(readonly parent?: Seen) {}
  get(o: object): PathNode | undefined | null {
    for (let s: Seen | undefined = this; s !== undefined; s = s.parent) {
      if (s.map.has(o)) return s.map.get(o)
    }
    return null
  }
}

const encodeFloat = (v: number): unknown =>
  Number.isNaN(v)
    ? { $float: "nan" }
    : v === Infinity
    ? { $float: "inf" }
    : v === -Infinity
    ? { $float: "-inf" }
    : Object.is(v, -0)
    ? { $float: "-0" }
    : { $float: v }

const pad = (n: number, w: number): string => String(n).padStart(w, "0")
const timeText = (h: number, m: number, s: number, us: number): string =>
  `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(us, 6)}`
const timedelta = (d: PyTimeDelta): unknown => ({
  $timedelta: { days: d.days, seconds: d.seconds, microseconds: d.microseconds }
})

const isTracked = (v: PyValue): boolean =>
  Array.isArray(v) || v instanceof PyDict || v instanceof PySet || v instanceof PyByteArray || v instanceof PyObject

interface Task {
  readonly v: PyValue
  readonly path: PathNode | undefined
  readonly target: Record<string | number, unknown>
  readonly key: string | number
}

interface Encoded {
  readonly out: unknown
  /** Whether any identity-tracked value was met (then the result depends on the path and on `seen`). */
  readonly touched: boolean
}

const encodeWith = (root: PyValue, rootPath: PathNode | undefined, seen: Seen, nesting: number): Encoded => {
  const holder: Record<string, unknown> = {}
  const tasks: Array<Task> = [{ v: root, path: rootPath, target: holder, key: "r" }]
  let touched = false
  while (tasks.length > 0) {
    const { key, path, target, v } = tasks.pop()!
    const later: Array<Task> = [] // children in order; pushed reversed so they run depth-first, in order
    const sub = (x: PyValue, p: PathNode | undefined, t: Record<string | number, unknown>, k: string | number) => {
      if (k === "__proto__") Object.defineProperty(t, k, { value: null, writable: true, enumerable: true, configurable: true })
      else t[k] = null
      later.push({ v: x, path: p, target: t, key: k })
    }
    if (v === null || typeof v === "boolean" || typeof v === "string") target[key] = v
    else if (typeof v === "number") target[key] = Math.abs(v) <= SAFE_INT ? v : { $bigint: BigInt(v).toString() }
    else if (typeof v === "bigint") {
      target[key] = v >= -SAFE_INT && v <= SAFE_INT ? Number(v) : { $bigint: v.toString() }
    } else if (v instanceof PyFloat) target[key] = encodeFloat(v.value)
    else if (v instanceof Uint8Array) target[key] = { $bytes: encodeBase64(v) }
    else if (v instanceof PyComplex) target[key] = { $complex: [encodeFloat(v.real), encodeFloat(v.imag)] }
    else if (v instanceof PyTuple) {
      const arr: Array<unknown> = new Array(v.items.length)
      target[key] = { $tuple: arr }
      const base = child(path, "$tuple")
      v.items.forEach((x, i) => sub(x, child(base, i), arr as never, i))
    } else if (v instanceof PyFrozenSet) {
      const r = encodeSet(v.items, path, "$frozenset", seen, nesting)
      touched ||= r.touched
      target[key] = { $frozenset: r.arr }
      r.pending.forEach(([x, i]) => sub(x, child(child(path, "$frozenset"), i), r.arr as never, i))
    } else if (v instanceof PyDateTime || v instanceof PyTime) {
      const o: Record<string, unknown> = v instanceof PyDateTime
        ? {
          $datetime: `${pad(v.year, 4)}-${pad(v.month, 2)}-${pad(v.day, 2)}T${
            timeText(v.hour, v.minute, v.second, v.microsecond)
          }`
        }
        : { $time: timeText(v.hour, v.minute, v.second, v.microsecond) }
      target[key] = o
      if (v.tzinfo !== null) sub(v.tzinfo, child(path, "tzinfo"), o, "tzinfo")
      if (v.fold) o.fold = 1
    } else if (v instanceof PyDate) target[key] = { $date: `${pad(v.year, 4)}-${pad(v.month, 2)}-${pad(v.day, 2)}` }
    else if (v instanceof PyTimeDelta) target[key] = timedelta(v)
    else if (v instanceof PyTimezone) target[key] = { $timezone: { offset: timedelta(v.offset), name: v.name } }
    else if (v instanceof PyZoneInfo) target[key] = { $zoneinfo: v.key }
    else if (v instanceof PyDecimal) target[key] = { $decimal: v.value }
    else if (v instanceof PyUuid) target[key] = { $uuid: v.value }
    else if (v instanceof PyGlobal) target[key] = { $global: { module: v.module, name: v.name } }
    else if (isTracked(v)) {
      touched = true
      const first = seen.get(v)
      if (first !== null) {
        target[key] = { $ref: pointer(first) }
        continue
      }
      seen.map.set(v, path)
      if (Array.isArray(v)) {
        const arr: Array<unknown> = new Array(v.length)
        target[key] = arr
        v.forEach((x, i) => sub(x, child(path, i), arr as never, i))
      } else if (v instanceof PyDict) {
        const keys = v.keys()
        const values = v.values()
        if (keys.every((k) => typeof k === "string" && !k.startsWith("$") && !INDEX_LIKE.test(k))) {
          const o: Record<string, unknown> = {}
          target[key] = o
          keys.forEach((k, i) => sub(values[i], child(path, k as string), o, k as string))
        } else {
          const arr: Array<unknown> = new Array(keys.length)
          target[key] = { $dict: arr }
          const base = child(path, "$dict")
          keys.forEach((k, i) => {
            const pair: Array<unknown> = [null, null]
            arr[i] = pair
            const p = child(base, i)
            sub(k, child(p, 0), pair as never, 0)
            sub(values[i], child(p, 1), pair as never, 1)
          })
        }
      } else if (v instanceof PySet) {
        const r = encodeSet(v.items, path, "$set", seen, nesting)
        target[key] = { $set: r.arr }
        r.pending.forEach(([x, i]) => sub(x, child(child(path, "$set"), i), r.arr as never, i))
      } else if (v instanceof PyByteArray) {
        target[key] = { $bytearray: encodeBase64(v.bytes) }
      } else {
        const obj = v as PyObject
        const base = child(path, "$object")
        const args: Array<unknown> = new Array(obj.args.length)
        const o: Record<string, unknown> = { module: obj.module, name: obj.name, via: obj.via, args }
        target[key] = { $object: o }
        const argsPath = child(base, "args")
        obj.args.forEach((x, i) => sub(x, child(argsPath, i), args as never, i))
        // kwargs is re-encoded as a fresh dict (`dict(kwargs)` in the reference)
        if (obj.kwargs !== undefined && obj.kwargs.size > 0) {
          sub(PyDict.fromEntries(obj.kwargs.entries()), child(base, "kwargs"), o, "kwargs")
        }
        if (obj.state !== undefined && obj.state !== null) sub(obj.state, child(base, "state"), o, "state")
        if (obj.listitems !== undefined) {
          const li: Array<unknown> = new Array(obj.listitems.length)
          o.listitems = li
          const lp = child(base, "listitems")
          obj.listitems.forEach((x, i) => sub(x, child(lp, i), li as never, i))
        }
        if (obj.dictitems !== undefined) {
          const di: Array<unknown> = new Array(obj.dictitems.length)
          o.dictitems = di
          const dp = child(base, "dictitems")
          obj.dictitems.forEach(([k, x], i) => {
            const pair: Array<unknown> = [null, null]
            di[i] = pair
            sub(k, child(child(dp, i), 0), pair as never, 0)
            sub(x, child(child(dp, i), 1), pair as never, 1)
          })
        }
      }
    } else {
      throw new TaggedJsonError({ reason: "Malformed", detail: `not a PyValue: ${String(v)}` })
    }
    for (let i = later.length - 1; i >= 0; i--) tasks.push(later[i])
  }
  return { out: holder.r, touched }
}

/**
 * Set elements sorted by the compact JSON text of a probe encoding (made with a scratch copy of `seen`, at the
 * pseudo path `<tag>/?`). Elements whose probe met no tracked value are final already; the others are returned
 * in `pending` to be encoded in place, in order.
 */
const encodeSet = (
  items: ReadonlyArray<PyValue>,
  path: PathNode | undefined,
  tag: string,
  seen: Seen,
  nesting: number
): { arr: Array<unknown>; pending: Array<[PyValue, number]>; touched: boolean } => {
  if (nesting >= MAX_SET_NESTING) {
    throw new TaggedJsonError({ reason: "DepthExceeded", detail: `sets nested deeper than ${MAX_SET_NESTING}` })
  }
  const probePath = child(child(path, tag), "?")
  const probes = items.map((x, i) => {
    const r = encodeWith(x, probePath, new Seen(seen), nesting + 1)
    return { x, i, r, text: pyJsonStringify(r.out) }
  })
  probes.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : a.i - b.i))
  const arr: Array<unknown> = new Array(probes.length)
  const pending: Array<[PyValue, number]> = []
  let touched = false
  probes.forEach((p, i) => {
    if (p.r.touched) {
      touched = true
      pending.push([p.x, i])
    } else arr[i] = p.r.out
  })
  return { arr, pending, touched }
}

/** `type(value).__name__` as far as the model knows it (used by `$summary`). */
const pythonTypeName = (v: PyValue): string => {
  if (v === null) return "NoneType"
  if (Array.isArray(v)) return "list"
  switch (typeof v) {
    case "boolean":
      return "bool"
    case "number":
    case "bigint":
      return "int"
    case "string":
      return "str"
  }
  if (v instanceof Uint8Array) return "bytes"
  if (v instanceof PyObject || v instanceof PyGlobal) return v.name.split(".").pop()!
  const names: Record<string, string> = {
    PyFloat: "float",
    PyComplex: "complex",
    PyByteArray: "bytearray",
    PyTuple: "tuple",
    PyDict: "dict",
    PySet: "set",
    PyFrozenSet: "frozenset",
    PyDateTime: "datetime",
    PyDate: "date",
    PyTime: "time",
    PyTimeDelta: "timedelta",
    PyTimezone: "timezone",
    PyZoneInfo: "ZoneInfo",
    PyDecimal: "Decimal",
    PyUuid: "UUID"
  }
  return names[(v as { _tag: string })._tag] ?? "object"
}

/**
 * The exact compact JSON text of a tagged-JSON value as the reference writes it (Python `json.dumps` with
 * `ensure_ascii=True` and `(",", ":")` separators; floats in Python `repr` form). Used for set order and digests.
 *
 * @since 0.1.0
 * @category encoding
 */
export const canonicalJson: (json: unknown) => string = pyJsonStringify

/**
 * Encodes a value WITHOUT the top-level `$summary` rule. Throws {@link TaggedJsonError} only for sets nested
 * more than 1000 deep; otherwise iterative (deep lists/dicts cannot overflow the stack).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeValue = (v: PyValue): unknown => encodeWith(v, undefined, new Seen(), 0).out

const bytesSummary = (b: Uint8Array, pythonType: string): unknown => ({
  $summary: {
    python_type: pythonType,
    length: b.length,
    sha256: sha256Hex(b),
    head: encodeBase64(b.subarray(0, 64)),
    tail: encodeBase64(b.subarray(Math.max(0, b.length - 64)))
  }
})

/**
 * Encodes a top-level value (an artifact) as tagged JSON, exactly like the reference `encode_value`: values
 * whose compact encoding exceeds {@link SUMMARY_THRESHOLD} characters become `{"$summary": …}` (bytes:
 * `length`, `sha256`, `head`/`tail`; others: `encoded_length`, `encoded_sha256` and for lists 5-item
 * `head`/`tail`). Throws {@link TaggedJsonError} only for sets nested more than 1000 deep.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toTaggedJson = (v: PyValue): unknown => {
  if (v instanceof Uint8Array && Math.floor((v.length * 4) / 3) > SUMMARY_THRESHOLD) return bytesSummary(v, "bytes")
  if (v instanceof PyByteArray && Math.floor((v.bytes.length * 4) / 3) > SUMMARY_THRESHOLD) {
    return bytesSummary(v.bytes, "bytearray")
  }
  const enc = encodeValue(v)
  if (enc === null || typeof enc !== "object") {
    // scalars: only long strings can exceed the threshold
    if (typeof enc !== "string" || enc.length + 2 <= SUMMARY_THRESHOLD / 6) return enc
  }
  const text = pyJsonStringify(enc)
  if (text.length <= SUMMARY_THRESHOLD) return enc
  const summary: Record<string, unknown> = {
    python_type: pythonTypeName(v),
    encoded_length: text.length,
    encoded_sha256: sha256Hex(asciiBytes(text))
  }
  if (Array.isArray(enc)) {
    summary.length = enc.length
    summary.head = enc.slice(0, 5)
    summary.tail = enc.slice(-5)
  }
  return { $summary: summary }
}

const asciiBytes = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/**
 * {@link toTaggedJson} as an Effect.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (v: PyValue): Effect.Effect<unknown, TaggedJsonError> =>
  Effect.try({
    try: () => toTaggedJson(v),
    catch: (e) =>
      e instanceof TaggedJsonError
        ? e
        : new TaggedJsonError({ reason: e instanceof RangeError ? "DepthExceeded" : "Malformed", detail: String(e) })
  })

// ---------------------------------------------------------------------------------------------------------------
// decoding

const MAX_DECODE_DEPTH = 1000
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?$/
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

const bad = (detail: string): never => {
  throw new TaggedJsonError({ reason: "Malformed", detail })
}

const decodeFloat = (x: unknown): number => {
  if (typeof x === "number") return x
  switch (x) {
    case "nan":
      return NaN
    case "inf":
      return Infinity
    case "-inf":
      return -Infinity
    case "-0":
      return -0
  }
  return bad(`bad $float ${JSON.stringify(x)}`)
}

const floatOf = (x: unknown): number =>
  typeof x === "object" && x !== null && "$float" in x ? decodeFloat((x as { $float: unknown }).$float) : bad("expected $float")

const bytesOf = (x: unknown): Uint8Array =>
  (typeof x === "string" ? decodeBase64(x) : undefined) ?? bad("bad base64")

const timedeltaOf = (x: unknown): PyTimeDelta => {
  const td = (x as { $timedelta?: { days: number; seconds: number; microseconds: number } } | null)?.$timedelta
  return td === undefined ? bad("expected $timedelta") : new PyTimeDelta(td.days, td.seconds, td.microseconds)
}

const parseTime = (s: unknown): [number, number, number, number] => {
  const m = typeof s === "string" ? TIME_RE.exec(s) : null
  return m === null ? bad(`bad time ${String(s)}`) : [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0)]
}

/**
 * Rebuilds a {@link PyValue} from tagged JSON (resolving `$ref` pointers to shared identity, cycles included).
 * Throws {@link TaggedJsonError} for `$summary`/`$error` (not invertible) or malformed input.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromTaggedJson = (json: unknown): PyValue => {
  const refs = new Map<string, PyValue>()
  const ptr = (path: ReadonlyArray<string | number>): string =>
    path.map((t) => "/" + String(t).replace(/~/g, "~0").replace(/\//g, "~1")).join("")
  const go = (j: unknown, path: Array<string | number>): PyValue => {
    if (path.length > MAX_DECODE_DEPTH) {
      throw new TaggedJsonError({ reason: "DepthExceeded", detail: `deeper than ${MAX_DECODE_DEPTH}` })
    }
    if (j === null || typeof j === "boolean" || typeof j === "string") return j
    if (typeof j === "number") return Number.isSafeInteger(j) ? j : bad(`non-integer number ${j}`)
    if (Array.isArray(j)) {
      const list: Array<PyValue> = []
      refs.set(ptr(path), list)
      j.forEach((x, i) => list.push(go(x, [...path, i])))
      return list
    }
    if (typeof j !== "object") return bad(`not JSON: ${typeof j}`)
    const o = j as Record<string, unknown>
    const keys = Object.keys(o)
    const tag = keys.length > 0 && keys[0].startsWith("$") ? keys[0] : undefined
    const at = (...t: Array<string | number>) => [...path, ...t]
    switch (tag) {
      case "$bigint":
        return BigInt(o.$bigint as string)
      case "$float":
        return new PyFloat(decodeFloat(o.$float))
      case "$complex": {
        const [re, im] = o.$complex as [unknown, unknown]
        return new PyComplex(floatOf(re), floatOf(im))
      }
      case "$bytes":
        return bytesOf(o.$bytes)
      case "$bytearray": {
        const b = new PyByteArray(bytesOf(o.$bytearray))
        refs.set(ptr(path), b)
        return b
      }
      case "$tuple": {
        const items = (o.$tuple as Array<unknown>).map((x, i) => go(x, at("$tuple", i)))
        return new PyTuple(items)
      }
      case "$dict": {
        const d = new PyDict()
        refs.set(ptr(path), d)
        ;(o.$dict as Array<[unknown, unknown]>).forEach(([k, v], i) =>
          d.set(go(k, at("$dict", i, 0)), go(v, at("$dict", i, 1)))
        )
        return d
      }
      case "$set": {
        const s = new PySet()
        refs.set(ptr(path), s)
        ;(o.$set as Array<unknown>).forEach((x, i) => s.add(go(x, at("$set", i))))
        return s
      }
      case "$frozenset":
        return PyFrozenSet.of((o.$frozenset as Array<unknown>).map((x, i) => go(x, at("$frozenset", i))))
      case "$datetime": {
        const s = String(o.$datetime)
        const m = DATE_RE.exec(s.slice(0, 10))
        if (m === null || s[10] !== "T") return bad(`bad datetime ${s}`)
        const [h, mi, se, us] = parseTime(s.slice(11))
        const tz = "tzinfo" in o ? go(o.tzinfo, at("tzinfo")) : null
        return new PyDateTime(Number(m[1]), Number(m[2]), Number(m[3]), h, mi, se, us, tz, o.fold === 1 ? 1 : 0)
      }
      case "$date": {
        const m = DATE_RE.exec(String(o.$date))
        return m === null ? bad("bad date") : new PyDate(Number(m[1]), Number(m[2]), Number(m[3]))
      }
      case "$time": {
        const [h, mi, se, us] = parseTime(o.$time)
        const tz = "tzinfo" in o ? go(o.tzinfo, at("tzinfo")) : null
        return new PyTime(h, mi, se, us, tz, o.fold === 1 ? 1 : 0)
      }
      case "$timedelta":
        return timedeltaOf(o)
      case "$timezone": {
        const tz = o.$timezone as { offset: unknown; name: string | null }
        return new PyTimezone(timedeltaOf(tz.offset), tz.name)
      }
      case "$zoneinfo":
        return new PyZoneInfo(String(o.$zoneinfo))
      case "$decimal":
        return new PyDecimal(String(o.$decimal))
      case "$uuid":
        return new PyUuid(String(o.$uuid))
      case "$global": {
        const g = o.$global as { module: string; name: string }
        return new PyGlobal(g.module, g.name)
      }
      case "$object": {
        const d = o.$object as Record<string, unknown>
        const obj = new PyObject(String(d.module), String(d.name), d.via === "new" ? "new" : "reduce", [])
        refs.set(ptr(path), obj)
        obj.args = ((d.args ?? []) as Array<unknown>).map((x, i) => go(x, at("$object", "args", i)))
        if ("kwargs" in d) {
          const kw = go(d.kwargs, at("$object", "kwargs"))
          if (!(kw instanceof PyDict)) return bad("$object kwargs is not a dict")
          obj.kwargs = kw
        }
        if ("state" in d) obj.state = go(d.state, at("$object", "state"))
        if ("listitems" in d) {
          obj.listitems = (d.listitems as Array<unknown>).map((x, i) => go(x, at("$object", "listitems", i)))
        }
        if ("dictitems" in d) {
          obj.dictitems = (d.dictitems as Array<[unknown, unknown]>).map(([k, v], i) => [
            go(k, at("$object", "dictitems", i, 0)),
            go(v, at("$object", "dictitems", i, 1))
          ])
        }
        return obj
      }
      case "$ref": {
        const r = refs.get(String(o.$ref))
        return r === undefined ? bad(`dangling $ref ${String(o.$ref)}`) : r
      }
      case "$summary":
      case "$error":
        throw new TaggedJsonError({ reason: "NotInvertible", detail: `${tag} has no Python value` })
      default: {
        const d = new PyDict()
        refs.set(ptr(path), d)
        for (const k of keys) d.set(k, go(o[k], at(k)))
        return d
      }
    }
  }
  try {
    return go(json, [])
  } catch (e) {
    // a small host stack may overflow before MAX_DECODE_DEPTH: report it the same way
    if (e instanceof RangeError) throw new TaggedJsonError({ reason: "DepthExceeded", detail: String(e) })
    throw e
  }
}
