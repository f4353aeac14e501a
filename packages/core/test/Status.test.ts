import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Flow, Metaflow, Namespace, Run, Status } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"

const corpus = path.resolve(__dirname, "../../../testdata/fixtures")
const live = LocalProvider.layer({ root: path.join(corpus, "local") }).pipe(Layer.provideMerge(NodeContext.layer))

/** Status from the oracle's own facts: completed = successful; failed = finished run of a failing scenario. */
const scenarios = JSON.parse(fs.readFileSync(path.join(corpus, "oracle/scenarios.json"), "utf8")) as unknown

describe("Status.ofRun", () => {
  it.effect("matches the oracle: successful runs are completed, runs that exited non-zero are failed", () =>
    Effect.gen(function*() {
      const list = (scenarios as { local_runs: Array<{ pathspec?: string; exit_code?: number }> }).local_runs
      const byRun = new Map<string, number>()
      for (const s of list) if (typeof s.pathspec === "string") byRun.set(s.pathspec, s.exit_code ?? 0)
      assert.isAbove(byRun.size, 5)
      const flows = yield* Metaflow.flows.pipe(Stream.runCollect)
      let checked = 0
      for (const f of flows) {
        for (const r of yield* Flow.runs(f).pipe(Stream.runCollect)) {
          const exit = byRun.get(r.pathspec)
          if (exit === undefined) continue
          const status = yield* Status.ofRun(r)
          assert.strictEqual(status, (yield* Run.successful(r)) ? "completed" : "failed", r.pathspec)
          assert.strictEqual(status, exit === 0 ? "completed" : "failed", r.pathspec)
          checked++
        }
      }
      assert.strictEqual(checked, byRun.size)
    }).pipe(Namespace.withNamespace(null), Effect.provide(live)))
})
