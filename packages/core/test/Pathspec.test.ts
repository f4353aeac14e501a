import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { Pathspec } from "@metaflow-client/core"

const kinds = ["Flow", "Run", "Step", "Task", "DataArtifact"] as const
/** Ids Metaflow writes: identifiers, digits, orchestrator strings, unicode. */
const id = fc.stringMatching(/^[A-Za-z0-9_\-:.ü]{1,20}$/).filter((s) => s !== "." && s !== "..")

describe("Pathspec", () => {
  it.prop("format(parse(text)) round-trips for every kind", [fc.integer({ min: 0, max: 4 }), fc.array(id, { minLength: 5, maxLength: 5 })], ([k, ids]) => {
    const kind = kinds[k]!
    const text = ids.slice(0, k + 1).join("/")
    const parsed = Pathspec.parseEither(kind, text)
    assert.isTrue(Either.isRight(parsed))
    assert.strictEqual(Pathspec.format(Either.getOrThrow(parsed)), text)
    assert.deepStrictEqual(Pathspec.components(Either.getOrThrow(parsed)), ids.slice(0, k + 1))
    assert.strictEqual(Pathspec.kindOf(text), kind)
  })

  it.prop("a wrong number of components is refused with Python's message", [fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 7 }), id], ([k, n, part]) => {
    fc.pre(n !== k + 1)
    const result = Pathspec.parseEither(kinds[k]!, Array.from({ length: n }, () => part).join("/"))
    assert.isTrue(Either.isLeft(result))
    assert.match(Either.getLeft(result).pipe((o) => o._tag === "Some" ? o.value.reason : ""), /^Expects /)
  })

  it.prop("ids that could leave their object are refused", [fc.constantFrom("..", ".", "", "a\u0000b", "a\\b"), id], ([bad, good]) => {
    for (const text of [`${bad}`, `${good}/${bad}`, `${good}/${good}/${bad}`]) {
      const kind = kinds[text.split("/").length - 1]!
      assert.isTrue(Either.isLeft(Pathspec.parseEither(kind, text)), JSON.stringify(text))
    }
  })

  it("a trailing slash is an empty component, as in Python", () => {
    assert.isTrue(Either.isLeft(Pathspec.parseEither("Run", "F/1/")))
    assert.isTrue(Either.isLeft(Pathspec.parseEither("Flow", "")))
  })
})
