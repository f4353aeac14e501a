/**
 * Known callables of `REDUCE`/`NEWOBJ`: stdlib types that have their own place in the value model. Nothing is
 * executed; each reducer just reads its arguments. Everything not listed here becomes a `PyObject`.
 * @internal
 */
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
} from "../../PyValue.js"
import type { PyValue } from "../../PyValue.js"
import type { PickleErrorReason } from "./error.js"

/** Raises a typed failure (the machine converts it to a PickleError with the opcode offset). */
export type Fail = (reason: typeof PickleErrorReason.Type, detail: string) => never

/** A reducer returns the decoded value, or `undefined` to fall back to a generic `PyObject`. */
type Reducer = (args: ReadonlyArray<PyValue>, fail: Fail) => PyValue | undefined

const toNumber = (v: PyValue): number | undefined =>
  typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? (v ? 1 : 0) : undefined

const toFloat = (v: PyValue): number | undefined => (v instanceof PyFloat ? v.value : toNumber(v))

/** State bytes of date/time types: bytes, or a latin-1 str from Python 2 pickles. */
const stateBytes = (v: PyValue): Uint8Array | undefined => {
  if (v instanceof Uint8Array) return v
  if (typeof v === "string") {
    const out = new Uint8Array(v.length)
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i)
      if (c > 255) return undefined
      out[i] = c
    }
    return out
  }
  return undefined
}

const latin1Encode = (s: string, fail: Fail): Uint8Array => {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 255) fail("Malformed", "_codecs.encode: character outside latin-1")
    out[i] = c
  }
  return out
}

const isTz = (v: PyValue | undefined): v is PyValue => v !== undefined

const datetimeReducer: Reducer = (args, fail) => {
  const b = args.length > 0 ? stateBytes(args[0]) : undefined
  if (b !== undefined && b.length === 10) {
    const month = b[2] & 0x7f
    if (month < 1 || month > 12) fail("Malformed", "datetime state: bad month")
    return new PyDateTime(
      b[0] * 256 + b[1],
      month,
      b[3],
      b[4],
      b[5],
      b[6],
      (b[7] << 16) | (b[8] << 8) | b[9],
      isTz(args[1]) ? args[1] : null,
      (b[2] >> 7) as 0 | 1
    )
  }
  const n = args.slice(0, 7).map(toNumber)
  if (args.length >= 3 && n.every((x) => x !== undefined)) {
    const [y, mo, d, h = 0, mi = 0, s = 0, us = 0] = n as Array<number>
    return new PyDateTime(y, mo, d, h, mi, s, us, isTz(args[7]) ? args[7] : null)
  }
  return fail("Malformed", "datetime.datetime: unexpected arguments")
}

const dateReducer: Reducer = (args, fail) => {
  const b = args.length > 0 ? stateBytes(args[0]) : undefined
  if (b !== undefined && b.length === 4) return new PyDate(b[0] * 256 + b[1], b[2], b[3])
  const n = args.map(toNumber)
  if (args.length === 3 && n.every((x) => x !== undefined)) return new PyDate(n[0]!, n[1]!, n[2]!)
  return fail("Malformed", "datetime.date: unexpected arguments")
}

const timeReducer: Reducer = (args, fail) => {
  const b = args.length > 0 ? stateBytes(args[0]) : undefined
  if (b !== undefined && b.length === 6) {
    return new PyTime(
      b[0] & 0x7f,
      b[1],
      b[2],
      (b[3] << 16) | (b[4] << 8) | b[5],
      isTz(args[1]) ? args[1] : null,
      (b[0] >> 7) as 0 | 1
    )
  }
  const n = args.slice(0, 4).map(toNumber)
  if (n.every((x) => x !== undefined)) {
    const [h = 0, mi = 0, s = 0, us = 0] = n as Array<number>
    return new PyTime(h, mi, s, us, isTz(args[4]) ? args[4] : null)
  }
  return fail("Malformed", "datetime.time: unexpected arguments")
}

const timedeltaReducer: Reducer = (args, fail) => {
  const n = args.map(toNumber)
  if (args.length <= 3 && n.every((x) => x !== undefined)) {
    return new PyTimeDelta(n[0] ?? 0, n[1] ?? 0, n[2] ?? 0)
  }
  return fail("Malformed", "datetime.timedelta: unexpected arguments")
}

const timezoneReducer: Reducer = (args, fail) => {
  const [offset, name] = args
  if (!(offset instanceof PyTimeDelta)) return fail("Malformed", "datetime.timezone: offset is not a timedelta")
  if (name !== undefined && typeof name !== "string") return fail("Malformed", "datetime.timezone: bad name")
  return new PyTimezone(offset, name ?? null)
}

const zoneInfoReducer: Reducer = (args, fail) =>
  typeof args[0] === "string" ? new PyZoneInfo(args[0]) : fail("Malformed", "ZoneInfo: key is not a str")

const decimalReducer: Reducer = (args) => {
  const v = args[0]
  if (typeof v === "string") return new PyDecimal(v)
  if (typeof v === "number" || typeof v === "bigint") return new PyDecimal(String(v))
  return undefined
}

const setReducer = (frozen: boolean): Reducer => (args) => {
  const src = args.length === 0 ? [] : args[0]
  if (args.length > 1) return undefined
  let items: ReadonlyArray<PyValue>
  if (Array.isArray(src)) items = src
  else if (src instanceof PyTuple) items = src.items
  else if (src instanceof PySet || src instanceof PyFrozenSet) items = src.items
  else return undefined
  return frozen ? PyFrozenSet.of(items) : PySet.of(items)
}

const bytesFromArgs = (args: ReadonlyArray<PyValue>, fail: Fail): Uint8Array | undefined => {
  if (args.length === 0) return new Uint8Array(0)
  const [src, encoding] = args
  if (src instanceof Uint8Array) return src.slice()
  if (typeof src === "string" && typeof encoding === "string") {
    const enc = encoding.toLowerCase().replace(/[-_]/g, "")
    if (enc === "latin1" || enc === "iso88591") return latin1Encode(src, fail)
    if (enc === "utf8") return new TextEncoder().encode(src)
    return undefined
  }
  if (Array.isArray(src) && src.every((x) => typeof x === "number" && x >= 0 && x < 256)) {
    return Uint8Array.from(src as Array<number>)
  }
  return undefined
}

const REDUCERS: ReadonlyMap<string, Reducer> = new Map<string, Reducer>([
  ["datetime.datetime", datetimeReducer],
  ["datetime.date", dateReducer],
  ["datetime.time", timeReducer],
  ["datetime.timedelta", timedeltaReducer],
  ["datetime.timezone", timezoneReducer],
  ["zoneinfo.ZoneInfo._unpickle", zoneInfoReducer],
  ["backports.zoneinfo.ZoneInfo._unpickle", zoneInfoReducer],
  ["decimal.Decimal", decimalReducer],
  ["builtins.set", setReducer(false)],
  ["builtins.frozenset", setReducer(true)],
  ["builtins.bytes", (args, fail) => bytesFromArgs(args, fail)],
  ["builtins.bytearray", (args, fail) => {
    const b = bytesFromArgs(args, fail)
    return b === undefined ? undefined : new PyByteArray(b)
  }],
  ["_codecs.encode", (args, fail) => {
    if (typeof args[0] !== "string") return undefined
    return bytesFromArgs(args.length === 1 ? [args[0], "utf-8"] : args, fail)
  }],
  ["builtins.complex", (args) => {
    const re = args.length > 0 ? toFloat(args[0]) : 0
    const im = args.length > 1 ? toFloat(args[1]) : 0
    return re === undefined || im === undefined ? undefined : new PyComplex(re, im)
  }],
  ["builtins.type", (args) => {
    // type(None) & co: how the pickler spells the singleton types
    if (args.length !== 1) return undefined
    const [v] = args
    if (v === null) return new PyGlobal("builtins", "NoneType")
    if (v instanceof PyGlobal && v.module === "builtins" && v.name === "Ellipsis") return new PyGlobal("builtins", "ellipsis")
    if (v instanceof PyGlobal && v.module === "builtins" && v.name === "NotImplemented") {
      return new PyGlobal("builtins", "NotImplementedType")
    }
    return undefined
  }],
  ["builtins.getattr", (args) => {
    // protocol < 4 spells nested names (e.g. ZoneInfo._unpickle) as getattr(cls, "name")
    const [owner, attr] = args
    return owner instanceof PyGlobal && typeof attr === "string" && args.length === 2
      ? new PyGlobal(owner.module, `${owner.name}.${attr}`)
      : undefined
  }]
])

/** `cls.__new__(cls, *args, **kwargs)` for known classes; `undefined` → generic PyObject. */
export const newKnown = (cls: PyGlobal, args: ReadonlyArray<PyValue>): PyValue | undefined => {
  const q = cls.qualifiedName
  if (q === "uuid.UUID" && args.length === 0) return new PyUuid("") // completed by BUILD
  if (q === "builtins.object" && args.length === 0) return undefined
  return undefined
}

/** Result of a call of a named callable. */
export const reduceKnown = (
  fn: PyGlobal,
  args: ReadonlyArray<PyValue>,
  fail: Fail
): PyValue | undefined => {
  const r = REDUCERS.get(fn.qualifiedName)
  return r === undefined ? undefined : r(args, fail)
}

/** `BUILD` on a value the model owns (not a PyObject): only UUID takes state. */
export const buildKnown = (target: PyValue, state: PyValue, fail: Fail): boolean => {
  if (target instanceof PyUuid) {
    const n = state instanceof PyDict ? state.get("int") : undefined
    if (typeof n !== "number" && typeof n !== "bigint") return fail("Malformed", "uuid.UUID state without int")
    target.value = PyUuid.fromInt(BigInt(n)).value
    return true
  }
  return false
}

/** Creates a generic described object. */
export const describe = (
  cls: PyGlobal,
  via: "new" | "reduce",
  args: ReadonlyArray<PyValue>
): PyObject => {
  const obj = new PyObject(cls.module, cls.name, via, args.slice())
  // these __reduce__s always return an items iterator (so an empty one still shows as [] in Python's view)
  const q = cls.qualifiedName
  if (q === "collections.OrderedDict" || q === "collections.defaultdict") obj.dictitems = []
  else if (q === "collections.deque") obj.listitems = []
  return obj
}
