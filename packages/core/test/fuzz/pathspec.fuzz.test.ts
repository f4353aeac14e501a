/**
 * Fuzzing pathspec parsing with texts assembled from separators, dots, NUL, backslashes, percent-encodings,
 * unicode lookalikes and long runs. Pass condition: `Pathspec.parseEither` never throws; it accepts a text
 * exactly when it has the kind's number of components and every component is a safe id (non-empty, not `.`
 * or `..`, no `/`, `\`, NUL, at most 1024 characters); an accepted path formats back to the same text; a
 * refusal is an `InvalidPathspec` carrying the text. `kindOf` agrees with the component count.
 */
import { describe, expect, it } from "vitest"
import { Either, FastCheck as fc } from "effect"
import { Pathspec } from "@metaflow-client/core"
import { fuzzRuns, fuzzTimeout, SEEDS } from "./support.js"

const RUNS = fuzzRuns()
const kinds = ["Flow", "Run", "Step", "Task", "DataArtifact"] as const

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("/", ".", "..", "\\", "\u0000", "a", "HelloFlow", "1795767075327575", "start", "_parameters", "%2e", "%2E%2E", "%2f", "%00", "\uff0e\uff0e", "\u2025", "\uff0f", "\u2215", "\u29f8", " ", "~", "$", "*", "\n", "\ud800", "é") },
  { weight: 2, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(1024), "x".repeat(1025), "é".repeat(600)) }
)
const text = fc.array(piece, { maxLength: 14 }).map((p) => p.join(""))

const safe = (id: string) =>
  id.length > 0 && id.length <= 1024 && id !== "." && id !== ".." && !id.includes("/") && !id.includes("\\") && !id.includes("\u0000")

describe("Pathspec fuzz", () => {
  it(`${RUNS} hostile texts × every kind: accepted exactly when safe, round-trips, typed refusal`, () => {
    let accepted = 0
    fc.assert(
      fc.property(text, fc.constantFrom(...kinds), (t, kind) => {
        const r = Pathspec.parseEither(kind, t)
        const parts = t.split("/")
        const ok = parts.length === Pathspec.depth[kind] && parts.every(safe)
        if (Either.isRight(r)) {
          accepted++
          expect(ok).toBe(true)
          expect(Pathspec.format(r.right)).toBe(t)
          expect(Pathspec.components(r.right)).toEqual(parts)
          for (const c of Pathspec.components(r.right)) expect(Pathspec.idProblem(c)).toBeUndefined()
        } else {
          expect(ok).toBe(false)
          expect(r.left._tag).toBe("InvalidPathspec")
          expect(r.left.pathspec).toBe(t)
          expect(r.left.message).toContain(t)
        }
        expect(Pathspec.kindOf(t)).toBe(kinds[parts.length - 1])
        for (const p of parts) expect(Pathspec.idProblem(p) === undefined).toBe(safe(p))
      }),
      { numRuns: RUNS, seed: SEEDS.pathspec }
    )
    console.log(`[fuzz] pathspec: ${RUNS} cases, ${accepted} accepted`)
  }, fuzzTimeout(0.2))

  it(`${RUNS} valid paths built from safe ids format and parse back to themselves`, () => {
    const id = fc.string({ minLength: 1, maxLength: 20 }).filter(safe)
    fc.assert(
      fc.property(fc.array(id, { minLength: 1, maxLength: 5 }), (ids) => {
        const kind = kinds[ids.length - 1]!
        const r = Pathspec.parseEither(kind, ids.join("/"))
        expect(Either.isRight(r)).toBe(true)
        if (Either.isRight(r)) expect(Pathspec.components(r.right)).toEqual(ids)
      }),
      { numRuns: RUNS, seed: SEEDS.pathspec + 1 }
    )
  }, fuzzTimeout(0.2))
})
