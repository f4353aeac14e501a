/**
 * The service's quirks, against recorded exchanges of the real service (transcripts), replayed by a real
 * loopback HTTP server. Transcripts hold only the requests the Python client made (plain listings), so
 * these providers run with `pagination: "never"` unless a paged form was recorded.
 */
import { assert, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { describe } from "vitest"
import { transcript } from "./ReplayServer.js"
import { collect, sorted, withProvider, withReplay } from "./support.js"

const plain = { pagination: "never" as const }

describe("service quirks", () => {
  it.effect("string run and task ids (argo-…, t-start-0) stay strings; numbered runs become '1'", () =>
    withReplay([transcript("string-ids")], (server) =>
      withProvider({ url: server.url, ...plain }, (md) =>
        Effect.gen(function*() {
          const flow = Option.getOrThrow(yield* md.getFlow({ flow: "HelloFlow" }))
          assert.deepStrictEqual([flow.tags, flow.systemTags, flow.userName], [[], [], null], "null tags/user → [] / null")
          const runs = yield* collect(md.listRuns({ flow: "HelloFlow" }))
          assert.deepStrictEqual(sorted(runs.map((r) => r.runId)), ["1", "2", "3", "argo-helloflow-x7k2p"])
          const run = { flow: "HelloFlow", run: "argo-helloflow-x7k2p" }
          const got = Option.getOrThrow(yield* md.getRun(run))
          assert.strictEqual(got.runId, "argo-helloflow-x7k2p")
          assert.deepStrictEqual(got.tags, ["orch"])
          const params = Option.getOrThrow(yield* md.getStep({ ...run, step: "_parameters" }))
          assert.strictEqual(params.runId, "argo-helloflow-x7k2p")
          const ptasks = yield* md.listTasks({ ...run, step: "_parameters" })
          assert.deepStrictEqual(ptasks.map((t) => t.taskId), ["t-params-0"])
          const pmeta = yield* md.listMetadata({ ...run, step: "_parameters", task: "t-params-0" })
          assert.isTrue(pmeta.length > 0 && pmeta.every((m) => m.taskId === "t-params-0" && m.runId === run.run))
          const steps = yield* md.listSteps(run)
          assert.deepStrictEqual(sorted(steps.map((s) => s.stepName)), ["_parameters", "end", "middle", "start"])
          assert.isTrue(steps.every((s) => s.runId === run.run))
          const arts = yield* md.listArtifacts({ ...run, step: "start", task: "t-start-0" })
          assert.isTrue(arts.length > 0)
          assert.isTrue(arts.every((a) => a.taskId === "t-start-0" && a.runId === run.run && a.attemptId === 0))
          assert.isTrue(arts.some((a) => a.name === "x" && a.location.startsWith(":root:")))
        }))))

  it.effect("step objects carry run_number as a string, run objects as an int: both become '1'", () =>
    withReplay([transcript("run-steps-tasks")], (server) =>
      Effect.gen(function*() {
        const raw = yield* Effect.promise(() => fetch(`${server.url}/flows/HelloFlow/runs/1/steps/start`))
        assert.strictEqual(raw.headers.get("content-type"), "text/plain; charset=utf-8", "JSON labelled text/plain")
        const body = (yield* Effect.promise(() => raw.json())) as { run_number: unknown }
        assert.strictEqual(body.run_number, "1")
        yield* withProvider({ url: server.url, ...plain }, (md) =>
          Effect.gen(function*() {
            const run = Option.getOrThrow(yield* md.getRun({ flow: "HelloFlow", run: "1" }))
            assert.strictEqual(run.runId, "1")
            assert.strictEqual(run.lastHeartbeatTs !== null && run.lastHeartbeatTs < run.tsEpoch / 100, true, "heartbeat in seconds")
            const step = Option.getOrThrow(yield* md.getStep({ flow: "HelloFlow", run: "1", step: "start" }))
            assert.strictEqual(step.runId, "1")
            const tasks = yield* md.listTasks({ flow: "HelloFlow", run: "1", step: "end" })
            assert.deepStrictEqual(tasks.map((t) => [t.runId, t.taskId]), [["1", "4"]])
          }))
      })))

  it.effect("404 {} on single objects is Option.none; 200 [] under missing parents is an empty listing", () =>
    withReplay([transcript("namespace-errors"), transcript("raw-api-probe")], (server) =>
      withProvider({ url: server.url, ...plain }, (md) =>
        Effect.gen(function*() {
          assert.isTrue(Option.isNone(yield* md.getFlow({ flow: "NoSuchFlow" })))
          assert.isTrue(Option.isNone(yield* md.getRun({ flow: "HelloFlow", run: "999" })))
          assert.isTrue(Option.isNone(yield* md.getRun({ flow: "HelloFlow", run: "4" })), "run numbers are global: 4 is ForeachFlow's")
          assert.isTrue(Option.isNone(yield* md.getStep({ flow: "HelloFlow", run: "1", step: "nostep" })))
          assert.isTrue(Option.isNone(yield* md.getTask({ flow: "HelloFlow", run: "1", step: "start", task: "999999" })))
          assert.deepStrictEqual(yield* collect(md.listRuns({ flow: "NoSuchFlow" })), [])
          assert.deepStrictEqual(yield* md.listSteps({ flow: "HelloFlow", run: "999" }), [])
          assert.deepStrictEqual(yield* md.listTasks({ flow: "ForeachFlow", run: "4", step: "nostep" }), [])
          assert.deepStrictEqual(yield* md.listMetadata({ flow: "HelloFlow", run: "1", step: "start", task: "99999" }), [])
          assert.deepStrictEqual(yield* md.listArtifacts({ flow: "RetryCatchFlow", run: "5", step: "flaky", task: "99999" }), [])
        }))))

  it.effect("paged artifact listings include older attempts' names; the provider drops them (same set as plain)", () =>
    withReplay([transcript("raw-api-probe"), transcript("attempt-diff")], (server) =>
      Effect.gen(function*() {
        const task = { flow: "AttemptDiffFlow", run: "10", step: "flip", task: "49" }
        const rawPaged = yield* Effect.promise(() =>
          fetch(`${server.url}/flows/AttemptDiffFlow/runs/10/steps/flip/tasks/49/artifacts?_limit=500`).then((r) => r.json())
        ) as Effect.Effect<ReadonlyArray<{ name: string; attempt_id: number }>>
        assert.isTrue(rawPaged.some((a) => a.name === "only_in_attempt0" && a.attempt_id === 0), "the paged form has the old row")
        const viaPlain = yield* withProvider({ url: server.url, ...plain }, (md) => md.listArtifacts(task))
        const viaPaged = yield* withProvider({ url: server.url, pagination: "always", pageSize: 500 }, (md) =>
          Effect.all([md.listArtifacts(task), md.listArtifacts({ flow: task.flow, run: task.run, step: task.step })]))
        const names = (xs: ReadonlyArray<{ name: string; attemptId: number }>) => sorted(xs.map((a) => `${a.name}@${a.attemptId}`))
        assert.strictEqual(viaPlain.length, 13)
        assert.deepStrictEqual(names(viaPaged[0]), names(viaPlain))
        assert.deepStrictEqual(names(viaPaged[1]), names(viaPlain))
        assert.isFalse(viaPaged[0].some((a) => a.name === "only_in_attempt0"))
        assert.isTrue(viaPlain.every((a) => a.attemptId === 1))
        const attempt0 = yield* withProvider({ url: server.url, ...plain }, (md) => md.listArtifacts(task, 0))
        assert.isTrue(attempt0.some((a) => a.name === "only_in_attempt0") && attempt0.every((a) => a.attemptId === 0))
        assert.isTrue(server.requests.some((r) => r.query["_limit"] === "500"))
      })))

  it.effect("headers from options (Redacted) and an auth step are sent on every request", () =>
    withReplay([transcript("service-headers")], (server) =>
      Effect.gen(function*() {
        let calls = 0
        const auth = Effect.sync(() => {
          calls++
          return { "x-demo-team": "ml" }
        })
        const run = yield* withProvider(
          { url: `${server.url}/`, headers: { "x-api-key": Redacted.make("demo-key-not-secret") }, auth, ...plain },
          (md) => Effect.all([md.getRun({ flow: "HelloFlow", run: "2" }), Effect.succeed(md.describe)])
        )
        assert.strictEqual(Option.getOrThrow(run[0]).runId, "2")
        assert.strictEqual(run[1], `service@${server.url}`, "describe, trailing / dropped")
        assert.strictEqual(calls, 1)
        const h = server.requests[0]!.headers
        assert.strictEqual(h["x-api-key"], "demo-key-not-secret")
        assert.strictEqual(h["x-demo-team"], "ml")
      })))
})
