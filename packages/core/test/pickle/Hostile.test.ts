import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Pickle from "../../src/Pickle.js"
import { PyDict, PyGlobal, PyObject, PySet } from "../../src/PyValue.js"
import type { PyValue } from "../../src/PyValue.js"
import * as TaggedJson from "../../src/TaggedJson.js"
import { collectCases, readBlob } from "./corpus.js"

const bytes = (...parts: Array<string | number | Array<number> | Uint8Array>): Uint8Array => {
  const out: Array<number> = []
  for (const p of parts) {
    if (typeof p === "number") out.push(p)
    else if (typeof p === "string") for (const c of p) out.push(c.charCodeAt(0))
    else out.push(...p)
  }
  return Uint8Array.from(out)
}
const u64 = (n: number): Array<number> => {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true)
  return [...b]
}
const u32 = (n: number): Array<number> => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]

const failure = (input: Uint8Array, options?: Pickle.Options) =>
  Effect.map(Effect.either(Pickle.decode(input, options)), (r) => {
    if (Either.isRight(r)) return assert.fail("expected a PickleError")
    assert.strictEqual(r.left._tag, "PickleError")
    return r.left
  })

describe("hostile pickles give typed errors", () => {
  it.effect("every truncation of a real artifact is Truncated", () =>
    Effect.gen(function*() {
      const c = collectCases("local").find((x) => x.name === "dict_non_str_keys")!
      const blob = readBlob(c.store, c.flow, c.sha)
      for (let n = 0; n < blob.length; n++) {
        const e = yield* failure(blob.subarray(0, n))
        assert.strictEqual(e.reason, "Truncated", `prefix ${n}`)
      }
    }))

  it.effect("bad opcode", () =>
    Effect.gen(function*() {
      const e = yield* failure(bytes(0x80, 4, 0xff, "."))
      assert.strictEqual(e.reason, "BadOpcode")
      assert.strictEqual(e.offset, 2)
      assert.include(e.message, "0xff")
    }))

  it.effect("stack underflow", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failure(bytes(0x80, 4, "."))).reason, "StackUnderflow")
      assert.strictEqual((yield* failure(bytes("]K", 1, "e."))).reason, "StackUnderflow") // APPENDS without MARK
      assert.strictEqual((yield* failure(bytes("(R."))).reason, "StackUnderflow") // REDUCE across a MARK
    }))

  it.effect("memo miss", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failure(bytes(0x80, 4, "h", 5, "."))).reason, "MemoMiss")
      assert.strictEqual((yield* failure(bytes("g7\n."))).reason, "MemoMiss")
    }))

  it.effect("billion-element length prefixes fail fast without allocating", () =>
    Effect.gen(function*() {
      for (const op of [0x8d, 0x8e, 0x96]) { // BINUNICODE8, BINBYTES8, BYTEARRAY8
        assert.strictEqual((yield* failure(bytes(0x80, 5, op, u64(1e9), "abc"))).reason, "Truncated")
        assert.strictEqual((yield* failure(bytes(0x80, 5, op, u64(2 ** 62), "abc"))).reason, "Truncated")
      }
      assert.strictEqual((yield* failure(bytes(0x80, 4, "X", u32(0xffffffff), "abc"))).reason, "Truncated")
      assert.strictEqual((yield* failure(bytes(0x80, 4, 0x8b, u32(1e9), "abc"))).reason, "Truncated") // LONG4
      assert.strictEqual((yield* failure(bytes(0x80, 4, 0x95, u64(1e9), "K", 1, "."))).reason, "Truncated") // FRAME
    }))

  it.effect("100k-deep nesting is bounded by maxDepth, and works iteratively when allowed", () =>
    Effect.gen(function*() {
      const depth = 100_000
      const deepLists = new Uint8Array(2 + depth + (depth - 1) + 1)
      deepLists.set([0x80, 4])
      deepLists.fill(0x5d, 2, 2 + depth) // EMPTY_LIST × depth
      deepLists.fill(0x61, 2 + depth, 2 + 2 * depth - 1) // APPEND × (depth - 1): innermost first
      deepLists[deepLists.length - 1] = 0x2e // STOP
      const e = yield* failure(deepLists)
      assert.strictEqual(e.reason, "LimitExceeded")
      const marks = bytes(0x80, 4, ...new Array(depth).fill(0x28), ")", ".")
      assert.strictEqual((yield* failure(marks)).reason, "LimitExceeded")
      // explicitly allowed: decoded and encoded without recursion
      const v = yield* Pickle.decode(deepLists, { maxDepth: 2 * depth })
      let d = 0
      for (let x: PyValue = v; Array.isArray(x) && x.length > 0; x = x[0]) d++
      assert.strictEqual(d, depth - 1)
      const j = TaggedJson.toTaggedJson(v)
      assert.isTrue(Array.isArray(j))
    }))

  it.effect("memo, allocation and container limits", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failure(bytes(0x80, 4, "N", 0x94, 0x94, 0x94, "."), { maxMemo: 2 })).reason, "LimitExceeded")
      const big = bytes(0x80, 4, "B", u32(4096), new Uint8Array(4096), ".")
      assert.strictEqual((yield* failure(big, { maxBytes: 1000 })).reason, "LimitExceeded")
      const dups = bytes(0x80, 4, "N", ...new Array(100).fill(0x32), ".")
      assert.strictEqual((yield* failure(dups, { maxContainerLength: 50 })).reason, "LimitExceeded")
    }))

  it.effect("GLOBAL os.system + REDUCE is only described, never executed", () =>
    Effect.gen(function*() {
      const v = yield* Pickle.decode(bytes("cos\nsystem\n(S'echo pwned'\ntR."))
      assert.instanceOf(v, PyObject)
      const o = v as PyObject
      assert.deepStrictEqual([o.module, o.name, o.via, o.args], ["os", "system", "reduce", ["echo pwned"]])
      const g = yield* Pickle.decode(bytes(0x80, 4, 0x8c, 2, "os", 0x8c, 6, "system", 0x93, "."))
      assert.deepStrictEqual(g, new PyGlobal("os", "system"))
    }))

  it.effect("unsupported and malformed constructs", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* failure(bytes("Pid\n."))).reason, "Unsupported") // PERSID
      assert.strictEqual((yield* failure(bytes(0x80, 4, "N", "Q."))).reason, "Unsupported") // BINPERSID
      assert.strictEqual((yield* failure(bytes(0x80, 5, 0x97, "."))).reason, "Unsupported") // NEXT_BUFFER
      assert.strictEqual((yield* failure(bytes(0x80, 2, 0x82, 1, "."))).reason, "Unsupported") // EXT1
      assert.strictEqual((yield* failure(bytes(0x80, 6, "N."))).reason, "Unsupported") // protocol 6
      assert.strictEqual((yield* failure(bytes("U", 2, 0xc3, 0xa9, "."))).reason, "Malformed") // non-ASCII py2 str
      assert.strictEqual((yield* failure(bytes(0x8c, 2, 0xc3, 0x28, "."))).reason, "Malformed") // bad UTF-8
      assert.strictEqual((yield* failure(bytes("K", 1, "K", 2, "R."))).reason, "Malformed") // REDUCE args not a tuple
    }))
})

describe("decoder features", () => {
  it.effect("protocol-0 text opcodes and Python 2 names", () =>
    Effect.gen(function*() {
      // Python 2: set([1, 2]) with __builtin__, a long, a float, a unicode string with an escape, a py2 str
      const v = yield* Pickle.decode(
        bytes("(c__builtin__\nset\n((lp0\nI1\naI2\natp1\nRp2\nL12345678901234567890L\nF1.5\nVa\\u20acb\nS'x\\ny'\nI01\nt.")
      )
      assert.deepStrictEqual(TaggedJson.toTaggedJson(v), {
        $tuple: [{ $set: [1, 2] }, { $bigint: "12345678901234567890" }, { $float: 1.5 }, "a€b", "x\ny", true]
      })
      const exc = yield* Pickle.decode(bytes("cexceptions\nValueError\n(S'bad'\ntR."))
      assert.deepStrictEqual([(exc as PyObject).module, (exc as PyObject).name], ["builtins", "ValueError"])
    }))

  it.effect("shared references and cycles keep JS identity", () =>
    Effect.gen(function*() {
      const c = collectCases("local").find((x) => x.name === "cyclic_list")!
      const v = (yield* Pickle.decode(readBlob(c.store, c.flow, c.sha))) as Array<PyValue>
      assert.strictEqual(v[1], v)
      const s = collectCases("local").find((x) => x.name === "shared_refs")!
      const d = (yield* Pickle.decode(readBlob(s.store, s.flow, s.sha))) as PyDict
      assert.strictEqual(d.get("first"), d.get("second"))
    }))

  it.effect("class decoders replace PyObjects", () =>
    Effect.gen(function*() {
      const c = collectCases("local").find((x) => x.name === "points_sharing")!
      const v = (yield* Pickle.decode(readBlob(c.store, c.flow, c.sha), {
        classDecoders: { "corpus_types.Point": (o) => (o.state as PyDict).get("x") ?? null }
      })) as Array<PyValue>
      assert.deepStrictEqual(v, [1, 1])
    }))

  it.effect("the 20 MB artifact decodes and matches the oracle $summary (sha256 of the bytes)", () =>
    Effect.gen(function*() {
      const c = collectCases("local").find((x) => x.name === "large_bytes")!
      const v = yield* Pickle.decode(readBlob(c.store, c.flow, c.sha))
      assert.instanceOf(v, Uint8Array)
      assert.strictEqual((v as Uint8Array).length, 20971520)
      assert.deepStrictEqual(TaggedJson.toTaggedJson(v), c.value)
    }))

  it.effect("sets dedupe by Python equality", () =>
    Effect.sync(() => {
      assert.strictEqual(PySet.of([1, true, 1n, "1"]).size, 2)
    }))
})
