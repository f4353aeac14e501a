/**
 * `Step.artifactValues` (one step-level listing, blobs decoded once per sha) gives, for every task, the
 * value the Python oracle recorded for that task's artifact.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Namespace, Step, TaggedJson } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"

const fixtures = path.resolve(__dirname, "../../../testdata/fixtures")
const live = LocalProvider.layer({ root: path.join(fixtures, "local") }).pipe(Layer.provideMerge(NodeContext.layer))

interface OracleTask { pathspec: string; id: string; attempt_requested: number | null; artifact_records: Record<string, { value: unknown; type?: string }> }
interface OracleStep { pathspec: string; task_records: Array<OracleTask> }
const steps: Array<OracleStep> = []
for (const file of fs.readdirSync(path.join(fixtures, "oracle/local/flows"))) {
  const flow = JSON.parse(fs.readFileSync(path.join(fixtures, "oracle/local/flows", file), "utf8"))
  for (const run of flow.run_records) for (const step of run.step_records) steps.push(step)
}

describe("Step.artifactValues", () => {
  it.effect("equals the oracle's value of that artifact in every task of every step", () =>
    Effect.gen(function*() {
      let compared = 0
      for (const s of steps) {
        const names = new Set(s.task_records.flatMap((t) => Object.keys(t.artifact_records)))
        const step = yield* Step.get(s.pathspec)
        for (const name of names) {
          const expected = new Map<string, unknown>()
          for (const t of s.task_records) {
            const rec = t.artifact_records[name]
            if (rec === undefined || String(rec.type).includes("IncludedFile")) continue
            if (typeof rec.value === "object" && rec.value !== null && "$error" in rec.value) continue
            expected.set(t.id, rec.value)
          }
          if (expected.size === 0) continue
          const got = Chunk.toReadonlyArray(yield* Stream.runCollect(Step.artifactValues(step, name)))
          for (const { artifact, value } of got) {
            if (!expected.has(artifact.path.task)) continue
            assert.deepStrictEqual(TaggedJson.toTaggedJson(value), expected.get(artifact.path.task), `${artifact.pathspec}`)
            compared++
          }
          assert.includeMembers(got.map((g) => g.artifact.path.task), [...expected.keys()], `${s.pathspec}/${name}`)
        }
      }
      assert.isAbove(compared, 1000)
    }).pipe(Namespace.withNamespace(null), Effect.provide(live)), 120_000)
})
