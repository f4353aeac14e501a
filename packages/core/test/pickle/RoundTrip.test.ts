/**
 * Property test against real CPython: random values of the model are rebuilt by `gen/roundtrip.py` (stdlib only,
 * one process per batch), pickled at protocols 0..5, decoded here and compared through tagged JSON.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import * as Pickle from "../../src/Pickle.js"
import {
  int,
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
} from "../../src/PyValue.js"
import type { PyValue } from "../../src/PyValue.js"
import * as TaggedJson from "../../src/TaggedJson.js"

const script = path.join(__dirname, "gen", "roundtrip.py")

/** Pickles tagged-JSON values with CPython at protocols 0..5 (one process for the whole batch). */
const pickleWithPython = (values: ReadonlyArray<unknown>): Array<Array<string> | { error: string }> => {
  const r = spawnSync("python3", [script], { input: JSON.stringify(values), maxBuffer: 1 << 28, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"))

// ---- arbitraries of the value model ----
const pyInt: fc.Arbitrary<PyValue> = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, 255, 256, 65535, 65536, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map(int)
)
const pyFloat = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, 2, 1e16, 1e-5, 5e-324, 1.7976931348623157e308)
).map((x) => new PyFloat(x))
const pyStr = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((cs) => String.fromCharCode(...cs)),
  fc.constantFrom("lone:\udc80:end", "\ud800", "a\\u1234\\", "\u0000\n\r\u001a\\", "🎉", "$x", "10")
)
const pyBytes = fc.uint8Array({ maxLength: 40 })
const tz: fc.Arbitrary<PyValue> = fc.oneof(
  fc.constant(null),
  fc.tuple(fc.integer({ min: -86399999999, max: 86399999999 }), fc.option(fc.string({ maxLength: 6 }), { nil: null }))
    .map(([us, name]) => new PyTimezone(new PyTimeDelta(0, 0, us), name)),
  fc.constantFrom("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata").map((k) => new PyZoneInfo(k))
)
const fold = fc.constantFrom(0 as const, 1 as const)
const pyDateTime = fc.tuple(
  fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }),
  fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }),
  fc.integer({ min: 0, max: 999999 }), tz, fold
).map(([y, mo, d, h, mi, s, us, z, f]) => new PyDateTime(y, mo, d, h, mi, s, us, z, f))
const pyTime = fc.tuple(
  fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }),
  fc.integer({ min: 0, max: 999999 }), tz, fold
).map(([h, mi, s, us, z, f]) => new PyTime(h, mi, s, us, z, f))
const pyDate = fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([y, m, d]) => new PyDate(y, m, d))
const pyTimeDelta = fc.tuple(
  fc.integer({ min: -999999999, max: 999999999 }), fc.integer({ min: 0, max: 86399 }), fc.integer({ min: 0, max: 999999 })
).map(([d, s, us]) => new PyTimeDelta(d, s, us))
const pyDecimal = fc.oneof(
  fc.constantFrom("NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "0", "-0", "1E+3", "0.00", "1.10"),
  fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 999999999 }), fc.option(fc.stringMatching(/^[0-9]{1,12}$/)))
    .map(([neg, i, frac]) => `${neg ? "-" : ""}${i}${frac === null ? "" : "." + frac}`)
).map((s) => new PyDecimal(s))
const pyUuid = fc.uuid().map((u) => new PyUuid(u))
const pyComplex = fc.tuple(pyFloat, pyFloat).map(([a, b]) => new PyComplex(a.value, b.value))

const scalar: fc.Arbitrary<PyValue> = fc.oneof(
  fc.constant(null), fc.boolean(), pyInt, pyFloat, pyStr, pyBytes, pyComplex, pyDateTime, pyTime, pyDate,
  pyTimeDelta, pyDecimal, pyUuid, tz,
  fc.constantFrom(new PyGlobal("builtins", "len"), new PyGlobal("builtins", "int"), new PyGlobal("builtins", "Ellipsis"))
)

/** Hashable keys that Python equality cannot merge (no bool/float keys: 1 == 1.0 == True). */
const key: fc.Arbitrary<PyValue> = fc.oneof(
  pyStr, pyInt, pyBytes, fc.constant(null),
  fc.array(fc.oneof(pyStr, pyInt), { maxLength: 3 }).map((xs) => new PyTuple(xs)),
  fc.uniqueArray(fc.oneof(pyStr, pyInt), { maxLength: 3, selector: (x) => keyText(x) }).map((xs) => PyFrozenSet.of(xs))
)
const keyText = (k: PyValue): string => JSON.stringify(TaggedJson.encodeValue(k))
const entries = (value: fc.Arbitrary<PyValue>) =>
  fc.uniqueArray(fc.tuple(key, value), { maxLength: 5, selector: ([k]) => keyText(k) })

const httpStatus = [200, 404, 500].map((c) => new PyObject("http", "HTTPStatus", "reduce", [c]))

const { value } = fc.letrec<{ value: PyValue }>((tie) => {
  const v = tie("value")
  return {
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      fc.array(v, { maxLength: 5 }),
      fc.array(v, { maxLength: 3 }).map((xs) => [xs, xs]), // shared identity → $ref
      fc.array(v, { maxLength: 5 }).map((xs) => new PyTuple(xs)),
      entries(v).map((es) => PyDict.fromEntries(es)),
      fc.dictionary(fc.string(), v, { maxKeys: 4 }).map((o) => PyDict.fromEntries(Object.entries(o))),
      fc.uniqueArray(key, { maxLength: 5, selector: keyText }).map((xs) => PySet.of(xs)),
      fc.uniqueArray(key, { maxLength: 5, selector: keyText }).map((xs) => PyFrozenSet.of(xs)),
      pyBytes.map((b) => new PyByteArray(b)),
      entries(v).map((es) => {
        const o = new PyObject("collections", "OrderedDict", "reduce", [])
        o.dictitems = es
        return o
      }),
      entries(v).map((es) => {
        const o = new PyObject("collections", "defaultdict", "reduce", [new PyGlobal("builtins", "list")])
        o.dictitems = es
        return o
      }),
      fc.dictionary(fc.string({ minLength: 1 }), fc.integer(), { maxKeys: 4 }).map((o) =>
        new PyObject("collections", "Counter", "reduce", [PyDict.fromEntries(Object.entries(o))])
      ),
      fc.array(v, { maxLength: 4 }).map((xs) => {
        const o = new PyObject("collections", "deque", "reduce", [])
        o.listitems = xs
        return o
      }),
      fc.tuple(fc.integer(), fc.integer(), fc.integer().filter((x) => x !== 0)).map((a) =>
        new PyObject("builtins", "range", "reduce", a)
      ),
      fc.constantFrom(...httpStatus), // enum members are singletons: repeated ones share identity
      fc.array(fc.oneof(pyStr, pyInt), { maxLength: 3 }).map((a) => new PyObject("builtins", "ValueError", "reduce", a))
    )
  }
})

/** Protocols < 4 cannot carry `fold` (CPython sets the fold bit only for protocol > 3). */
const dropFold = (j: unknown): unknown => {
  if (Array.isArray(j)) return j.map(dropFold)
  if (typeof j === "object" && j !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(j)) if (!(k === "fold" && ("$datetime" in j || "$time" in j))) out[k] = dropFold(v)
    return out
  }
  return j
}

describe("round trip through CPython pickle (protocols 0..5)", () => {
  it.effect("random values decode to themselves", () =>
    Effect.gen(function*() {
      const values = fc.sample(value, { numRuns: 1000, seed: 20240229 })
      const expected = values.map((v) => TaggedJson.encodeValue(v))
      const pickles = pickleWithPython(expected)
      let checked = 0
      for (let i = 0; i < values.length; i++) {
        const p = pickles[i]
        if (!Array.isArray(p)) return assert.fail(`python could not rebuild ${JSON.stringify(expected[i])}: ${p.error}`)
        for (let proto = 0; proto <= 5; proto++) {
          const decoded = yield* Pickle.decode(b64(p[proto]))
          const want = proto < 4 ? dropFold(expected[i]) : expected[i]
          assert.deepStrictEqual(TaggedJson.encodeValue(decoded), want, `protocol ${proto}: ${JSON.stringify(expected[i])}`)
          checked++
        }
      }
      assert.strictEqual(checked, values.length * 6)
    }))

  it.effect("tagged JSON is its own inverse on the same values", () =>
    Effect.sync(() => {
      for (const v of fc.sample(value, { numRuns: 300, seed: 7 })) {
        const j = TaggedJson.encodeValue(v)
        assert.deepStrictEqual(TaggedJson.encodeValue(TaggedJson.fromTaggedJson(j)), j)
      }
    }))
})
