/**
 * Views of numpy arrays/scalars and pandas DataFrames/Series over decoded pickles.
 *
 * Decoding always yields the faithful {@link PyObject} tree (that is what tagged JSON shows); these functions
 * interpret such trees on demand, without executing anything. They return `undefined` for shapes they do not
 * understand.
 *
 * @since 0.1.0
 */
import { PyDict, PyFloat, PyGlobal, PyObject, PyTuple } from "./PyValue.js"
import type { PyValue } from "./PyValue.js"

/**
 * Element storage of an {@link NdArray}: a typed array for plain numeric dtypes (`bool` as `Uint8Array`,
 * 64-bit ints and `datetime64`/`timedelta64` ticks as `BigInt64Array`/`BigUint64Array`, complex numbers as
 * interleaved real/imag floats, `float16` as raw `Uint16Array`), strings for `U`/`S`, else decoded values.
 *
 * @since 0.1.0
 * @category models
 */
export type NdData =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | ReadonlyArray<PyValue>

/**
 * A numpy array (or scalar, with `shape: []`). `dtype` is numpy's `dtype.str` (e.g. `"<i8"`, `"|b1"`,
 * `"<M8[ns]"`, `"|O"`); `data` holds the elements in memory order (C order, or Fortran order when
 * `fortranOrder`).
 *
 * @since 0.1.0
 * @category models
 */
export interface NdArray {
  readonly dtype: string
  readonly shape: ReadonlyArray<number>
  readonly fortranOrder: boolean
  readonly data: NdData
}

/**
 * One column of a {@link DataFrame} (or the values of a {@link Series}): `dtype` is pandas' dtype name
 * (`"int64"`, `"float64"`, `"bool"`, `"object"`, `"str"`, `"datetime64[ns]"`, …).
 *
 * @since 0.1.0
 * @category models
 */
export interface Column {
  readonly name: PyValue
  readonly dtype: string
  readonly values: NdData
}

/**
 * A pandas DataFrame as named columns plus the row index labels.
 *
 * @since 0.1.0
 * @category models
 */
export interface DataFrame {
  readonly index: ReadonlyArray<PyValue>
  readonly columns: ReadonlyArray<Column>
}

/**
 * A pandas Series.
 *
 * @since 0.1.0
 * @category models
 */
export interface Series extends Column {
  readonly index: ReadonlyArray<PyValue>
}

const NUMPY_CORE = new Set(["numpy.core.multiarray", "numpy._core.multiarray"])
const isObj = (v: PyValue | undefined, module: string | Set<string>, name: string): v is PyObject =>
  v instanceof PyObject && v.name === name && (typeof module === "string" ? v.module === module : module.has(v.module))
const tupleItems = (v: PyValue | undefined): ReadonlyArray<PyValue> | undefined =>
  v instanceof PyTuple ? v.items : Array.isArray(v) ? v : undefined
const num = (v: PyValue | undefined): number | undefined =>
  typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined

/** numpy `dtype.str` of a pickled `numpy.dtype` object. */
const dtypeString = (d: PyValue | undefined): string | undefined => {
  if (!isObj(d, "numpy", "dtype") || typeof d.args[0] !== "string") return undefined
  const st = tupleItems(d.state) ?? []
  const typ = d.args[0]
  const kind = typ[0]
  let order = typeof st[1] === "string" ? st[1] : "|"
  if (order === "=") order = "<" // little-endian hosts only (all supported runtimes)
  if (kind === "O") return "|O"
  if (kind === "U" || kind === "S" || kind === "V") {
    const elsize = num(st[5]) ?? 0
    return `${kind === "U" ? order : "|"}${kind}${kind === "U" ? elsize / 4 : elsize}`
  }
  if (kind === "M" || kind === "m") {
    const meta = tupleItems(tupleItems(st[8])?.[1])
    const unit = meta?.[0] instanceof Uint8Array ? new TextDecoder().decode(meta[0]) : "generic"
    const count = num(meta?.[1]) ?? 1
    return `${order}${typ}${unit === "generic" ? "" : `[${count === 1 ? "" : count}${unit}]`}`
  }
  return `${Number(typ.slice(1)) === 1 ? "|" : order}${typ}`
}

/** Elements of raw numpy bytes for a dtype string. */
const elements = (dtype: string, raw: Uint8Array): NdData | undefined => {
  const order = dtype[0]
  const kind = dtype[1]
  const size = Number(/^\D+(\d+)/.exec(dtype.slice(1))?.[1] ?? "0")
  const big = order === ">"
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
  const read = <T extends { [i: number]: number | bigint }>(
    make: (n: number) => T,
    width: number,
    get: (off: number) => number | bigint
  ): T => {
    const n = Math.floor(raw.length / width)
    const out = make(n)
    for (let i = 0; i < n; i++) out[i] = get(i * width)
    return out
  }
  const le = !big
  switch (kind) {
    case "b":
      return raw.slice()
    case "i":
      return size === 1
        ? new Int8Array(raw.slice().buffer)
        : size === 2
        ? read((n) => new Int16Array(n), 2, (o) => view.getInt16(o, le))
        : size === 4
        ? read((n) => new Int32Array(n), 4, (o) => view.getInt32(o, le))
        : size === 8
        ? read((n) => new BigInt64Array(n), 8, (o) => view.getBigInt64(o, le))
        : undefined
    case "u":
      return size === 1
        ? raw.slice()
        : size === 2
        ? read((n) => new Uint16Array(n), 2, (o) => view.getUint16(o, le))
        : size === 4
        ? read((n) => new Uint32Array(n), 4, (o) => view.getUint32(o, le))
        : size === 8
        ? read((n) => new BigUint64Array(n), 8, (o) => view.getBigUint64(o, le))
        : undefined
    case "f":
    case "c": {
      const w = kind === "c" ? size / 2 : size
      return w === 2
        ? read((n) => new Uint16Array(n), 2, (o) => view.getUint16(o, le))
        : w === 4
        ? read((n) => new Float32Array(n), 4, (o) => view.getFloat32(o, le))
        : w === 8
        ? read((n) => new Float64Array(n), 8, (o) => view.getFloat64(o, le))
        : undefined
    }
    case "M":
    case "m":
      return read((n) => new BigInt64Array(n), 8, (o) => view.getBigInt64(o, le))
    case "U": {
      const chars = size
      const out: Array<string> = []
      for (let off = 0; off + chars * 4 <= raw.length; off += chars * 4) {
        let s = ""
        for (let k = 0; k < chars; k++) {
          const cp = view.getUint32(off + k * 4, le)
          if (cp === 0) break
          s += String.fromCodePoint(cp)
        }
        out.push(s)
      }
      return out
    }
    case "S": {
      const out: Array<PyValue> = []
      for (let off = 0; off + size <= raw.length && size > 0; off += size) {
        let end = off + size
        while (end > off && raw[end - 1] === 0) end--
        out.push(raw.slice(off, end))
      }
      return out
    }
  }
  return undefined
}

/**
 * Interprets a numpy array (`_reconstruct` + `BUILD`) or numpy scalar (`numpy.core.multiarray.scalar`).
 *
 * @since 0.1.0
 * @category views
 */
export const asNdArray = (v: PyValue): NdArray | undefined => {
  if (isObj(v, NUMPY_CORE, "scalar")) {
    const dtype = dtypeString(v.args[0])
    if (dtype === undefined) return undefined
    const payload = v.args[1]
    if (dtype === "|O") return { dtype, shape: [], fortranOrder: false, data: [payload ?? null] }
    const data = payload instanceof Uint8Array ? elements(dtype, payload) : undefined
    return data === undefined ? undefined : { dtype, shape: [], fortranOrder: false, data }
  }
  if (!isObj(v, NUMPY_CORE, "_reconstruct")) return undefined
  const st = tupleItems(v.state)
  if (st === undefined) return undefined
  const [, shapeV, dtypeV, fortranV, raw] = st.length === 5 ? st : [1, ...st]
  const shape = tupleItems(shapeV)?.map((x) => num(x) ?? 0)
  const dtype = dtypeString(dtypeV)
  if (shape === undefined || dtype === undefined) return undefined
  const data = Array.isArray(raw) ? raw : raw instanceof Uint8Array ? elements(dtype, raw) : undefined
  return data === undefined ? undefined : { dtype, shape, fortranOrder: fortranV === true, data }
}

const NUMPY_NAMES: Record<string, string> = {
  b1: "bool", i1: "int8", i2: "int16", i4: "int32", i8: "int64", u1: "uint8", u2: "uint16", u4: "uint32",
  u8: "uint64", f2: "float16", f4: "float32", f8: "float64", c8: "complex64", c16: "complex128", O: "object"
}
/** pandas' name of a numpy dtype string (`"<i8"` → `"int64"`, `"<M8[ns]"` → `"datetime64[ns]"`). */
const pandasName = (dtype: string): string => {
  const body = dtype.slice(1)
  if (body.startsWith("M8")) return `datetime64${body.slice(2)}`
  if (body.startsWith("m8")) return `timedelta64${body.slice(2)}`
  return NUMPY_NAMES[body] ?? body
}

/** 1-D values of an array-like block value: ndarray, or a pandas NDArrayBacked extension array. */
const arrayValues = (v: PyValue): { dtype: string; arr: NdArray } | undefined => {
  const nd = asNdArray(v)
  if (nd !== undefined) return { dtype: pandasName(nd.dtype), arr: nd }
  if (isObj(v, "pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked")) {
    const st = tupleItems(v.state) ?? []
    const [dt, data] = st
    const inner = data === undefined ? undefined : asNdArray(data)
    if (inner === undefined) return undefined
    const cls = v.args[0] instanceof PyGlobal ? v.args[0].name : ""
    let dtype = pandasName(inner.dtype)
    if (isObj(dt, "pandas", "StringDtype") || (dt instanceof PyObject && dt.name === "StringDtype")) {
      dtype = dt.args[1] instanceof PyFloat ? "str" : "string"
    } else if (cls === "DatetimeArray" && dt instanceof PyObject && dt.name === "DatetimeTZDtype") {
      dtype = `datetime64[${String(dt.state instanceof PyDict ? dt.state.get("unit") : "ns")}, tz]`
    }
    return { dtype, arr: inner }
  }
  return undefined
}

/** Rows `[r]` of a 2-D block (C or Fortran order), or the whole 1-D array. */
const row = (arr: NdArray, r: number): NdData => {
  if (arr.shape.length < 2) return arr.data
  const [rows, cols] = arr.shape
  const d = arr.data
  if (!arr.fortranOrder) {
    return Array.isArray(d) ? d.slice(r * cols, (r + 1) * cols) : (d as Float64Array).slice(r * cols, (r + 1) * cols)
  }
  const pick = Array.from({ length: cols }, (_, c) => c * rows + r)
  if (Array.isArray(d)) return pick.map((i) => d[i])
  const out = (d as Float64Array).slice(0, cols)
  pick.forEach((i, k) => (out[k] = (d as Float64Array)[i]))
  return out
}

const locsOf = (v: PyValue | undefined, count: number): Array<number> | undefined => {
  if (isObj(v, "builtins", "slice")) {
    const [start, stop, step] = v.args.map((x) => (x === null ? undefined : num(x)))
    const out: Array<number> = []
    for (let i = start ?? 0, k = 0; k < count && (stop === undefined || i < stop); i += step ?? 1, k++) out.push(i)
    return out
  }
  const nd = v === undefined ? undefined : asNdArray(v)
  return nd === undefined ? undefined : Array.from(nd.data as ArrayLike<number | bigint>, (x) => Number(x))
}

/** Labels of a pickled pandas Index (`_new_Index(cls, {...})`). */
const indexLabels = (v: PyValue | undefined): Array<PyValue> | undefined => {
  if (!isObj(v, "pandas.core.indexes.base", "_new_Index") || !(v.args[1] instanceof PyDict)) return undefined
  const d = v.args[1]
  const cls = v.args[0] instanceof PyGlobal ? v.args[0].name : ""
  if (cls === "RangeIndex") {
    const start = num(d.get("start") ?? 0) ?? 0
    const stop = num(d.get("stop") ?? 0) ?? 0
    const step = num(d.get("step") ?? 1) ?? 1
    const out: Array<number> = []
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i)
    return out
  }
  const data = d.get("data")
  const vals = data === undefined ? undefined : arrayValues(data)
  if (vals === undefined) return undefined
  const arr = vals.arr.data
  return Array.isArray(arr) ? arr.slice() : Array.from(arr as ArrayLike<number | bigint>, (x) =>
    typeof x === "bigint" ? (Number.isSafeInteger(Number(x)) ? Number(x) : x) : x)
}

interface Block {
  readonly values: PyValue
  readonly locs: PyValue | undefined
}

/** Axes and blocks of a pickled BlockManager (pandas ≥ 3 reduce form, or the older `"0.14.1"` state form). */
const managerParts = (mgr: PyValue | undefined): { axes: ReadonlyArray<PyValue>; blocks: Array<Block> } | undefined => {
  if (!(mgr instanceof PyObject)) return undefined
  if (mgr.via === "reduce" && mgr.args.length >= 2) {
    const blocks = tupleItems(mgr.args[0])
    const axes = tupleItems(mgr.args[1])
    if (blocks === undefined || axes === undefined) return undefined
    const out: Array<Block> = []
    for (const b of blocks) {
      if (!isObj(b, "pandas._libs.internals", "_unpickle_block")) return undefined
      out.push({ values: b.args[0], locs: b.args[1] })
    }
    return { axes, blocks: out }
  }
  const st = tupleItems(mgr.state)
  const extra = st?.[3]
  const v = extra instanceof PyDict ? extra.get("0.14.1") : undefined
  if (!(v instanceof PyDict)) return undefined
  const axes = tupleItems(v.get("axes"))
  const blocks = tupleItems(v.get("blocks"))
  if (axes === undefined || blocks === undefined) return undefined
  return {
    axes,
    blocks: blocks.map((b) => ({
      values: b instanceof PyDict ? b.get("values") ?? null : null,
      locs: b instanceof PyDict ? b.get("mgr_locs") : undefined
    }))
  }
}

const stateOf = (v: PyValue, name: string): PyDict | undefined =>
  v instanceof PyObject && v.name === name && (v.module === "pandas" || v.module.startsWith("pandas.")) &&
    v.state instanceof PyDict
    ? v.state
    : undefined

/**
 * Interprets a pickled pandas DataFrame as named columns (numeric, bool, object/str and datetime64 blocks).
 *
 * @since 0.1.0
 * @category views
 */
export const asDataFrame = (v: PyValue): DataFrame | undefined => {
  const parts = managerParts(stateOf(v, "DataFrame")?.get("_mgr"))
  if (parts === undefined) return undefined
  const columnsLabels = indexLabels(parts.axes[0])
  const index = indexLabels(parts.axes[1])
  if (columnsLabels === undefined || index === undefined) return undefined
  const columns: Array<Column | undefined> = new Array(columnsLabels.length)
  for (const b of parts.blocks) {
    const vals = arrayValues(b.values)
    if (vals === undefined) return undefined
    const nrows = vals.arr.shape.length >= 2 ? vals.arr.shape[0] : 1
    const locs = locsOf(b.locs, nrows)
    if (locs === undefined) return undefined
    locs.forEach((loc, r) => (columns[loc] = { name: columnsLabels[loc], dtype: vals.dtype, values: row(vals.arr, r) }))
  }
  if (columns.some((c) => c === undefined)) return undefined
  return { index, columns: columns as Array<Column> }
}

/**
 * Interprets a pickled pandas Series.
 *
 * @since 0.1.0
 * @category views
 */
export const asSeries = (v: PyValue): Series | undefined => {
  const st = stateOf(v, "Series")
  const mgr = st?.get("_mgr")
  const parts = managerParts(mgr)
  if (st === undefined || parts === undefined) {
    // SingleBlockManager state: (axes, [values], axes, {...})
    const s = mgr instanceof PyObject ? tupleItems(mgr.state) : undefined
    if (st === undefined || s === undefined) return undefined
    const axes = tupleItems(s[0])
    const values = tupleItems(s[1])?.[0]
    const index = indexLabels(axes?.[0])
    const vals = values === undefined ? undefined : arrayValues(values)
    if (index === undefined || vals === undefined) return undefined
    return { name: st.get("_name") ?? null, dtype: vals.dtype, values: vals.arr.data, index }
  }
  const index = indexLabels(parts.axes[0])
  const vals = parts.blocks[0] === undefined ? undefined : arrayValues(parts.blocks[0].values)
  if (index === undefined || vals === undefined) return undefined
  return { name: st.get("_name") ?? null, dtype: vals.dtype, values: vals.arr.data, index }
}
