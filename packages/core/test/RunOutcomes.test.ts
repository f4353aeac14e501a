/**
 * `Run.outcomes` (the end task and success of many runs, in a few batch calls) gives, for every run of
 * the corpus, the end task and `successful` that the Python oracle recorded, on both local readers and
 * through the per-object fallback of a backend without batch forms; it follows a run's own end step,
 * keeps the order given across batches, and takes the per-run path in a namespace.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Flow, MetadataProvider, Metaflow, Namespace, Run } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
import { corpus, custom, flow, makeRoot, plain, setParameterMeta, withCounted } from "./endpoints-fixture.js"

const fixtures = path.resolve(__dirname, "../../../testdata/fixtures")

interface OracleRun { readonly pathspec: string; readonly successful: boolean; readonly end_task: string | null }
const oracle = new Map<string, OracleRun>()
for (const file of fs.readdirSync(path.join(fixtures, "oracle/local/flows"))) {
  const f = JSON.parse(fs.readFileSync(path.join(fixtures, "oracle/local/flows", file), "utf8")) as { run_records: Array<OracleRun> }
  for (const r of f.run_records) oracle.set(r.pathspec, r)
}

/** The metadata provider without its batch forms: core falls back to one call per object. */
const withoutBatchForms = Layer.effect(
  MetadataProvider.MetadataProvider,
  Effect.map(MetadataProvider.MetadataProvider, (md) => {
    const { listArtifactsOfTasks: _a, listMetadataOfTasks: _m, listTasksOfSteps: _t, ...single } = md
    return single
  })
)

const local = LocalProvider.layer({ root: path.join(fixtures, "local") }).pipe(Layer.provideMerge(NodeContext.layer))
const backends = {
  "portable reads": local,
  "node:fs reads": NodeLocalProvider.layer({ root: path.join(fixtures, "local") }).pipe(Layer.provideMerge(NodeContext.layer)),
  "no batch forms": Layer.provideMerge(withoutBatchForms, local)
}

/** Every run of every flow, flows interleaved (a batch then holds runs of several flows with the same ids' shapes). */
const allRuns = Effect.gen(function*() {
  const flows = Chunk.toReadonlyArray(yield* Stream.runCollect(Metaflow.flows))
  const perFlow = yield* Effect.forEach(flows, (f) => Effect.map(Stream.runCollect(Flow.runs(f)), Chunk.toReadonlyArray))
  const mixed: Array<Run.Run> = []
  for (let i = 0; perFlow.some((runs) => i < runs.length); i++) for (const runs of perFlow) if (i < runs.length) mixed.push(runs[i]!)
  return mixed
})

const outcomesOf = (runs: ReadonlyArray<Run.Run>) =>
  Effect.map(Stream.runCollect(Run.outcomes(runs)), Chunk.toReadonlyArray)

describe("Run.outcomes", () => {
  for (const [name, layer] of Object.entries(backends)) {
    it.effect(`equals the oracle's end task and success of every run (${name})`, () =>
      Effect.gen(function*() {
        const runs = yield* allRuns
        assert.strictEqual(runs.length, oracle.size)
        // repeated past one batch (256 runs): answers stay paired with their runs, in the order given
        const asked = Array.from({ length: Math.ceil(600 / runs.length) }, () => runs).flat()
        const got = yield* outcomesOf(asked)
        assert.deepStrictEqual(got.map((o) => o.run.pathspec), asked.map((r) => r.pathspec))
        let failed = 0
        for (const o of got) {
          const expected = oracle.get(o.run.pathspec)!
          assert.strictEqual(Option.getOrNull(Option.map(o.endTask, (t) => t.pathspec)), expected.end_task, o.run.pathspec)
          assert.strictEqual(o.successful, expected.successful, o.run.pathspec)
          if (!o.successful) failed++
        }
        assert.isAbove(failed, 0, "the corpus has runs that did not succeed")
      }).pipe(Namespace.withNamespace(null), Effect.provide(layer)), 120_000)
  }

  it.effect("an end task whose `_success` is False: the task, and not successful (as `Run.successful`)", () =>
    Effect.gen(function*() {
      // the corpus's failed tasks never reached `end`: give one run's end task the False `_success` blob
      // of a failed task of another flow
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-outcomes-"))
      fs.cpSync(path.join(corpus, flow), path.join(root, ".metaflow", flow), { recursive: true })
      const failed = "AlwaysFailFlow"
      const failedRun = fs.readdirSync(path.join(corpus, failed)).find((d) => /^\d+$/.test(d))!
      const falseRecord = JSON.parse(fs.readFileSync(path.join(corpus, failed, failedRun, "explode", "2", "_meta", "0_artifact__success.json"), "utf8"))
      const sha: string = falseRecord.sha
      fs.cpSync(path.join(corpus, failed, "data", sha.slice(0, 2)), path.join(root, ".metaflow", flow, "data", sha.slice(0, 2)), { recursive: true })
      const endDir = path.join(root, ".metaflow", flow, plain, "end")
      const endTask = fs.readdirSync(endDir).find((t) => t !== "_meta")!
      const successFile = path.join(endDir, endTask, "_meta", "0_artifact__success.json")
      fs.writeFileSync(successFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(successFile, "utf8")), sha }))
      const layer = NodeLocalProvider.layer({ root }).pipe(Layer.provideMerge(NodeContext.layer))
      yield* Effect.gen(function*() {
        const runs = Chunk.toReadonlyArray(yield* Stream.runCollect(Flow.runs(yield* Flow.get(flow))))
        const got = yield* outcomesOf(runs)
        const changed = got.find((o) => o.run.id === plain)!
        assert.strictEqual(Option.getOrThrow(changed.endTask).path.task, endTask)
        assert.isFalse(changed.successful)
        assert.isFalse(yield* Run.successful(changed.run))
        assert.isTrue(got.some((o) => o.successful), "the other runs still succeeded")
      }).pipe(Namespace.withNamespace(null), Effect.provide(layer))
    }))

  it.effect("an end step name that is not a step id fails typed, as `Run.successful` does", () =>
    Effect.gen(function*() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-outcomes-"))
      fs.cpSync(path.join(corpus, flow), path.join(root, ".metaflow", flow), { recursive: true })
      setParameterMeta(path.join(root, ".metaflow", flow, plain), "end_step", "../escape")
      const layer = NodeLocalProvider.layer({ root }).pipe(Layer.provideMerge(NodeContext.layer))
      yield* Effect.gen(function*() {
        const run = yield* Run.get(`${flow}/${plain}`)
        const batched = yield* Effect.flip(outcomesOf([run]))
        const single = yield* Effect.flip(Run.successful(run))
        assert.strictEqual(batched._tag, "InvalidPathspec")
        assert.strictEqual(batched._tag, single._tag)
        assert.include(batched.message, "../escape")
      }).pipe(Namespace.withNamespace(null), Effect.provide(layer))
    }))

  const root = makeRoot()

  it.effect("no runs: no outcomes, no backend call", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* outcomesOf([]), [])
    }).pipe(Effect.provide(Layer.succeed(MetadataProvider.MetadataProvider, {} as MetadataProvider.Service))))

  it.live("follows the end step a run names (`finish`, beside a decoy `end`) in one extra listing", () =>
    withCounted(root, (calls) =>
      Effect.gen(function*() {
        const runs = [yield* Run.get(`${flow}/${custom}`), yield* Run.get(`${flow}/${plain}`)]
        for (const k of Object.keys(calls.count)) delete calls.count[k]
        const [renamed, usual] = yield* outcomesOf(runs)
        assert.strictEqual(Option.getOrThrow(renamed!.endTask).path.step, "finish")
        assert.isTrue(renamed!.successful)
        assert.strictEqual(Option.getOrThrow(usual!.endTask).path.step, "end")
        assert.isTrue(usual!.successful)
        // `_parameters` and `end` of both runs, then `finish` of the renamed one; one metadata and one
        // artifact batch; nothing per run
        assert.deepStrictEqual(calls.count, { listTasksOfSteps: 2, listMetadataOfTasks: 1, listArtifactsOfTasks: 1 })
      })))

  it.effect("a `_parameters` task cloned by resume takes `end_step` from its origin, as the per-run path does", () =>
    Effect.gen(function*() {
      // a fresh copy: run `plain`'s `_parameters` task becomes a clone of run `custom`'s (which names
      // `finish`) and loses its own `end_step`, so its end step is `finish`, which `plain` lacks
      const root = makeRoot()
      const meta = path.join(root, ".metaflow", flow, plain, "_parameters", "0", "_meta")
      const names = fs.readdirSync(meta)
      for (const n of names.filter((n) => n.startsWith("sysmeta_end_step_"))) fs.rmSync(path.join(meta, n))
      const sample = JSON.parse(fs.readFileSync(path.join(meta, names.find((n) => n.startsWith("sysmeta_user_"))!), "utf8"))
      for (const [field, value] of [["origin-run-id", custom], ["origin-task-id", "0"]] as const) {
        fs.writeFileSync(
          path.join(meta, `sysmeta_${field}_${sample.ts_epoch}.json`),
          JSON.stringify({ ...sample, field_name: field, type: field, value })
        )
      }
      const layer = NodeLocalProvider.layer({ root }).pipe(Layer.provideMerge(NodeContext.layer))
      yield* Effect.gen(function*() {
        const run = yield* Run.get(`${flow}/${plain}`)
        assert.deepStrictEqual(yield* Run.graphEndpoints(run), { start: "start", end: "finish" })
        const [outcome] = yield* outcomesOf([run])
        assert.isTrue(Option.isNone(outcome!.endTask))
        assert.isFalse(outcome!.successful)
        assert.isTrue(Option.isNone(yield* Run.endTask(run)))
      }).pipe(Namespace.withNamespace(null), Effect.provide(layer))
    }))

  it.live("in a namespace: the per-run path (the end step looked up), the same answers", () =>
    Effect.gen(function*() {
      const user = JSON.parse(fs.readFileSync(path.join(root, ".metaflow", flow, plain, "_meta", "_self.json"), "utf8")).user_name
      yield* withCounted(root, (calls) =>
        Effect.gen(function*() {
          const runs = Chunk.toReadonlyArray(yield* Stream.runCollect(Flow.runs(yield* Flow.get(flow))))
          assert.include(runs.map((r) => r.id), plain)
          for (const k of Object.keys(calls.count)) delete calls.count[k]
          const got = yield* outcomesOf(runs)
          assert.strictEqual(calls.count["getStep"], runs.length)
          assert.isUndefined(calls.count["listTasksOfSteps"])
          for (const o of got) {
            assert.deepStrictEqual(Option.map(o.endTask, (t) => t.pathspec), Option.map(yield* Run.endTask(o.run), (t) => t.pathspec))
            assert.strictEqual(o.successful, yield* Run.successful(o.run))
          }
        }), `user:${user}`)
    }))
})
