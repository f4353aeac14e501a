import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { Tags } from "@metaflow-client/core"

const tag = fc.stringMatching(/^[a-z0-9:_ -]{1,12}$/)
const tags = fc.uniqueArray(tag, { maxLength: 8 })

describe("Tags.apply", () => {
  it.prop("result = (user − remove) ∪ (add − system), and system tags survive", [tags, tags, tags, tags], ([user, system, add, remove]) => {
    fc.pre(add.length + remove.length > 0)
    const result = Tags.apply({ tags: user, systemTags: system }, { add, remove })
    if (remove.some((t) => system.includes(t))) {
      assert.isTrue(Either.isLeft(result))
      assert.match(Either.getLeft(result).pipe((o) => o._tag === "Some" ? o.value.reason : ""), /^Cannot remove a tag that is an existing system tag/)
      return
    }
    const expected = new Set(user.filter((t) => !remove.includes(t)))
    for (const t of add) if (!system.includes(t)) expected.add(t)
    const right = Either.getOrThrow(result)
    assert.deepStrictEqual(new Set(right.tags), expected)
    assert.strictEqual(right.changed, !(expected.size === user.length && user.every((t) => expected.has(t))))
  })

  it.prop("applying the same mutation twice changes nothing the second time", [tags, tags, tags], ([user, add, remove]) => {
    fc.pre(add.length + remove.length > 0)
    const once = Either.getOrThrow(Tags.apply({ tags: user, systemTags: [] }, { add, remove }))
    const twice = Either.getOrThrow(Tags.apply({ tags: once.tags, systemTags: [] }, { add, remove }))
    // remove-then-add is idempotent: a tag both removed and added ends up present either way
    assert.deepStrictEqual(new Set(twice.tags), new Set(once.tags))
    assert.isFalse(twice.changed)
  })

  it("refuses what Python refuses, with Python's messages", () => {
    const cur = { tags: [], systemTags: ["user:alice"] }
    const reason = (m: Tags.Mutation) => Either.match(Tags.apply(cur, m), { onLeft: (e) => e.reason, onRight: () => "ok" })
    assert.strictEqual(reason({ add: [], remove: [] }), "Must add or remove at least one tag")
    assert.strictEqual(reason({ add: [""], remove: [] }), "Tags must not be empty string")
    assert.strictEqual(reason({ add: ["x".repeat(501)], remove: [] }), "Tag is too long 501 > 500")
    assert.strictEqual(reason({ add: ["\uD800"], remove: [] }), "Tags must be UTF-8 encodable")
    assert.strictEqual(reason({ add: [], remove: ["user:alice"] }), "Cannot remove a tag that is an existing system tag (['user:alice'])")
    assert.strictEqual(reason({ add: Array.from({ length: 51 }, (_, i) => `t${i}`), remove: [] }), "Cannot increase size of tag set beyond 50")
    assert.strictEqual(reason({ add: ["user:alice"], remove: [] }), "ok")
  })
})
