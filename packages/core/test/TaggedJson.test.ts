import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { PyDict, PyFloat, PyFrozenSet, PyObject, PySet, PyTuple } from "../src/PyValue.js"
import type { PyValue } from "../src/PyValue.js"
import * as TaggedJson from "../src/TaggedJson.js"

describe("TaggedJson", () => {
  it.effect("canonical JSON matches Python json.dumps (floats in repr form, ensure_ascii)", () =>
    Effect.sync(() => {
      const j = TaggedJson.toTaggedJson([new PyFloat(2), new PyFloat(1e16), new PyFloat(1e-5), new PyFloat(0.0001),
        new PyFloat(1234567890123456), new PyFloat(5e-324), "é\u007f\ud800\"\\\n", 3])
      assert.strictEqual(
        TaggedJson.canonicalJson(j),
        "[{\"$float\":2.0},{\"$float\":1e+16},{\"$float\":1e-05},{\"$float\":0.0001},{\"$float\":1234567890123456.0}," +
          "{\"$float\":5e-324},\"\\u00e9\\u007f\\ud800\\\"\\\\\\n\",3]"
      )
    }))

  it.effect("dict keys: plain object only for safe str keys", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(TaggedJson.toTaggedJson(PyDict.fromEntries([["b", 1], ["a", 2]])), { b: 1, a: 2 })
      assert.deepStrictEqual(TaggedJson.toTaggedJson(PyDict.fromEntries([["10", 1], ["x", 2]])), {
        $dict: [["10", 1], ["x", 2]]
      })
      assert.deepStrictEqual(TaggedJson.toTaggedJson(PyDict.fromEntries([["$a", 1]])), { $dict: [["$a", 1]] })
    }))

  it.effect("identity: $ref pointers with escaping, tuples repeated, sets sorted by JSON text", () =>
    Effect.sync(() => {
      const shared: Array<PyValue> = [1]
      const d = PyDict.fromEntries([["a/b~c", shared], ["t", new PyTuple([shared, shared])]])
      assert.deepStrictEqual(TaggedJson.toTaggedJson(d), {
        "a/b~c": [1],
        t: { $tuple: [{ $ref: "/a~1b~0c" }, { $ref: "/a~1b~0c" }] }
      })
      assert.deepStrictEqual(TaggedJson.toTaggedJson(PySet.of(["b", 10, 9, "a", new PyTuple([1])])), {
        $set: ["a", "b", 10, 9, { $tuple: [1] }]
      })
      const o = new PyObject("m", "C", "new", [])
      assert.deepStrictEqual(TaggedJson.toTaggedJson(PyFrozenSet.of([new PyTuple([o, o])])), {
        $frozenset: [{ $tuple: [{ $object: { module: "m", name: "C", via: "new", args: [] } }, { $ref: "/$frozenset/0/$tuple/0" }] }]
      })
    }))

  it.effect("huge values become $summary (lists keep 5-item head/tail)", () =>
    Effect.sync(() => {
      const big = Array.from({ length: 200_000 }, (_, i) => i)
      const s = TaggedJson.toTaggedJson(big) as { $summary: Record<string, unknown> }
      assert.strictEqual(s.$summary.python_type, "list")
      assert.strictEqual(s.$summary.length, 200_000)
      assert.strictEqual(s.$summary.encoded_length, JSON.stringify(big).length)
      assert.deepStrictEqual(s.$summary.head, [0, 1, 2, 3, 4])
      assert.match(String(s.$summary.encoded_sha256), /^[0-9a-f]{64}$/)
    }))

  it.effect("deep values encode iteratively; fromTaggedJson is bounded", () =>
    Effect.gen(function*() {
      let v: PyValue = []
      for (let i = 0; i < 50_000; i++) v = [v]
      const j = TaggedJson.encodeValue(v)
      assert.isTrue(Array.isArray(j))
      const r = yield* Effect.either(Effect.try({ try: () => TaggedJson.fromTaggedJson(j), catch: (e) => e }))
      assert.isTrue(Either.isLeft(r), "deep input is rejected")
      if (Either.isLeft(r)) assert.instanceOf(r.left, TaggedJson.TaggedJsonError, String(r.left))
    }))

  it.effect("fromTaggedJson restores cycles and rejects $summary", () =>
    Effect.sync(() => {
      const v = TaggedJson.fromTaggedJson({ name: "root", self: { $ref: "" } }) as PyDict
      assert.strictEqual(v.get("self"), v)
      assert.throws(() => TaggedJson.fromTaggedJson({ $summary: {} }))
    }))
})
