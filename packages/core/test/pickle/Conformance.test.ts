import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Pickle from "../../src/Pickle.js"
import * as PyValue from "../../src/PyValue.js"
import * as TaggedJson from "../../src/TaggedJson.js"
import { collectCases, readBlob } from "./corpus.js"
import type { Case } from "./corpus.js"

const isError = (v: unknown): boolean => typeof v === "object" && v !== null && "$error" in v

for (const store of ["local", "s3"] as const) {
  describe(`oracle conformance (${store})`, () => {
    const cases = collectCases(store)
    const unique = new Map<string, Case>()
    for (const c of cases) unique.set(`${c.sha} ${JSON.stringify(c.value)}`, c)

    it.effect(`decodes every artifact of the ${store} corpus to its oracle value`, () =>
      Effect.gen(function*() {
        let matched = 0
        let errors = 0
        let included = 0
        for (const c of cases) {
          const blob = readBlob(c.store, c.flow, c.sha)
          const value = yield* Pickle.decode(blob)
          if (c.type.includes("IncludedFile")) {
            included++
            assert.instanceOf(value, PyValue.PyObject, c.label)
            continue
          }
          if (isError(c.value)) {
            errors++
            assert.instanceOf(value, PyValue.PyObject, `${c.label} ${c.name}`)
            continue
          }
          const actual = TaggedJson.toTaggedJson(value)
          assert.deepStrictEqual(actual, c.value, `${c.label} ${c.name}`) // exact: set order included
          matched++
        }
        console.log(`${store}: ${matched} oracle values matched (${unique.size} distinct), ${errors} $error values decoded as PyObject, ${included} IncludedFile skipped, ${cases.length} records`)
        assert.isAbove(matched, store === "local" ? 1500 : 100)
      }))
  })
}
