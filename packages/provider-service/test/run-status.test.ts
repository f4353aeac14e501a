/**
 * Requests behind a run's status (`Run.successful`, `finished`, `finishedAt`, `endTask`, `data`) through
 * the service, replaying the real service's snapshot: every run's answer equals the Python oracle's, and
 * the requests are counted per route so that a regression in their number shows.
 *
 * Python sends 6 per `run.successful`: the `_parameters` step, its tasks, the task's metadata (for
 * `end_step`), the end step, its tasks, and the end task's `_success` artifact. With no namespace we send
 * 4: no lookup of the `_parameters` or the end step (a step that does not exist lists no tasks, `200 []`;
 * the replay server derives that answer for a failed run's missing end step from the recorded
 * `no_such_step` listing of the same run). In a namespace the end step is looked up, for its namespace
 * check (5).
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { NodeContext } from "@effect/platform-node"
import { assert, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe } from "vitest"
import { Namespace, Run } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { Observe, ServiceMetadataProvider } from "@metaflow-client/provider-service"
import { fixturesDir, type ReplayServer, snapshotDsRoot, snapshotResponses, startReplayServer } from "./ReplayServer.js"

interface OracleRun {
  readonly pathspec: string
  readonly successful: boolean
  readonly finished: boolean
  readonly finished_at_ms: number | null
  readonly end_task: string | null
  readonly data_artifacts: ReadonlyArray<string> | null
  readonly system_tags: ReadonlyArray<string>
}

const oracleDir = Path.join(fixturesDir, "service-snapshot", "oracle", "flows")
const oracleRuns: ReadonlyArray<OracleRun> = Fs.readdirSync(oracleDir).flatMap((f) =>
  (JSON.parse(Fs.readFileSync(Path.join(oracleDir, f), "utf8")) as { run_records: ReadonlyArray<OracleRun> }).run_records
)

const route = {
  step: "GET /flows/{flow}/runs/{run}/steps/{step}",
  tasks: "GET /flows/{flow}/runs/{run}/steps/{step}/tasks",
  metadata: "GET /flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/metadata",
  artifact: "GET /flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/artifacts/{name}",
  artifacts: "GET /flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/artifacts"
} as const

describe("run status through the service (replayed snapshot)", () => {
  let server: ReplayServer
  beforeAll(async () => {
    server = await startReplayServer([snapshotResponses], { dsRoot: "/corpus-svc/.metaflow" })
  })
  afterAll(async () => {
    await server.close()
  })

  /** `f` of every run of the snapshot, each with the routes of the requests it sent. */
  const eachRun = <A, E, R>(f: (run: Run.Run) => Effect.Effect<A, E, R>, namespace: (oracle: OracleRun) => string | null = () => null) =>
    Effect.suspend(() => {
      const counter = Observe.requestCounter()
      const layer = Layer.mergeAll(
        ServiceMetadataProvider.layer({ url: server.url, onRequest: counter.onRequest }).pipe(Layer.provide(FetchHttpClient.layer)),
        LocalProvider.storageLayer(snapshotDsRoot)
      ).pipe(Layer.provideMerge(NodeContext.layer))
      return Effect.forEach(oracleRuns, (oracle) =>
        Effect.gen(function*() {
          const run = yield* Run.get(oracle.pathspec)
          counter.reset()
          const answer = yield* f(run)
          return { oracle, answer, requests: counter.total(), routes: counter.byRoute() }
        }).pipe(Namespace.withNamespace(namespace(oracle)))).pipe(Effect.provide(layer))
    })

  it.live("successful: the oracle's answer, 4 requests per run (3 when the end step is missing); Python: 6", () =>
    Effect.gen(function*() {
      const results = yield* eachRun(Run.successful)
      assert.strictEqual(results.length, 17)
      let withEnd = 0
      for (const { answer, oracle, requests, routes } of results) {
        assert.strictEqual(answer, oracle.successful, oracle.pathspec)
        if (oracle.end_task === null) {
          assert.deepStrictEqual(routes, { [route.tasks]: 2, [route.metadata]: 1 }, oracle.pathspec)
        } else {
          withEnd++
          assert.strictEqual(requests, 4, oracle.pathspec)
          assert.deepStrictEqual(routes, { [route.tasks]: 2, [route.metadata]: 1, [route.artifact]: 1 }, oracle.pathspec)
        }
      }
      assert.strictEqual(withEnd, 15)
      assert.deepStrictEqual(server.unknownRequests, [])
    }))

  it.live("successful in the run's own namespace: the same answers, the end step looked up (5 requests)", () =>
    Effect.gen(function*() {
      const results = yield* eachRun(Run.successful, (oracle) => oracle.system_tags.find((t) => t.startsWith("user:"))!)
      for (const { answer, oracle, requests, routes } of results) {
        assert.strictEqual(answer, oracle.successful, oracle.pathspec)
        assert.strictEqual(routes[route.step], 1, oracle.pathspec)
        assert.strictEqual(requests, oracle.end_task === null ? 3 : 5, oracle.pathspec)
      }
      assert.deepStrictEqual(server.unknownRequests, [])
    }))

  it.live("Run.outcomes of every run in one call: the oracle's end tasks and answers, the same requests as per run", () =>
    Effect.gen(function*() {
      const counter = Observe.requestCounter()
      const layer = Layer.mergeAll(
        ServiceMetadataProvider.layer({ url: server.url, onRequest: counter.onRequest }).pipe(Layer.provide(FetchHttpClient.layer)),
        LocalProvider.storageLayer(snapshotDsRoot)
      ).pipe(Layer.provideMerge(NodeContext.layer))
      yield* Effect.gen(function*() {
        const runs = yield* Effect.forEach(oracleRuns, (oracle) => Run.get(oracle.pathspec))
        counter.reset()
        const got = Chunk.toReadonlyArray(yield* Stream.runCollect(Run.outcomes(runs)))
        assert.deepStrictEqual(got.map((o) => o.run.pathspec), oracleRuns.map((o) => o.pathspec))
        got.forEach((o, i) => {
          const oracle = oracleRuns[i]!
          assert.strictEqual(o.successful, oracle.successful, oracle.pathspec)
          assert.strictEqual(Option.getOrNull(Option.map(o.endTask, (t) => t.pathspec)), oracle.end_task, oracle.pathspec)
        })
        // the service has no batch reads: the backend is asked per object, as `Run.successful` asks it
        const withEnd = oracleRuns.filter((o) => o.end_task !== null).length
        assert.deepStrictEqual(counter.byRoute(), {
          [route.tasks]: 2 * oracleRuns.length,
          [route.metadata]: oracleRuns.length,
          [route.artifact]: withEnd
        })
      }).pipe(Namespace.withNamespace(null), Effect.provide(layer))
      assert.deepStrictEqual(server.unknownRequests, [])
    }))

  it.live("finished, finishedAt, endTask, data: the oracle's answers, with as few requests", () =>
    Effect.gen(function*() {
      const results = yield* eachRun((run) =>
        Effect.all({
          finished: Run.finished(run),
          finishedAt: Run.finishedAt(run),
          endTask: Run.endTask(run),
          data: Run.data(run)
        }))
      for (const { answer, oracle, routes } of results) {
        assert.strictEqual(answer.finished, oracle.finished, oracle.pathspec)
        assert.strictEqual(Option.getOrNull(Option.map(answer.finishedAt, (d) => d.getTime())), oracle.finished_at_ms, oracle.pathspec)
        assert.strictEqual(Option.getOrNull(Option.map(answer.endTask, (t) => t.pathspec)), oracle.end_task, oracle.pathspec)
        assert.deepStrictEqual(
          Option.getOrNull(Option.map(answer.data, (d) => [...d.keys()].sort())),
          oracle.data_artifacts === null ? null : [...oracle.data_artifacts].sort(),
          oracle.pathspec
        )
        // four questions: four times the endpoints and the end step's tasks; `_task_ok` twice by name, the listing
        // (pages of 100 records) once
        const perQuestion = { tasks: 8, metadata: 4 }
        assert.strictEqual(routes[route.step], undefined, oracle.pathspec)
        assert.strictEqual(routes[route.tasks], perQuestion.tasks, oracle.pathspec)
        assert.strictEqual(routes[route.metadata], perQuestion.metadata, oracle.pathspec)
        if (oracle.end_task !== null) {
          assert.strictEqual(routes[route.artifact], 2, oracle.pathspec)
          assert.isAtLeast(routes[route.artifacts]!, 1, oracle.pathspec)
        }
      }
      assert.deepStrictEqual(server.unknownRequests, [])
    }))
})
