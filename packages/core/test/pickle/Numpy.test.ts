/** Golden tests: pickles made by real numpy/pandas (gen/numpy_fixtures.py), expectations from the same script. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Numpy from "../../src/Numpy.js"
import * as Pickle from "../../src/Pickle.js"
import { PyFloat as PyFloatCtor } from "../../src/PyValue.js"
import type { PyValue } from "../../src/PyValue.js"
import * as TaggedJson from "../../src/TaggedJson.js"

const dir = path.join(__dirname, "data", "numpy")
const names = fs.readdirSync(dir).filter((f) => f.endsWith(".pickle")).map((f) => f.slice(0, -7)).sort()

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1000n, ms: 1000000n, s: 1000000000n }

/** Elements as the golden JSON writes them: ints as numbers/$bigint, floats as $float, datetimes in ns. */
const plain = (data: Numpy.NdData, dtype: string): Array<unknown> => {
  const unit = /\[(\w+)\]/.exec(dtype)?.[1]
  const isDate = dtype.includes("M8") || dtype.startsWith("datetime64")
  const isFloat = /f\d|float/.test(dtype)
  const isComplex = /c\d|complex/.test(dtype)
  const isBool = /b1|bool/.test(dtype)
  const arr = Array.from(data as ArrayLike<unknown>)
  if (isComplex) {
    const out: Array<unknown> = []
    for (let i = 0; i < arr.length; i += 2) out.push([TaggedJson.encodeValue(new PyFloatCtor(arr[i] as number)), TaggedJson.encodeValue(new PyFloatCtor(arr[i + 1] as number))])
    return out
  }
  return arr.map((x) => {
    if (isDate) return Number(BigInt(x as bigint) * (UNIT_NS[unit ?? "ns"] ?? 1n))
    if (isBool) return x === 1
    if (isFloat) return TaggedJson.encodeValue(new PyFloatCtor(x as number))
    return TaggedJson.encodeValue(x as PyValue)
  })
}
describe("numpy / pandas golden pickles", () => {
  for (const name of names) {
    it.effect(name, () =>
      Effect.gen(function*() {
        const v = yield* Pickle.decode(new Uint8Array(fs.readFileSync(path.join(dir, `${name}.pickle`))))
        const want = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), "utf8"))
        // tagged JSON keeps showing the faithful $object tree
        assert.property(TaggedJson.toTaggedJson(v) as object, "$object")
        if (want.kind === "ndarray" || want.kind === "scalar") {
          const nd = Numpy.asNdArray(v)
          assert.isDefined(nd)
          assert.strictEqual(nd!.dtype, want.dtype)
          if (want.kind === "scalar") return assert.deepStrictEqual(plain(nd!.data, nd!.dtype), [want.value])
          assert.deepStrictEqual(nd!.shape, want.shape)
          assert.strictEqual(nd!.fortranOrder, want.fortran)
          assert.deepStrictEqual(plain(nd!.data, nd!.dtype), want.data)
        } else if (want.kind === "dataframe") {
          const df = Numpy.asDataFrame(v)
          assert.isDefined(df)
          assert.deepStrictEqual(df!.index.map((x) => TaggedJson.encodeValue(x)), want.index)
          assert.deepStrictEqual(
            df!.columns.map((c) => ({ name: c.name, dtype: c.dtype, values: plain(c.values, c.dtype) })),
            want.columns
          )
        } else {
          const s = Numpy.asSeries(v)
          assert.isDefined(s)
          assert.deepStrictEqual(
            { name: s!.name, index: s!.index.map((x) => TaggedJson.encodeValue(x)), dtype: s!.dtype, values: plain(s!.values, s!.dtype) },
            { name: want.name, index: want.index, dtype: want.dtype, values: want.values }
          )
        }
      }))
  }
})
