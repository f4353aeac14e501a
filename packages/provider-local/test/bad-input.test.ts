import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Datastore, MetadataProvider } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { LocalProvider } from "../src/index.js"

const collect = <A, E>(s: Stream.Stream<A, E>) => Effect.map(Stream.runCollect(s), Chunk.toReadonlyArray)

const flowSelf = (flow: string) => JSON.stringify({ flow_id: flow, ts_epoch: 1 })
const runSelf = (flow: string, run: string) =>
  JSON.stringify({ run_number: run, flow_id: flow, user_name: "u", tags: ["t"], system_tags: ["user:u"], ts_epoch: 2 })
const stepSelf = (flow: string, run: string, step: string) =>
  JSON.stringify({ run_number: run, step_name: step, flow_id: flow, user_name: "u", tags: [], system_tags: [], ts_epoch: 3 })
const taskSelf = (flow: string, run: string, step: string, task: string) =>
  JSON.stringify({ run_number: run, step_name: step, task_id: task, flow_id: flow, user_name: "u", tags: [], system_tags: [], ts_epoch: 4 })

/** Builds a tree of files below `<tmp>/<name>`; returns the base dir (containing .metaflow). */
const build = (files: Record<string, string>): { base: string; root: string } => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "mfc-bad-")))
  const root = join(base, ".metaflow")
  mkdirSync(root)
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel)
    if (rel.endsWith("/")) {
      mkdirSync(p, { recursive: true })
    } else {
      mkdirSync(dirname(p), { recursive: true })
      writeFileSync(p, text)
    }
  }
  return { base, root }
}

const tree = build({
  "Good/_meta/_self.json": flowSelf("Good"),
  "Good/1/_meta/_self.json": runSelf("Good", "1"),
  "Good/1/s/_meta/_self.json": stepSelf("Good", "1", "s"),
  "Good/1/s/7/_meta/_self.json": taskSelf("Good", "1", "s", "7"),
  "Good/1/s/7/_meta/sysmeta_bad_1.json": "{not json",
  "Good/1/s/7/_meta/0_artifact_x.json": JSON.stringify({ name: "x" }),
  // attempt 0 is done: its artifact records are read (and `x` is corrupt)
  "Good/1/s/7/_meta/sysmeta_attempt-done_1.json": JSON.stringify({
    flow_id: "Good", run_number: "1", step_name: "s", task_id: "7", field_name: "attempt-done", type: "attempt-done",
    value: "0", tags: ["attempt_id:0"], user_name: "u", ts_epoch: 5
  }),
  "Good/1/s/8/_meta/_self.json": "[1, 2]",
  "Good/2/_meta/_self.json": "{\"flow_id\": 5}",
  "Good/2/s/_meta/_self.json": stepSelf("Good", "2", "s"),
  "Good/3/s/_meta/_self.json": stepSelf("Good", "3", "s"),
  "NoSelf/_meta/": "",
  "Garbled/_meta/_self.json": "{\"flow_id\": \"Garbled\", ",
  "WrongType/_meta/_self.json": "\"just a string\"",
  "NotAnObject/readme.txt": "hi",
  ".Hidden/_meta/_self.json": flowSelf(".Hidden"),
  "Attempts/_meta/_self.json": flowSelf("Attempts"),
  "Attempts/1/_meta/_self.json": runSelf("Attempts", "1"),
  "Attempts/1/s/_meta/_self.json": stepSelf("Attempts", "1", "s"),
  "Attempts/1/s/1/_meta/_self.json": taskSelf("Attempts", "1", "s", "1"),
  "Attempts/1/s/1/_meta/sysmeta_attempt-done_5.json": JSON.stringify({ field_name: "attempt-done", value: "one" }),
  "Attempts/1/s/1/_meta/0_artifact_x.json": JSON.stringify({ name: "x" }),
  "Attempts/1/t/_meta/_self.json": stepSelf("Attempts", "1", "t"),
  "Attempts/1/t/2/_meta/_self.json": taskSelf("Attempts", "1", "t", "2"),
  "Attempts/1/t/2/_meta/sysmeta_attempt-done_5.json": "{nope",
  "Good/data/ab/abc": "blob",
  "Good/data/ab/inside": "inside"
})
const outsideDir = realpathSync(mkdtempSync(join(tmpdir(), "mfc-outside-")))
writeFileSync(join(outsideDir, "secret"), "secret")
symlinkSync(join(outsideDir, "secret"), join(tree.root, "Good", "data", "ab", "escape"))
symlinkSync(outsideDir, join(tree.root, "Good", "data", "linkdir"))
symlinkSync(join(tree.root, "Good", "data", "ab", "inside"), join(tree.root, "Good", "data", "ab", "ok-link"))

const TestLive = LocalProvider.layer({ root: tree.base }).pipe(Layer.provide(NodeContext.layer))

const expectCorrupt = (e: { readonly _tag: string }, file: string, reason?: string) => {
  assert.strictEqual(e._tag, "CorruptRecord")
  const c = e as unknown as { path: string; reason: string; message: string }
  assert.strictEqual(c.path, join(tree.root, file))
  assert.include(c.message, join(tree.root, file))
  if (reason !== undefined) assert.include(c.reason, reason)
}

it.layer(TestLive)("bad input", (it) => {
  it.effect("missing _self.json under an existing _meta is a CorruptRecord naming the file", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      expectCorrupt(yield* Effect.flip(md.getFlow({ flow: "NoSelf" })), "NoSelf/_meta/_self.json", "missing")
      // a directory without _meta is not an object
      assert.isTrue(Option.isNone(yield* md.getFlow({ flow: "NotAnObject" })))
    }))

  it.effect("corrupt JSON _self.json is a CorruptRecord naming the file", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      expectCorrupt(yield* Effect.flip(md.getFlow({ flow: "Garbled" })), "Garbled/_meta/_self.json", "not JSON")
    }))

  it.effect("JSON of the wrong type is a CorruptRecord naming the file", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      expectCorrupt(yield* Effect.flip(md.getFlow({ flow: "WrongType" })), "WrongType/_meta/_self.json")
      expectCorrupt(yield* Effect.flip(md.getRun({ flow: "Good", run: "2" })), "Good/2/_meta/_self.json")
      expectCorrupt(yield* Effect.flip(md.getTask({ flow: "Good", run: "1", step: "s", task: "8" })), "Good/1/s/8/_meta/_self.json")
    }))

  it.effect("listings skip entries without _self.json but fail on corrupt ones", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const e = yield* Effect.flip(collect(md.listFlows))
      assert.strictEqual(e._tag, "CorruptRecord")
      const runs = yield* Effect.flip(collect(md.listRuns({ flow: "Good" })))
      expectCorrupt(runs, "Good/2/_meta/_self.json")
      const tasks = yield* Effect.flip(md.listTasks({ flow: "Good", run: "1", step: "s" }))
      expectCorrupt(tasks, "Good/1/s/8/_meta/_self.json")
      const steps = yield* md.listSteps({ flow: "Good", run: "1" })
      assert.deepStrictEqual(steps.map((s) => s.stepName), ["s"])
      assert.deepStrictEqual(steps[0]!.tags, ["t"], "steps carry the run's tags")
    }))

  it.effect("a corrupt or missing run record fails reads of its descendants", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      expectCorrupt(yield* Effect.flip(md.getStep({ flow: "Good", run: "2", step: "s" })), "Good/2/_meta/_self.json")
      expectCorrupt(
        yield* Effect.flip(md.getStep({ flow: "Good", run: "3", step: "s" })),
        "Good/3/_meta/_self.json",
        "run record missing"
      )
      // listings under a run whose record is absent list nothing
      assert.strictEqual((yield* md.listSteps({ flow: "Good", run: "3" })).length, 0)
    }))

  it.effect("corrupt metadata and artifact records name their file", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const task = { flow: "Good", run: "1", step: "s", task: "7" }
      expectCorrupt(yield* Effect.flip(md.listMetadata(task)), "Good/1/s/7/_meta/sysmeta_bad_1.json", "not JSON")
      expectCorrupt(yield* Effect.flip(md.listArtifacts(task)), "Good/1/s/7/_meta/0_artifact_x.json")
      expectCorrupt(yield* Effect.flip(md.listArtifacts({ flow: "Good", run: "1" })), "Good/1/s/7/_meta/0_artifact_x.json")
    }))

  it.effect("an attempt-done record that names no attempt is a CorruptRecord naming the file, in every form", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const s = { flow: "Attempts", run: "1", step: "s" }
      const file = "Attempts/1/s/1/_meta/sysmeta_attempt-done_5.json"
      expectCorrupt(yield* Effect.flip(md.listArtifacts({ ...s, task: "1" })), file, "\"one\" is not an attempt number")
      expectCorrupt(yield* Effect.flip(md.listArtifacts({ ...s, task: "1" }, undefined, "x")), file, "not an attempt number")
      expectCorrupt(yield* Effect.flip(md.listArtifacts(s)), file, "not an attempt number")
      expectCorrupt(yield* Effect.flip(md.listArtifactsOfTasks!([{ ...s, task: "1" }], "x")), file, "not an attempt number")
      const t = { flow: "Attempts", run: "1", step: "t", task: "2" }
      expectCorrupt(yield* Effect.flip(md.listArtifacts(t)), "Attempts/1/t/2/_meta/sysmeta_attempt-done_5.json", "not JSON")
      // an explicit attempt does not consult the record
      assert.strictEqual((yield* md.listArtifacts({ ...s, task: "1" }, 1)).length, 0)
    }))

  it.effect("the batch forms fail as the single-object methods do, list nothing under a missing run, refuse bad ids", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const task = { flow: "Good", run: "1", step: "s", task: "7" }
      const step = { flow: "Good", run: "1", step: "s" }
      expectCorrupt(yield* Effect.flip(md.listTasksOfSteps!([step])), "Good/1/s/8/_meta/_self.json")
      expectCorrupt(yield* Effect.flip(md.listMetadataOfTasks!([task])), "Good/1/s/7/_meta/sysmeta_bad_1.json", "not JSON")
      expectCorrupt(yield* Effect.flip(md.listArtifactsOfTasks!([task])), "Good/1/s/7/_meta/0_artifact_x.json")
      // run 3 has no record: its step lists no tasks, as `listTasks` answers; a missing step lists none either
      const lists = yield* md.listTasksOfSteps!([{ flow: "Good", run: "3", step: "s" }, { flow: "Good", run: "1", step: "nope" }])
      assert.deepStrictEqual(lists, [[], []])
      assert.deepStrictEqual(lists[0], yield* md.listTasks({ flow: "Good", run: "3", step: "s" }))
      for (const bad of ["..", "a/b", ""]) {
        const e = yield* Effect.flip(md.listTasksOfSteps!([{ flow: "Good", run: "1", step: bad }]))
        assert.strictEqual(e._tag, "PathOutsideRoot", JSON.stringify(bad))
        const m = yield* Effect.flip(md.listMetadataOfTasks!([{ ...task, task: bad }]))
        assert.strictEqual(m._tag, "PathOutsideRoot", JSON.stringify(bad))
      }
    }))

  it.effect("storage refuses symlinks that escape the root, follows those that stay inside", () =>
    Effect.gen(function*() {
      const st = yield* Datastore.LocalStorage
      const e = yield* Effect.flip(st.read("/recorded/.metaflow", "Good/data/ab/escape"))
      assert.strictEqual(e._tag, "PathOutsideRoot")
      const e2 = yield* Effect.flip(st.read("/recorded/.metaflow", "Good/data/linkdir/secret"))
      assert.strictEqual(e2._tag, "PathOutsideRoot")
      const e3 = yield* Effect.flip(st.size("/recorded/.metaflow", "Good/data/ab/escape"))
      assert.strictEqual(e3._tag, "PathOutsideRoot")
      const e4 = yield* Effect.flip(Stream.runDrain(st.stream("/recorded/.metaflow", "Good/data/ab/escape")))
      assert.strictEqual(e4._tag, "PathOutsideRoot")
      const e5 = yield* Effect.flip(st.readUrl("local:///recorded/.metaflow/Good/data/ab/escape", "/recorded/.metaflow"))
      assert.strictEqual(e5._tag, "PathOutsideRoot")
      const ok = yield* st.read("/recorded/.metaflow", "Good/data/ab/ok-link")
      assert.strictEqual(new TextDecoder().decode(Option.getOrThrow(ok)), "inside")
      const blob = Option.getOrThrow(yield* st.readWithSidecar("/recorded/.metaflow", "Good/data/ab/abc"))
      assert.isTrue(Option.isNone(blob.sidecar))
    }))

  it.effect("readUrl refuses paths outside the root", () =>
    Effect.gen(function*() {
      const st = yield* Datastore.LocalStorage
      for (const url of [`local://${outsideDir}/secret`, "local:///etc/passwd", `local://${tree.root}/../x`]) {
        const e = yield* Effect.flip(st.readUrl(url, "/recorded/.metaflow"))
        assert.strictEqual(e._tag, "PathOutsideRoot", url)
      }
    }))
})

describe("cleanup", () => {
  it("removes the temp trees", () => {
    rmSync(tree.base, { recursive: true, force: true })
    rmSync(outsideDir, { recursive: true, force: true })
  })
})
