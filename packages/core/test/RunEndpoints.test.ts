/**
 * `Run.endTask` / `successful` / `trigger` read the start or end step while the `_parameters` metadata is
 * read (the step is nearly always named `start` / `end`), and read again when the run names another one.
 * Checked on a copy of a corpus run whose end step is renamed `finish` (with a decoy step named `end`) and
 * whose start step is renamed `begin` (with a trigger): the answers are those of the named steps, and the
 * provider calls are counted so that a regression in their number shows. With no namespace the end step is
 * not looked up (its task listing answers); in a namespace it is, for the step's namespace check.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { Run } from "@metaflow-client/core"
import { custom, flow, makeRoot, plain, trigger, withCounted } from "./endpoints-fixture.js"

describe("Run endpoints (start_step / end_step)", () => {
  const root = makeRoot()

  it.live("a run naming another end step: its end task, not the decoy `end` step's", () =>
    withCounted(root, (calls) =>
      Effect.gen(function*() {
        const run = yield* Run.get(`${flow}/${custom}`)
        assert.deepStrictEqual(yield* Run.graphEndpoints(run), { start: "begin", end: "finish" })
        const end = yield* Run.endTask(run)
        assert.isTrue(Option.isSome(end))
        assert.strictEqual(Option.getOrThrow(end).pathspec.split("/").slice(2, 3)[0], "finish")
        for (const k of Object.keys(calls.count)) delete calls.count[k]
        assert.isTrue(yield* Run.successful(run))
        // the guess (`end`: tasks, perhaps `_success` before it is interrupted), the endpoints, then the
        // named step the same way
        const { listArtifacts, ...rest } = calls.count
        assert.deepStrictEqual(rest, { listTasks: 3, listMetadata: 1 })
        assert.include([1, 2], listArtifacts)
      })))

  it.live("a run naming another start step: the trigger of that step's task", () =>
    withCounted(root, () =>
      Effect.gen(function*() {
        const run = yield* Run.get(`${flow}/${custom}`)
        assert.deepStrictEqual(yield* Run.trigger(run), Option.some(trigger))
        const other = yield* Run.get(`${flow}/${plain}`)
        assert.deepStrictEqual(yield* Run.trigger(other), Option.none())
      })))

  it.live("the usual run: 4 provider calls for `successful`, the end step's tasks read beside the endpoints", () =>
    withCounted(root, (calls) =>
      Effect.gen(function*() {
        const run = yield* Run.get(`${flow}/${plain}`)
        calls.spans.length = 0
        for (const k of Object.keys(calls.count)) delete calls.count[k]
        assert.isTrue(yield* Run.successful(run))
        assert.deepStrictEqual(calls.count, { listTasks: 2, listMetadata: 1, listArtifacts: 1 })
        const endTasks = calls.spans.find((s) => s.method === "listTasks" && s.arg.includes("\"end\""))!
        const params = calls.spans.find((s) => s.method === "listMetadata")!
        // side by side: the end step's tasks were asked for before the `_parameters` metadata came back
        assert.isBelow(endTasks.start, params.end!)
        const end = yield* Run.endTask(run)
        assert.strictEqual(Option.getOrThrow(end).path.step, "end")
      })))

  it.live("in a namespace: the end step is looked up too (5 calls), and the answer is the same", () =>
    Effect.gen(function*() {
      const user = JSON.parse(fs.readFileSync(path.join(root, ".metaflow", flow, plain, "_meta", "_self.json"), "utf8")).user_name
      yield* withCounted(root, (calls) =>
        Effect.gen(function*() {
          const run = yield* Run.get(`${flow}/${plain}`)
          for (const k of Object.keys(calls.count)) delete calls.count[k]
          assert.isTrue(yield* Run.successful(run))
          assert.deepStrictEqual(calls.count, { getStep: 1, listTasks: 2, listMetadata: 1, listArtifacts: 1 })
        }), `user:${user}`)
    }))
})
