/**
 * The pickle virtual machine: an iterative interpreter of every opcode of protocols 0–5 (as listed by CPython's
 * `pickletools`). It never imports or calls anything: globals are names, calls are descriptions.
 * @internal
 */
import {
  int,
  PyByteArray,
  PyDict,
  PyFloat,
  PyFrozenSet,
  PyGlobal,
  PyObject,
  PySet,
  PyTuple
} from "../../PyValue.js"
import type { PyValue } from "../../PyValue.js"
import { IMPORT_MAPPING, NAME_MAPPING } from "./compat.js"
import { PickleError } from "./error.js"
import type { PickleErrorReason } from "./error.js"
import { buildKnown, describe, newKnown, reduceKnown } from "./reducers.js"
import {
  decodeAscii,
  decodeLatin1,
  decodeRawUnicodeEscape,
  decodeStringLiteral,
  decodeUtf8SurrogatePass
} from "./text.js"

/** Resource bounds of one decode (see `Pickle.Limits`). */
export interface Limits {
  readonly maxDepth: number
  readonly maxBytes: number
  readonly maxMemo: number
  readonly maxContainerLength: number
}

/** User decoders: `"module.name"` → replacement of each such `PyObject`. */
export type ClassDecoders = Readonly<Record<string, (obj: PyObject) => PyValue>>

const EMPTY_BYTES = new Uint8Array(0)
const INT_TEXT = /^\s*([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)\s*$/
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const SPECIAL_FLOAT = /^([+-]?)(nan|inf|infinity)$/i

const isContainer = (v: PyValue): v is Exclude<PyValue, null | boolean | number | bigint | string | Uint8Array | PyFloat> =>
  typeof v === "object" && v !== null && !(v instanceof Uint8Array) && !(v instanceof PyFloat)

/**
 * Decodes one pickle (everything after its STOP opcode is ignored, like `pickle.loads`). Throws `PickleError`.
 */
export const decodeSync = (b: Uint8Array, limits: Limits, decoders?: ClassDecoders): PyValue => {
  const len = b.length
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  let pos = 0
  let opStart = 0
  let proto = 0
  let allocated = 0
  const stack: Array<PyValue> = []
  const marks: Array<number> = []
  const memo = new Map<number, PyValue>()
  const depths = new Map<object, number>()

  const fail = (reason: typeof PickleErrorReason.Type, detail: string): never => {
    throw new PickleError({ reason, offset: opStart, detail })
  }
  const need = (n: number): void => {
    if (n > len - pos) fail("Truncated", `needs ${n} more bytes, ${len - pos} left`)
  }
  const u8 = (): number => {
    need(1)
    return b[pos++]
  }
  const u16 = (): number => {
    need(2)
    const v = view.getUint16(pos, true)
    pos += 2
    return v
  }
  const u32 = (): number => {
    need(4)
    const v = view.getUint32(pos, true)
    pos += 4
    return v
  }
  const i32 = (): number => {
    need(4)
    const v = view.getInt32(pos, true)
    pos += 4
    return v
  }
  /** A 64-bit length; anything beyond the remaining input is Truncated before any allocation. */
  const len64 = (): number => {
    need(8)
    const lo = view.getUint32(pos, true)
    const hi = view.getUint32(pos + 4, true)
    pos += 8
    const n = hi * 4294967296 + lo
    if (n > len - pos) fail("Truncated", `length ${hi >= 0x200000 ? "≥ 2**53" : n} exceeds the ${len - pos} bytes left`)
    return n
  }
  const alloc = (n: number): void => {
    allocated += n
    if (allocated > limits.maxBytes) fail("LimitExceeded", `allocation exceeds maxBytes (${limits.maxBytes})`)
  }
  const take = (n: number): [number, number] => {
    need(n)
    alloc(n)
    const start = pos
    pos += n
    return [start, pos]
  }
  const bytes = (n: number): Uint8Array => {
    if (n === 0) return EMPTY_BYTES.slice()
    const [s, e] = take(n)
    return b.slice(s, e)
  }
  const utf8 = (n: number): string => {
    const [s, e] = take(n)
    const str = decodeUtf8SurrogatePass(b, s, e)
    return str ?? fail("Malformed", "invalid UTF-8 in a str")
  }
  /** One `\n`-terminated line (without the newline) as [start, end). */
  const line = (): [number, number] => {
    const nl = b.indexOf(0x0a, pos)
    if (nl < 0) fail("Truncated", "unterminated line argument")
    const start = pos
    pos = nl + 1
    return [start, nl]
  }
  const lineText = (): string => {
    const [s, e] = line()
    return decodeLatin1(b, s, e)
  }
  const lineUtf8 = (): string => {
    const [s, e] = line()
    return decodeUtf8SurrogatePass(b, s, e) ?? fail("Malformed", "invalid UTF-8 in a name")
  }
  const parseInt = (text: string): number | bigint => {
    const m = INT_TEXT.exec(text)
    if (m === null) return fail("Malformed", `invalid int literal ${JSON.stringify(text.slice(0, 40))}`)
    const body = m[2].replace(/_/g, "")
    if (body.length < 16 && /^[0-9]+$/.test(body)) {
      const n = Number(body)
      return m[1] === "-" ? -n : n
    }
    const big = BigInt(body)
    return int(m[1] === "-" ? -big : big)
  }
  const parseFloat = (text: string): number => {
    const t = text.trim()
    const sp = SPECIAL_FLOAT.exec(t)
    if (sp !== null) {
      const v = sp[2].toLowerCase() === "nan" ? NaN : Infinity
      return sp[1] === "-" ? -v : v
    }
    if (!FLOAT_TEXT.test(t)) return fail("Malformed", `invalid float literal ${JSON.stringify(t.slice(0, 40))}`)
    return Number(t)
  }
  /** Little-endian two's complement (LONG1/LONG4). */
  const long = (n: number): number | bigint => {
    if (n === 0) return 0
    const [s, e] = take(n)
    if (n <= 6) {
      let v = 0
      for (let i = e - 1; i >= s; i--) v = v * 256 + b[i]
      return b[e - 1] >= 0x80 ? v - 2 ** (8 * n) : v
    }
    const hex = new Array<string>(n)
    for (let i = 0; i < n; i++) hex[i] = b[e - 1 - i].toString(16).padStart(2, "0")
    let big = BigInt("0x" + hex.join(""))
    if (b[e - 1] >= 0x80) big -= 1n << BigInt(8 * n)
    return int(big)
  }

  const base = (): number => (marks.length === 0 ? 0 : marks[marks.length - 1])
  const push = (v: PyValue): void => {
    if (stack.length >= limits.maxContainerLength) fail("LimitExceeded", "stack exceeds maxContainerLength")
    stack.push(v)
  }
  const pop = (): PyValue => {
    if (stack.length <= base()) fail("StackUnderflow", "pop from an empty stack")
    return stack.pop()!
  }
  const top = (): PyValue => {
    if (stack.length <= base()) fail("StackUnderflow", "empty stack")
    return stack[stack.length - 1]
  }
  const popMark = (): Array<PyValue> => {
    if (marks.length === 0) fail("StackUnderflow", "MARK not found")
    const k = marks.pop()!
    const items = stack.slice(k)
    stack.length = k
    alloc(8 * items.length)
    return items
  }

  /** Records that `child` now lives inside `parent` (nesting bound; exact for bottom-up built values). */
  const nest = (parent: object, child: PyValue): void => {
    if (!isContainer(child)) return
    const d = (depths.get(child) ?? 1) + 1
    if (d > (depths.get(parent) ?? 1)) {
      if (d > limits.maxDepth) fail("LimitExceeded", `nesting deeper than maxDepth (${limits.maxDepth})`)
      depths.set(parent, d)
    }
  }
  const nestAll = (parent: object, children: ReadonlyArray<PyValue>): void => {
    let d = 0
    for (let i = 0; i < children.length; i++) {
      const c = children[i]
      if (isContainer(c)) {
        const cd = depths.get(c) ?? 1
        if (cd > d) d = cd
      }
    }
    if (d > 0) {
      d += 1
      if (d > (depths.get(parent) ?? 1)) {
        if (d > limits.maxDepth) fail("LimitExceeded", `nesting deeper than maxDepth (${limits.maxDepth})`)
        depths.set(parent, d)
      }
    }
  }
  const checkLength = (n: number): void => {
    if (n > limits.maxContainerLength) fail("LimitExceeded", `container longer than maxContainerLength`)
  }

  const memoPut = (i: number, v: PyValue): void => {
    if (!memo.has(i) && memo.size >= limits.maxMemo) fail("LimitExceeded", `memo exceeds maxMemo (${limits.maxMemo})`)
    memo.set(i, v)
  }
  const memoGet = (i: number): PyValue => {
    const v = memo.get(i)
    return v === undefined ? fail("MemoMiss", `memo key ${i} not found`) : v
  }

  const findClass = (module: string, name: string): PyGlobal => {
    if (proto < 3) {
      const mapped = NAME_MAPPING.get(`${module} ${name}`)
      if (mapped !== undefined) return new PyGlobal(mapped[0], mapped[1])
      const m = IMPORT_MAPPING.get(module)
      if (m !== undefined) return new PyGlobal(m, name)
    }
    return new PyGlobal(module, name)
  }
  const asArgs = (v: PyValue, what: string): ReadonlyArray<PyValue> => {
    if (v instanceof PyTuple) return v.items
    if (Array.isArray(v)) return v
    return fail("Malformed", `${what}: arguments are not a tuple`)
  }
  const asClass = (v: PyValue, what: string): PyGlobal =>
    v instanceof PyGlobal ? v : fail("Unsupported", `${what}: class is not a named global`)

  const instantiate = (cls: PyGlobal, args: ReadonlyArray<PyValue>, kwargs?: PyValue): PyValue => {
    if (kwargs === undefined || (kwargs instanceof PyDict && kwargs.size === 0)) {
      const known = newKnown(cls, args)
      if (known !== undefined) return known
    }
    const obj = describe(cls, "new", args)
    nestAll(obj, args)
    if (kwargs !== undefined) {
      if (!(kwargs instanceof PyDict)) return fail("Malformed", "NEWOBJ_EX: kwargs is not a dict")
      if (kwargs.size > 0) {
        obj.kwargs = kwargs
        nest(obj, kwargs)
      }
    }
    return obj
  }
  const call = (fn: PyValue, args: ReadonlyArray<PyValue>): PyValue => {
    if (!(fn instanceof PyGlobal)) return fail("Unsupported", "REDUCE of a callable that is not a named global")
    switch (fn.qualifiedName) {
      case "copyreg._reconstructor": {
        // protocols 0/1: copyreg._reconstructor(cls, base, state)
        const [cls, baseCls, state = null] = args
        const c = asClass(cls ?? null, "_reconstructor")
        const bq = baseCls instanceof PyGlobal ? baseCls.qualifiedName : ""
        if (bq === "builtins.object") return instantiate(c, [])
        if (bq === "builtins.tuple" && state instanceof PyTuple) return instantiate(c, state.items)
        const obj = describe(c, "new", [])
        if (bq === "builtins.list" && Array.isArray(state)) obj.listitems = state.slice()
        else if (bq === "builtins.dict" && state instanceof PyDict) obj.dictitems = state.entries()
        else obj.args = [state]
        nest(obj, state)
        return obj
      }
      case "copyreg.__newobj__":
        return instantiate(asClass(args[0] ?? null, "__newobj__"), args.slice(1))
      case "copyreg.__newobj_ex__":
        return instantiate(asClass(args[0] ?? null, "__newobj_ex__"), asArgs(args[1] ?? null, "__newobj_ex__"), args[2])
    }
    const known = reduceKnown(fn, args, fail)
    if (known !== undefined) return known
    const obj = describe(fn, "reduce", args)
    nestAll(obj, args)
    return obj
  }

  const appendTo = (target: PyValue, items: ReadonlyArray<PyValue>): void => {
    let list: Array<PyValue>
    if (Array.isArray(target)) list = target
    else if (target instanceof PyObject) list = target.listitems ??= []
    else return fail("Malformed", "APPEND to a value that is not a list")
    checkLength(list.length + items.length)
    alloc(8 * items.length)
    for (let i = 0; i < items.length; i++) list.push(items[i])
    nestAll(target as object, items)
  }
  const setItems = (target: PyValue, items: ReadonlyArray<PyValue>): void => {
    if (items.length % 2 !== 0) fail("Malformed", "SETITEMS with an odd number of items")
    if (target instanceof PyDict) {
      checkLength(target.size + items.length / 2)
      for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1])
    } else if (target instanceof PyObject) {
      const di = (target.dictitems ??= [])
      checkLength(di.length + items.length / 2)
      for (let i = 0; i < items.length; i += 2) di.push([items[i], items[i + 1]])
    } else {
      fail("Malformed", "SETITEM on a value that is not a dict")
    }
    alloc(8 * items.length)
    nestAll(target as object, items)
  }
  const tuple = (items: Array<PyValue>): PyTuple => {
    const t = new PyTuple(items)
    nestAll(t, items)
    return t
  }

  while (true) {
    opStart = pos
    if (pos >= len) fail("Truncated", "pickle ended without STOP")
    const op = b[pos++]
    switch (op) {
      // ---- framing / protocol ----
      case 0x80: { // PROTO
        proto = u8()
        if (proto > 5) fail("Unsupported", `pickle protocol ${proto}`)
        break
      }
      case 0x95: // FRAME: frames are only a buffering hint
        len64()
        break
      case 0x2e: { // STOP
        const result = pop()
        return decoders === undefined || Object.keys(decoders).length === 0
          ? result
          : applyDecoders(result, decoders)
      }
      // ---- stack manipulation ----
      case 0x28: // MARK
        marks.push(stack.length)
        if (marks.length > limits.maxDepth) fail("LimitExceeded", `MARK nesting deeper than maxDepth`)
        break
      case 0x30: // POP
        if (stack.length > base()) stack.pop()
        else if (marks.length > 0) marks.pop()
        else fail("StackUnderflow", "POP from an empty stack")
        break
      case 0x31: // POP_MARK
        popMark()
        break
      case 0x32: // DUP
        push(top())
        break
      // ---- memo ----
      case 0x70: { // PUT
        const i = parseInt(lineText())
        if (typeof i !== "number" || i < 0) fail("Malformed", "bad PUT index")
        memoPut(i as number, top())
        break
      }
      case 0x71: // BINPUT
        memoPut(u8(), top())
        break
      case 0x72: // LONG_BINPUT
        memoPut(u32(), top())
        break
      case 0x94: // MEMOIZE
        memoPut(memo.size, top())
        break
      case 0x67: { // GET
        const i = parseInt(lineText())
        push(memoGet(typeof i === "number" ? i : -1))
        break
      }
      case 0x68: // BINGET
        push(memoGet(u8()))
        break
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()))
        break
      // ---- scalars ----
      case 0x4e: // NONE
        push(null)
        break
      case 0x88: // NEWTRUE
        push(true)
        break
      case 0x89: // NEWFALSE
        push(false)
        break
      case 0x49: { // INT (text; "00"/"01" are the protocol-0 bools)
        const [s, e] = line()
        if (e - s === 2 && b[s] === 0x30 && (b[s + 1] === 0x30 || b[s + 1] === 0x31)) push(b[s + 1] === 0x31)
        else push(parseInt(decodeLatin1(b, s, e)))
        break
      }
      case 0x4c: { // LONG (text, optional trailing L)
        let t = lineText()
        if (t.endsWith("L")) t = t.slice(0, -1)
        alloc(t.length)
        push(parseInt(t))
        break
      }
      case 0x4a: // BININT
        push(i32())
        break
      case 0x4b: // BININT1
        push(u8())
        break
      case 0x4d: // BININT2
        push(u16())
        break
      case 0x8a: // LONG1
        push(long(u8()))
        break
      case 0x8b: { // LONG4
        const n = i32()
        if (n < 0) fail("Malformed", "LONG4 with a negative length")
        push(long(n))
        break
      }
      case 0x46: // FLOAT (text)
        push(new PyFloat(parseFloat(lineText())))
        break
      case 0x47: { // BINFLOAT (big-endian double)
        need(8)
        push(new PyFloat(view.getFloat64(pos, false)))
        pos += 8
        break
      }
      // ---- strings and bytes ----
      case 0x53: { // STRING: Python-2 str literal, decoded as ASCII like pickle's default encoding
        const [s, e] = line()
        alloc(e - s)
        const raw = decodeStringLiteral(b, s, e) ?? fail("Malformed", "STRING argument is not a quoted literal")
        push(decodeAscii(raw) ?? fail("Malformed", "non-ASCII STRING (Python 2 str) cannot be decoded as ASCII"))
        break
      }
      case 0x54: // BINSTRING
      case 0x55: { // SHORT_BINSTRING
        const n = op === 0x55 ? u8() : i32()
        if (n < 0) fail("Malformed", "BINSTRING with a negative length")
        const raw = bytes(n)
        push(decodeAscii(raw) ?? fail("Malformed", "non-ASCII BINSTRING (Python 2 str) cannot be decoded as ASCII"))
        break
      }
      case 0x56: { // UNICODE (raw-unicode-escape)
        const [s, e] = line()
        alloc(e - s)
        push(decodeRawUnicodeEscape(b, s, e) ?? fail("Malformed", "invalid raw-unicode-escape"))
        break
      }
      case 0x58: // BINUNICODE
        push(utf8(u32()))
        break
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(u8()))
        break
      case 0x8d: // BINUNICODE8
        push(utf8(len64()))
        break
      case 0x42: // BINBYTES
        push(bytes(u32()))
        break
      case 0x43: // SHORT_BINBYTES
        push(bytes(u8()))
        break
      case 0x8e: // BINBYTES8
        push(bytes(len64()))
        break
      case 0x96: // BYTEARRAY8
        push(new PyByteArray(bytes(len64())))
        break
      case 0x97: // NEXT_BUFFER
        fail("Unsupported", "out-of-band buffers (NEXT_BUFFER) are not available")
        break
      case 0x98: // READONLY_BUFFER
        fail("Unsupported", "READONLY_BUFFER applies only to out-of-band buffers")
        break
      // ---- containers ----
      case 0x5d: // EMPTY_LIST
        push([])
        break
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]))
        break
      case 0x7d: // EMPTY_DICT
        push(new PyDict())
        break
      case 0x8f: // EMPTY_SET
        push(new PySet())
        break
      case 0x6c: { // LIST
        const items = popMark()
        checkLength(items.length)
        nestAll(items, items)
        push(items)
        break
      }
      case 0x74: { // TUPLE
        const items = popMark()
        checkLength(items.length)
        push(tuple(items))
        break
      }
      case 0x85: // TUPLE1
        push(tuple([pop()]))
        break
      case 0x86: { // TUPLE2
        const y = pop()
        push(tuple([pop(), y]))
        break
      }
      case 0x87: { // TUPLE3
        const z = pop()
        const y = pop()
        push(tuple([pop(), y, z]))
        break
      }
      case 0x64: { // DICT
        const items = popMark()
        const d = new PyDict()
        setItems(d, items)
        push(d)
        break
      }
      case 0x91: { // FROZENSET
        const items = popMark()
        checkLength(items.length)
        const s = PyFrozenSet.of(items)
        nestAll(s, items)
        push(s)
        break
      }
      case 0x61: { // APPEND
        const v = pop()
        appendTo(top(), [v])
        break
      }
      case 0x65: { // APPENDS
        const items = popMark()
        appendTo(top(), items)
        break
      }
      case 0x73: { // SETITEM
        const v = pop()
        const k = pop()
        setItems(top(), [k, v])
        break
      }
      case 0x75: { // SETITEMS
        const items = popMark()
        setItems(top(), items)
        break
      }
      case 0x90: { // ADDITEMS
        const items = popMark()
        const s = top()
        if (!(s instanceof PySet)) fail("Malformed", "ADDITEMS on a value that is not a set")
        const set = s as PySet
        checkLength(set.size + items.length)
        for (let i = 0; i < items.length; i++) set.add(items[i])
        nestAll(set, items)
        break
      }
      // ---- globals and objects (described, never executed) ----
      case 0x63: { // GLOBAL
        const module = lineUtf8()
        const name = lineUtf8()
        push(findClass(module, name))
        break
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop()
        const module = pop()
        if (typeof module !== "string" || typeof name !== "string") fail("Malformed", "STACK_GLOBAL requires str")
        push(findClass(module as string, name as string))
        break
      }
      case 0x52: { // REDUCE
        const args = asArgs(pop(), "REDUCE")
        const fn = pop()
        push(call(fn, args))
        break
      }
      case 0x81: { // NEWOBJ
        const args = asArgs(pop(), "NEWOBJ")
        push(instantiate(asClass(pop(), "NEWOBJ"), args))
        break
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop()
        const args = asArgs(pop(), "NEWOBJ_EX")
        push(instantiate(asClass(pop(), "NEWOBJ_EX"), args, kwargs))
        break
      }
      case 0x69: { // INST
        const module = lineUtf8()
        const name = lineUtf8()
        const args = popMark()
        const cls = findClass(module, name)
        push(args.length === 0 ? instantiate(cls, args) : call(cls, args))
        break
      }
      case 0x6f: { // OBJ
        const items = popMark()
        if (items.length === 0) fail("StackUnderflow", "OBJ without a class")
        const cls = asClass(items[0], "OBJ")
        const args = items.slice(1)
        push(args.length === 0 ? instantiate(cls, args) : call(cls, args))
        break
      }
      case 0x62: { // BUILD
        const state = pop()
        const target = top()
        if (target instanceof PyObject) {
          if (state !== null) {
            target.state = state
            nest(target, state)
          }
        } else if (!buildKnown(target, state, fail) && state !== null) {
          fail("Malformed", "BUILD on a value that takes no state")
        }
        break
      }
      // ---- not available to a reader that executes nothing ----
      case 0x50: // PERSID
        line()
        fail("Unsupported", "persistent ids (PERSID) need a persistent_load hook")
        break
      case 0x51: // BINPERSID
        pop()
        fail("Unsupported", "persistent ids (BINPERSID) need a persistent_load hook")
        break
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: { // EXT4
        const code = op === 0x82 ? u8() : op === 0x83 ? u16() : i32()
        fail("Unsupported", `extension code ${code} (copyreg extension registry is not available)`)
        break
      }
      default:
        fail("BadOpcode", `unknown opcode 0x${op.toString(16).padStart(2, "0")}`)
    }
  }
}

/** Replaces registered PyObjects by their user decoders (children first, shared identity kept). */
const applyDecoders = (root: PyValue, decoders: ClassDecoders): PyValue => {
  const nodes: Array<object> = []
  const seen = new Set<object>()
  const work: Array<PyValue> = [root]
  const visit = (v: PyValue | undefined): void => {
    if (v !== undefined && isContainer(v) && !seen.has(v)) work.push(v)
  }
  while (work.length > 0) {
    const v = work.pop()!
    if (!isContainer(v) || seen.has(v)) continue
    seen.add(v)
    nodes.push(v)
    forEachChild(v, visit)
  }
  const replaced = new Map<object, PyValue>()
  const swap = (c: PyValue): PyValue => (isContainer(c) ? replaced.get(c) ?? c : c)
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as PyValue
    mapChildren(n, swap)
    if (n instanceof PyObject) {
      const f = decoders[n.qualifiedName]
      if (f !== undefined) replaced.set(n, f(n))
    }
  }
  return swap(root)
}

const forEachChild = (v: PyValue, f: (c: PyValue | undefined) => void): void => {
  if (Array.isArray(v)) v.forEach(f)
  else if (v instanceof PyTuple) v.items.forEach(f)
  else if (v instanceof PyDict) {
    v.keys().forEach(f)
    v.values().forEach(f)
  } else if (v instanceof PySet || v instanceof PyFrozenSet) v.items.forEach(f)
  else if (v instanceof PyObject) {
    v.args.forEach(f)
    f(v.kwargs)
    f(v.state)
    v.listitems?.forEach(f)
    v.dictitems?.forEach(([k, x]) => {
      f(k)
      f(x)
    })
  } else if (typeof v === "object" && v !== null && "tzinfo" in v) f(v.tzinfo)
}

const mapChildren = (v: PyValue, f: (c: PyValue) => PyValue): void => {
  const mapArray = (a: Array<PyValue>) => {
    for (let i = 0; i < a.length; i++) a[i] = f(a[i])
  }
  if (Array.isArray(v)) mapArray(v)
  else if (v instanceof PyTuple) mapArray(v.items as Array<PyValue>)
  else if (v instanceof PyDict) {
    mapArray(v.keys() as Array<PyValue>)
    mapArray(v.values() as Array<PyValue>)
  } else if (v instanceof PySet || v instanceof PyFrozenSet) mapArray(v.items as Array<PyValue>)
  else if (v instanceof PyObject) {
    mapArray(v.args)
    if (v.state !== undefined) v.state = f(v.state)
    if (v.listitems !== undefined) mapArray(v.listitems)
    if (v.dictitems !== undefined) for (const kv of v.dictitems) (kv[0] = f(kv[0])), (kv[1] = f(kv[1]))
  }
}
