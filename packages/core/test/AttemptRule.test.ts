/**
 * Which attempt a local task's artifacts come from, by Python's rule: the value of the task's last
 * `sysmeta_attempt-done_*` record; none without one, even where an older attempt registered artifacts.
 * Each variant of attempt-variants.ts (a task killed between marking an attempt done and registering its
 * artifacts, a task with no done attempt, a last record that names an older attempt, an end task cut the
 * same way) is asked through both local readers, per task and through the batch forms, and must give the
 * real Python client's answers (testdata/attempt-rule/oracle.json, recorded by record.py beside it).
 */
import { NodeContext } from "@effect/platform-node"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Artifact, Namespace, Run, Step, Task } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
import { Chunk, Effect, Layer, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { flow, makeVariant, retried, run, variants } from "./attempt-variants.js"

interface TaskFacts {
  readonly artifacts: ReadonlyArray<string>
  readonly successful: boolean
  readonly finished: boolean
  readonly has_exception: boolean
  readonly has_finished_at: boolean
  readonly name: unknown
}
interface Facts {
  readonly retried: TaskFacts
  readonly retried_attempt_0: ReadonlyArray<string>
  readonly end: TaskFacts
  readonly run_successful: boolean
  readonly run_finished: boolean
}
const oracle = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../../testdata/attempt-rule/oracle.json"), "utf8")
) as { readonly variants: Record<string, Facts> }

const taskFacts = (task: Task.Task) =>
  Effect.gen(function*() {
    const artifacts = Chunk.toReadonlyArray(yield* Stream.runCollect(Task.artifacts(task))).map((a) => a.path.artifact).sort()
    const name = yield* Task.artifactRecord(task, "name")
    return {
      artifacts,
      successful: yield* Task.successful(task),
      finished: yield* Task.finished(task),
      has_exception: Option.isSome(yield* Task.exception(task)),
      has_finished_at: Option.isSome(yield* Task.finishedAt(task)),
      name: Option.isSome(name) ? yield* Artifact.value(yield* Task.artifact(task, "name")) : null
    } satisfies TaskFacts
  })

const factsOf = Effect.gen(function*() {
  const r = yield* Run.get(`${flow}/${run}`)
  const end = Option.getOrThrow(yield* Run.endTask(r))
  const task = yield* Task.get(retried)
  return {
    retried: yield* taskFacts(task),
    retried_attempt_0: Chunk.toReadonlyArray(yield* Stream.runCollect(Task.artifacts(Task.atAttempt(task, 0)))).map((a) => a.path.artifact).sort(),
    end: yield* taskFacts(end),
    run_successful: yield* Run.successful(r),
    run_finished: yield* Run.finished(r)
  } satisfies Facts
})

const readers = {
  "portable reads": (root: string) => LocalProvider.layer({ root }),
  "node:fs reads": (root: string) => NodeLocalProvider.layer({ root })
}

describe("the attempt a local task's artifacts come from (Python's rule)", () => {
  it("the oracle covers every variant", () => {
    assert.deepStrictEqual(Object.keys(oracle.variants).sort(), Object.keys(variants).sort())
  })

  const roots: Array<string> = []
  afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })))

  for (const variant of Object.keys(variants)) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `mfc-attempts-${variant}-`))
    roots.push(root)
    makeVariant(root, variant)
    const expected = oracle.variants[variant]!
    for (const [reader, layer] of Object.entries(readers)) {
      const provide = <A, E>(e: Effect.Effect<A, E, any>) =>
        Namespace.withNamespace(e, null).pipe(Effect.provide(layer(root).pipe(Layer.provideMerge(NodeContext.layer)))) as Effect.Effect<A, E>

      it.effect(`${variant}, ${reader}: the Python client's answers`, () =>
        provide(Effect.map(factsOf, (facts) => assert.deepStrictEqual(facts, expected))))

      it.effect(`${variant}, ${reader}: the batch forms agree (Step.artifactValues, Run.outcomes)`, () =>
        provide(Effect.gen(function*() {
          const step = yield* Step.get(`${flow}/${run}/flaky`)
          const values = Chunk.toReadonlyArray(yield* Stream.runCollect(Step.artifactValues(step, "name"))).map((v) => v.value)
          assert.deepStrictEqual(values, expected.retried.name === null ? [] : [expected.retried.name])
          const r = yield* Run.get(`${flow}/${run}`)
          const [outcome] = Chunk.toReadonlyArray(yield* Stream.runCollect(Run.outcomes([r])))
          assert.strictEqual(outcome!.successful, expected.run_successful)
        })))
    }
  }
})
