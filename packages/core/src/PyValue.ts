/**
 * The value model of Python objects decoded from pickles.
 *
 * Design: JS primitives where they are lossless (`null` = None, `boolean` = bool, `number` = int that is a safe
 * integer, `bigint` = any other int, `string` = str incl. lone surrogates, `Uint8Array` = bytes, `Array` = list),
 * small classes for everything else. A plain JS `number` is ALWAYS a Python int; floats are {@link PyFloat}.
 * Containers are mutable while a pickle is being decoded (cycles are built in place) and keep JS identity for
 * shared references.
 *
 * @since 0.1.0
 */

/**
 * Any decoded Python value.
 *
 * @since 0.1.0
 * @category models
 */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyList
  | PyFloat
  | PyComplex
  | PyByteArray
  | PyTuple
  | PyDict
  | PySet
  | PyFrozenSet
  | PyDateTime
  | PyDate
  | PyTime
  | PyTimeDelta
  | PyTimezone
  | PyZoneInfo
  | PyDecimal
  | PyUuid
  | PyGlobal
  | PyObject

/**
 * A Python `list` (a plain mutable JS array).
 *
 * @since 0.1.0
 * @category models
 */
export interface PyList extends Array<PyValue> {}

/**
 * A Python `float` (kept apart from ints: Python `1.0` is not `1`). Holds NaN, ±Infinity and -0.
 *
 * @since 0.1.0
 * @category models
 */
export class PyFloat {
  readonly _tag = "PyFloat"
  constructor(readonly value: number) {}
}

/**
 * A Python `complex`.
 *
 * @since 0.1.0
 * @category models
 */
export class PyComplex {
  readonly _tag = "PyComplex"
  constructor(readonly real: number, readonly imag: number) {}
}

/**
 * A Python `bytearray` (mutable bytes; identity-tracked, unlike `bytes` which are plain `Uint8Array`s).
 *
 * @since 0.1.0
 * @category models
 */
export class PyByteArray {
  readonly _tag = "PyByteArray"
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * A Python `tuple`.
 *
 * @since 0.1.0
 * @category models
 */
export class PyTuple {
  readonly _tag = "PyTuple"
  constructor(readonly items: ReadonlyArray<PyValue>) {}
}

/**
 * A primitive lookup key following Python equality for the common hashable scalars (`1 == 1.0 == True`), or
 * `undefined` when the value has no cheap key (then it never collides).
 */
const primitiveKey = (k: PyValue): string | undefined => {
  switch (typeof k) {
    case "string":
      return "s" + k
    case "number":
    case "bigint":
      return "n" + String(k)
    case "boolean":
      return k ? "n1" : "n0"
    case "object":
      if (k === null) return "N"
      if (k instanceof PyFloat) {
        const v = k.value
        if (Number.isInteger(v)) return "n" + (Number.isSafeInteger(v) ? String(v) : BigInt(v).toString())
        return Number.isNaN(v) ? undefined : "f" + String(v)
      }
      return undefined
    default:
      return undefined
  }
}

/**
 * A Python `dict`: entries of any key type, in insertion order. Setting an existing key (by Python equality for
 * str/int/float/bool/None keys) replaces its value in place, like Python.
 *
 * @since 0.1.0
 * @category models
 */
export class PyDict {
  readonly _tag = "PyDict"
  private readonly _keys: Array<PyValue> = []
  private readonly _values: Array<PyValue> = []
  private readonly index = new Map<string, number>()

  /** Number of entries. */
  get size(): number {
    return this._keys.length
  }

  /** Keys in insertion order. */
  keys(): ReadonlyArray<PyValue> {
    return this._keys
  }

  /** Values in insertion order. */
  values(): ReadonlyArray<PyValue> {
    return this._values
  }

  /** `[key, value]` pairs in insertion order (a fresh array). */
  entries(): Array<[PyValue, PyValue]> {
    const out: Array<[PyValue, PyValue]> = new Array(this._keys.length)
    for (let i = 0; i < this._keys.length; i++) out[i] = [this._keys[i], this._values[i]]
    return out
  }

  /** Sets `key` to `value` (replacing an equal primitive key, or the same object key). */
  set(key: PyValue, value: PyValue): this {
    const pk = primitiveKey(key)
    if (pk !== undefined) {
      const at = this.index.get(pk)
      if (at !== undefined) {
        this._values[at] = value
        return this
      }
      this.index.set(pk, this._keys.length)
    }
    this._keys.push(key)
    this._values.push(value)
    return this
  }

  /** Looks a key up (primitive keys by Python equality, other keys by identity). */
  get(key: PyValue): PyValue | undefined {
    const pk = primitiveKey(key)
    if (pk !== undefined) {
      const at = this.index.get(pk)
      return at === undefined ? undefined : this._values[at]
    }
    const at = this._keys.indexOf(key)
    return at < 0 ? undefined : this._values[at]
  }

  /** Builds a dict from pairs. */
  static fromEntries(entries: Iterable<readonly [PyValue, PyValue]>): PyDict {
    const d = new PyDict()
    for (const [k, v] of entries) d.set(k, v)
    return d
  }
}

/**
 * Shared body of {@link PySet} and {@link PyFrozenSet}: elements in pickle order, primitive duplicates dropped.
 */
abstract class SetBase {
  private readonly _items: Array<PyValue> = []
  private readonly index = new Set<string>()

  /** Elements, in the order they were added. */
  get items(): ReadonlyArray<PyValue> {
    return this._items
  }

  /** Number of elements. */
  get size(): number {
    return this._items.length
  }

  /** Adds an element (ignored if an equal primitive element exists). */
  add(v: PyValue): this {
    const pk = primitiveKey(v)
    if (pk !== undefined) {
      if (this.index.has(pk)) return this
      this.index.add(pk)
    }
    this._items.push(v)
    return this
  }

  /** Membership test (primitives by Python equality, objects by identity). */
  has(v: PyValue): boolean {
    const pk = primitiveKey(v)
    return pk !== undefined ? this.index.has(pk) : this._items.includes(v)
  }
}

/**
 * A Python `set`.
 *
 * @since 0.1.0
 * @category models
 */
export class PySet extends SetBase {
  readonly _tag = "PySet"
  /** Builds a set from elements. */
  static of(items: Iterable<PyValue>): PySet {
    const s = new PySet()
    for (const v of items) s.add(v)
    return s
  }
}

/**
 * A Python `frozenset`.
 *
 * @since 0.1.0
 * @category models
 */
export class PyFrozenSet extends SetBase {
  readonly _tag = "PyFrozenSet"
  /** Builds a frozenset from elements. */
  static of(items: Iterable<PyValue>): PyFrozenSet {
    const s = new PyFrozenSet()
    for (const v of items) s.add(v)
    return s
  }
}

/**
 * A `datetime.datetime`: wall-clock fields, optional `tzinfo` (usually {@link PyTimezone} or {@link PyZoneInfo},
 * but any decoded value, e.g. a pytz {@link PyObject}) and `fold`.
 *
 * @since 0.1.0
 * @category models
 */
export class PyDateTime {
  readonly _tag = "PyDateTime"
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    readonly tzinfo: PyValue = null,
    readonly fold: 0 | 1 = 0
  ) {}
}

/**
 * A `datetime.date`.
 *
 * @since 0.1.0
 * @category models
 */
export class PyDate {
  readonly _tag = "PyDate"
  constructor(readonly year: number, readonly month: number, readonly day: number) {}
}

/**
 * A `datetime.time`.
 *
 * @since 0.1.0
 * @category models
 */
export class PyTime {
  readonly _tag = "PyTime"
  constructor(
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    readonly tzinfo: PyValue = null,
    readonly fold: 0 | 1 = 0
  ) {}
}

/**
 * A `datetime.timedelta` in Python's normalised form (`0 <= seconds < 86400`, `0 <= microseconds < 10**6`).
 *
 * @since 0.1.0
 * @category models
 */
export class PyTimeDelta {
  readonly _tag = "PyTimeDelta"
  readonly days: number
  readonly seconds: number
  readonly microseconds: number
  constructor(days: number, seconds = 0, microseconds = 0) {
    // normalise like Python (exact for |total| < 2**53 microseconds, i.e. ±285 years; days stay exact beyond)
    let us = microseconds
    let s = seconds + Math.floor(us / 1_000_000)
    us = us - Math.floor(us / 1_000_000) * 1_000_000
    const d = days + Math.floor(s / 86400)
    s = s - Math.floor(s / 86400) * 86400
    this.days = d
    this.seconds = s
    this.microseconds = us
  }
  /** Total length in microseconds (may lose precision beyond 2**53). */
  get totalMicroseconds(): number {
    return (this.days * 86400 + this.seconds) * 1_000_000 + this.microseconds
  }
}

/**
 * A `datetime.timezone` (fixed offset; `name` only when given to the constructor).
 *
 * @since 0.1.0
 * @category models
 */
export class PyTimezone {
  readonly _tag = "PyTimezone"
  constructor(readonly offset: PyTimeDelta, readonly name: string | null = null) {}
}

/**
 * A `zoneinfo.ZoneInfo` (IANA key such as `"Europe/Paris"`).
 *
 * @since 0.1.0
 * @category models
 */
export class PyZoneInfo {
  readonly _tag = "PyZoneInfo"
  constructor(readonly key: string) {}
}

/**
 * A `decimal.Decimal`, kept as its exact string (`str(d)`: exponent, `NaN`, `-0`, … preserved).
 *
 * @since 0.1.0
 * @category models
 */
export class PyDecimal {
  readonly _tag = "PyDecimal"
  constructor(readonly value: string) {}
}

/**
 * A `uuid.UUID` in canonical `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` form (lower-case hex).
 *
 * @since 0.1.0
 * @category models
 */
export class PyUuid {
  readonly _tag = "PyUuid"
  constructor(public value: string) {}
  /** Builds the canonical form from the 128-bit integer Python pickles. */
  static fromInt(n: bigint): PyUuid {
    const hex = BigInt.asUintN(128, n).toString(16).padStart(32, "0")
    return new PyUuid(
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    )
  }
}

/**
 * A class, function or singleton referenced by name (`GLOBAL`/`STACK_GLOBAL`); nothing is imported or executed.
 *
 * @since 0.1.0
 * @category models
 */
export class PyGlobal {
  readonly _tag = "PyGlobal"
  constructor(readonly module: string, readonly name: string) {}
  /** `"module.name"`. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`
  }
}

/**
 * Any other object, described by how the pickle builds it (its `__reduce_ex__`): `via: "new"` is
 * `cls.__new__(cls, *args, **kwargs)`, `via: "reduce"` is `callable(*args)`; `state` is the `BUILD` argument,
 * `listitems`/`dictitems` what `APPEND(S)`/`SETITEM(S)` added. OrderedDict, defaultdict, Counter, deque, range,
 * enum members, namedtuples, exceptions, numpy arrays and pandas frames all arrive as `PyObject`s.
 *
 * @since 0.1.0
 * @category models
 */
export class PyObject {
  readonly _tag = "PyObject"
  /** Keyword arguments of `NEWOBJ_EX` (omitted when empty). */
  kwargs: PyDict | undefined = undefined
  /** `BUILD` argument (`undefined` when there was none or it was None). */
  state: PyValue | undefined = undefined
  /** Items appended by `APPEND`/`APPENDS`, if any. */
  listitems: Array<PyValue> | undefined = undefined
  /** Items set by `SETITEM`/`SETITEMS`, if any. */
  dictitems: Array<[PyValue, PyValue]> | undefined = undefined
  constructor(
    readonly module: string,
    readonly name: string,
    readonly via: "new" | "reduce",
    public args: Array<PyValue>
  ) {}
  /** `"module.name"` of the class (or callable). */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`
  }
}

/**
 * `true` for a Python `list`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isList = (v: PyValue): v is PyList => Array.isArray(v)

/**
 * `true` for Python `bytes`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isBytes = (v: PyValue): v is Uint8Array => v instanceof Uint8Array

/**
 * `true` for a Python `int` (safe-integer `number` or `bigint`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isInt = (v: PyValue): v is number | bigint => typeof v === "number" || typeof v === "bigint"

/**
 * `true` for a {@link PyObject} of the given class.
 *
 * @since 0.1.0
 * @category guards
 */
export const isObjectOf = (v: PyValue, module: string, name: string): v is PyObject =>
  v instanceof PyObject && v.module === module && v.name === name

/**
 * Builds a Python int from a bigint: a `number` when it is a safe integer, else the `bigint`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const int = (n: bigint): number | bigint => {
  const asNumber = Number(n)
  return Number.isSafeInteger(asNumber) ? asNumber : n
}
