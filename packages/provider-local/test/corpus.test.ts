import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Datastore, MetadataProvider } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { LocalProvider } from "../src/index.js"
import { NodeLocalProvider } from "../src/node.js"
import { corpusBase, corpusRoot, oracleFlows, recordedRoot, sameSet } from "./utils.js"

// every corpus test runs on both readers of the local backend: the portable FileSystem one and node:fs
const readers = [
  { name: "FileSystem reads", live: LocalProvider.layer({ root: corpusBase }).pipe(Layer.provide(NodeContext.layer)) },
  { name: "node:fs reads", live: NodeLocalProvider.layer({ root: corpusBase }).pipe(Layer.provide(NodeContext.layer)) }
]
const oracle = oracleFlows()

const collect = <A, E>(s: Stream.Stream<A, E>) => Effect.map(Stream.runCollect(s), Chunk.toReadonlyArray)

for (const { live: TestLive, name: reader } of readers) {
it.layer(TestLive)(`LocalMetadataProvider on the corpus (${reader})`, (it) => {
  it.effect("describe is local@<dir containing .metaflow>", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      assert.strictEqual(md.describe, `local@${corpusBase}`)
    }))

  it.effect("listFlows returns exactly the oracle's flows", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const flows = yield* collect(md.listFlows)
      assert.deepStrictEqual(flows.map((f) => f.flowId).sort(), oracle.map((f) => f.id).sort())
      for (const f of flows) {
        const o = oracle.find((x) => x.id === f.flowId)!
        assert.strictEqual(f.tsEpoch, o.created_at_ms, f.flowId)
      }
    }))

  it.effect("getFlow / listRuns match the oracle; non-objects are None", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      for (const o of oracle) {
        const flow = yield* md.getFlow({ flow: o.id })
        assert.isTrue(Option.isSome(flow))
        const runs = yield* collect(md.listRuns({ flow: o.id }))
        assert.deepStrictEqual(runs.map((r) => r.runId).sort(), [...o.runs].sort(), o.id)
      }
      assert.isTrue(Option.isNone(yield* md.getFlow({ flow: "data" })))
      assert.isTrue(Option.isNone(yield* md.getFlow({ flow: "NoSuchFlow" })))
      assert.isTrue(Option.isNone(yield* md.getRun({ flow: "HelloLinearFlow", run: "latest_run" })))
      assert.isTrue(Option.isNone(yield* md.getRun({ flow: "HelloLinearFlow", run: "data" })))
      assert.isTrue(Option.isNone(yield* md.getStep({ flow: "HelloLinearFlow", run: "1795767043192683", step: "nope" })))
      assert.isTrue(Option.isNone(yield* md.getTask({ flow: "HelloLinearFlow", run: "1795767043192683", step: "start", task: "99" })))
    }))

  it.effect("listRuns applies tag and since hints", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const tagged = yield* collect(md.listRuns({ flow: "HelloLinearFlow" }, { tags: ["exp-1"] }))
      assert.deepStrictEqual(tagged.map((r) => r.runId).sort(), ["1795767043192683", "1795767047302228"])
      const mine = yield* collect(md.listRuns({ flow: "HelloLinearFlow" }, { tags: ["exp-1", "user:alice"] }))
      assert.deepStrictEqual(mine.map((r) => r.runId), ["1795767043192683"])
      const all = yield* collect(md.listRuns({ flow: "HelloLinearFlow" }))
      const max = Math.max(...all.map((r) => r.tsEpoch))
      const late = yield* collect(md.listRuns({ flow: "HelloLinearFlow" }, { since: max }))
      assert.strictEqual(late.length, 1)
    }))

  it.effect("runs, steps and tasks match the oracle (ts_epoch, tags, system tags)", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      let tasks = 0
      for (const f of oracle) {
        for (const r of f.run_records) {
          const runPath = { flow: f.id, run: r.id }
          const run = Option.getOrThrow(yield* md.getRun(runPath))
          assert.strictEqual(run.tsEpoch, r.created_at_ms, `${f.id}/${r.id}`)
          assert.isTrue(sameSet(run.tags, r.user_tags), `${f.id}/${r.id} tags`)
          assert.isTrue(sameSet(run.systemTags, r.system_tags), `${f.id}/${r.id} system tags`)

          const steps = yield* md.listSteps(runPath)
          assert.isTrue(sameSet(steps.map((s) => s.stepName), [...r.steps, "_parameters"]), `${f.id}/${r.id} steps`)
          for (const s of steps) {
            assert.isTrue(sameSet(s.tags, r.user_tags) && sameSet(s.systemTags, r.system_tags), "step tags are the run's")
          }

          for (const o of [...r.step_records, r.parameters_step]) {
            const stepPath = { ...runPath, step: o.id }
            const step = Option.getOrThrow(yield* md.getStep(stepPath))
            assert.strictEqual(step.tsEpoch, o.created_at_ms, `${f.id}/${r.id}/${o.id}`)
            assert.isTrue(sameSet(step.tags, o.user_tags), "step user tags")
            assert.isTrue(sameSet(step.systemTags, o.system_tags), "step system tags")

            const listed = yield* md.listTasks(stepPath)
            assert.isTrue(sameSet(listed.map((t) => t.taskId), o.task_records.map((t) => t.id)), `${f.id}/${r.id}/${o.id} tasks`)

            for (const t of o.task_records) {
              const taskPath = { ...stepPath, task: t.id }
              const task = Option.getOrThrow(yield* md.getTask(taskPath))
              assert.strictEqual(task.tsEpoch, t.created_at_ms, t.pathspec)
              assert.isTrue(sameSet(task.tags, t.user_tags), `${t.pathspec} tags`)
              assert.isTrue(sameSet(task.systemTags, t.system_tags), `${t.pathspec} system tags`)
              const fromList = listed.find((x) => x.taskId === t.id)!
              assert.deepStrictEqual(fromList, task)
              tasks++
            }
          }
        }
      }
      assert.isAbove(tasks, 50)
    }))

  it.effect("listArtifacts(task) covers every oracle artifact record; attempt filters", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      for (const f of oracle) {
        for (const r of f.run_records) {
          for (const s of [...r.step_records, r.parameters_step]) {
            for (const t of s.task_records) {
              const taskPath = { flow: f.id, run: r.id, step: s.id, task: t.id }
              const arts = yield* md.listArtifacts(taskPath)
              const keys = new Set(arts.map((a) => `${a.name} ${a.sha} ${a.attemptId}`))
              for (const a of Object.values(t.artifact_records)) {
                assert.isTrue(keys.has(`${a.name} ${a.sha} ${a.attempt}`), `${t.pathspec}/${a.name}@${a.attempt}`)
              }
              for (const a of arts) {
                assert.isTrue(sameSet(a.tags, r.user_tags) && sameSet(a.systemTags, r.system_tags), "artifact tags are the run's")
              }
              const attempts = [...new Set(arts.map((a) => a.attemptId))]
              for (const n of attempts) {
                const only = yield* md.listArtifacts(taskPath, n)
                assert.isTrue(only.length > 0 && only.every((a) => a.attemptId === n))
                assert.strictEqual(only.length, arts.filter((a) => a.attemptId === n).length)
              }
              assert.strictEqual((yield* md.listArtifacts(taskPath, 5)).length, 0)
            }
          }
        }
      }
    }))

  it.effect("a retried task lists its last done attempt's records, and each attempt's when asked", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const f = oracle.find((x) => x.id === "RetryOnceFlow")!
      const r = f.run_records[0]!
      const flaky = r.step_records.find((s) => s.id === "flaky")!.task_records[0]!
      const task = { flow: f.id, run: r.id, step: "flaky", task: flaky.id }
      const arts = yield* md.listArtifacts(task)
      assert.deepStrictEqual([...new Set(arts.map((a) => a.attemptId))], [1])
      assert.deepStrictEqual((yield* md.listArtifactsOfTasks!([task]))[0], arts)
      for (const n of [0, 1]) {
        const only = yield* md.listArtifacts(task, n)
        assert.isTrue(only.length > 0 && only.every((a) => a.attemptId === n), `attempt ${n}`)
      }
    }))

  it.effect("listArtifacts at step and run scope is the union of the tasks'", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      for (const f of oracle) {
        for (const r of f.run_records) {
          const runPath = { flow: f.id, run: r.id }
          let total = 0
          for (const s of [...r.step_records, r.parameters_step]) {
            const stepPath = { ...runPath, step: s.id }
            let perTask = 0
            for (const t of s.task_records) perTask += (yield* md.listArtifacts({ ...stepPath, task: t.id })).length
            const step = yield* md.listArtifacts(stepPath)
            assert.strictEqual(step.length, perTask, `${f.id}/${r.id}/${s.id}`)
            assert.isTrue(step.every((a) => a.stepName === s.id))
            total += perTask
          }
          assert.strictEqual((yield* md.listArtifacts(runPath)).length, total, `${f.id}/${r.id}`)
          assert.strictEqual((yield* md.listArtifacts(runPath, 0)).length > 0, true)
        }
      }
    }))

  it.effect("listMetadata covers the oracle's metadata of non-cloned tasks", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      let checked = 0
      for (const f of oracle) {
        for (const r of f.run_records) {
          for (const s of [...r.step_records, r.parameters_step]) {
            for (const t of s.task_records) {
              if (t.origin_pathspec !== null) continue
              const records = yield* md.listMetadata({ flow: f.id, run: r.id, step: s.id, task: t.id })
              const have = new Set(records.map((m) => JSON.stringify([m.fieldName, m.value, m.tsEpoch, m.type])))
              for (const m of t.metadata) {
                assert.isTrue(have.has(JSON.stringify([m.name, m.value, m.created_at, m.type])), `${t.pathspec} ${m.name}`)
                checked++
              }
            }
          }
        }
      }
      assert.isAbove(checked, 100)
      assert.deepStrictEqual(yield* md.listMetadata({ flow: "HelloLinearFlow", run: "1", step: "x", task: "1" }), [])
    }))

  it.effect("listings of absent objects are empty", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      assert.strictEqual((yield* collect(md.listRuns({ flow: "Nope" }))).length, 0)
      assert.strictEqual((yield* md.listSteps({ flow: "Nope", run: "1" })).length, 0)
      assert.strictEqual((yield* md.listTasks({ flow: "HelloLinearFlow", run: "1", step: "start" })).length, 0)
      assert.strictEqual((yield* md.listArtifacts({ flow: "HelloLinearFlow", run: "1" })).length, 0)
    }))

  it.effect("ids that could leave the root are refused", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      for (const bad of ["..", ".", "a/b", "x\u0000y", ""]) {
        const e = yield* Effect.flip(md.getFlow({ flow: bad }))
        assert.strictEqual(e._tag, "PathOutsideRoot")
        const e2 = yield* Effect.flip(md.listSteps({ flow: "HelloLinearFlow", run: bad }))
        assert.strictEqual(e2._tag, "PathOutsideRoot")
        const e3 = yield* Effect.flip(md.listMetadata({ flow: "HelloLinearFlow", run: "1", step: bad, task: "1" }))
        assert.strictEqual(e3._tag, "PathOutsideRoot")
      }
    }))
})

it.layer(TestLive)(`LocalStorage on the corpus (${reader})`, (it) => {
  const flow = "HelloLinearFlow"
  const run = "1795767043192683"
  const dataJson = `${flow}/${run}/start/1/0.data.json`

  it.effect("reads keys below the configured root whatever the recorded root", () =>
    Effect.gen(function*() {
      const st = yield* Datastore.LocalStorage
      assert.strictEqual(st.dsType, "local")
      const bytes = Option.getOrThrow(yield* st.read(recordedRoot, dataJson))
      assert.deepStrictEqual(bytes, new Uint8Array(readFileSync(join(corpusRoot, dataJson))))
      const index = JSON.parse(new TextDecoder().decode(bytes))
      const sha: string = index.objects.name
      const blob = Option.getOrThrow(yield* st.readWithSidecar("/somewhere/else/.metaflow", Datastore.blobKey(flow, sha)))
      assert.isTrue(blob.bytes[0] === 0x1f && blob.bytes[1] === 0x8b)
      assert.deepStrictEqual(JSON.parse(Option.getOrThrow(blob.sidecar)), { cas_raw: false, cas_version: 1 })
      assert.strictEqual(Option.getOrThrow(yield* st.size(recordedRoot, dataJson)), bytes.length)
      const streamed = yield* Stream.runFold(st.stream(recordedRoot, dataJson), 0, (n, c) => n + c.length)
      assert.strictEqual(streamed, bytes.length)
    }))

  it.effect("absent keys are None; stream of an absent key fails with a not-found BackendError", () =>
    Effect.gen(function*() {
      const st = yield* Datastore.LocalStorage
      assert.isTrue(Option.isNone(yield* st.read(recordedRoot, `${flow}/data/ab/abcdef`)))
      assert.isTrue(Option.isNone(yield* st.readWithSidecar(recordedRoot, `${flow}/data/ab/abcdef`)))
      assert.isTrue(Option.isNone(yield* st.size(recordedRoot, `${flow}/nope`)))
      assert.isTrue(Option.isNone(yield* st.size(recordedRoot, flow)), "a directory has no size")
      assert.isTrue(Option.isNone(yield* st.read(recordedRoot, `${dataJson}/below-a-file`)))
      const e = yield* Effect.flip(Stream.runDrain(st.stream(recordedRoot, `${flow}/nope`)))
      assert.strictEqual(e._tag, "BackendError")
      assert.strictEqual(e._tag === "BackendError" ? e.status : undefined, 404)
    }))

  it.effect("keys that leave the root are refused", () =>
    Effect.gen(function*() {
      const st = yield* Datastore.LocalStorage
      for (const key of ["../local/.metaflow/x", `${flow}/../../etc/passwd`, "a/./b", "", "/", "a\\b", "x\u0000"]) {
        const e = yield* Effect.flip(st.read(recordedRoot, key))
        assert.strictEqual(e._tag, "PathOutsideRoot", key)
      }
    }))

  it.effect("readUrl maps local:// URLs under the recorded root to the configured root", () =>
    Effect.gen(function*() {
      const st = yield* Datastore.LocalStorage
      const key = "data/ParamsFlow/0b5677a5c7b8a0a4bda2e833f63480f3c1a284a8"
      const expected = new Uint8Array(readFileSync(join(corpusRoot, key)))
      assert.deepStrictEqual(Option.getOrThrow(yield* st.readUrl(`local://${recordedRoot}/${key}`, recordedRoot)), expected)
      assert.deepStrictEqual(Option.getOrThrow(yield* st.readUrl(`local://${recordedRoot}/${key}`, `:root:${recordedRoot}/`)), expected)
      assert.deepStrictEqual(Option.getOrThrow(yield* st.readUrl(`local://${corpusRoot}/${key}`, recordedRoot)), expected)
      assert.isTrue(Option.isNone(yield* st.readUrl(`local://${recordedRoot}/data/ParamsFlow/nope`, recordedRoot)))
      for (const url of [
        "local:///etc/passwd",
        `local://${recordedRoot}/../../etc/passwd`,
        `local://${recordedRoot}`,
        `local://relative/${key}`,
        `s3://bucket/${key}`,
        `local://${recordedRoot}x/${key}`
      ]) {
        const e = yield* Effect.flip(st.readUrl(url, recordedRoot))
        assert.strictEqual(e._tag, "PathOutsideRoot", url)
      }
    }))
})

}

describe("layers", () => {
  it.effect("storageLayer alone reads the corpus", () =>
    Effect.gen(function*() {
      const st = yield* Datastore.LocalStorage
      assert.isTrue(Option.isSome(yield* st.read(recordedRoot, "HelloLinearFlow/_meta/_self.json")))
    }).pipe(Effect.provide(LocalProvider.storageLayer(corpusRoot).pipe(Layer.provide(NodeContext.layer)))))

  it.effect("metadataLayer alone lists the corpus", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      assert.strictEqual((yield* collect(md.listFlows)).length, oracle.length)
    }).pipe(Effect.provide(LocalProvider.metadataLayer({ root: corpusBase }).pipe(Layer.provide(NodeContext.layer)))))
})
