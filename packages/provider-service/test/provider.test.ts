/**
 * Tag mutation against the real service's transcript, request counts of batched artifact reads, and
 * configuration from the environment.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe } from "vitest"
import { Errors, MetadataProvider } from "@metaflow-client/core"
import { Auth, Observe, ServiceMetadataProvider } from "@metaflow-client/provider-service"
import { fixturesDir, type ReplayServer, snapshotResponses, startReplayServer, transcript } from "./ReplayServer.js"
import { collect, sorted, withProvider, withReplay } from "./support.js"

describe("tag mutation (tag-mutation.jsonl, the Python client's session with the real service)", () => {
  it.live("add, add several, remove, replace, add a system tag (no-op), remove a system tag (422)", () =>
    withReplay([transcript("tag-mutation")], (server) =>
      withProvider({ url: server.url, pagination: "never" }, (md) =>
        Effect.gen(function*() {
          const run = { flow: "HelloFlow", run: "3" }
          assert.deepStrictEqual(Option.getOrThrow(yield* md.getRun(run)).tags, [])
          assert.deepStrictEqual(yield* md.mutateRunTags(run, { add: ["reviewed"], remove: [] }), ["reviewed"])
          assert.deepStrictEqual(sorted(yield* md.mutateRunTags(run, { add: ["t1", "t2"], remove: [] })), ["reviewed", "t1", "t2"])
          assert.deepStrictEqual(sorted(yield* md.mutateRunTags(run, { add: [], remove: ["t1"] })), ["reviewed", "t2"])
          assert.deepStrictEqual(sorted(yield* md.mutateRunTags(run, { add: ["t3"], remove: ["t2"] })), ["reviewed", "t3"])
          assert.deepStrictEqual(sorted(yield* md.mutateRunTags(run, { add: ["user:alice"], remove: [] })), ["reviewed", "t3"])
          const refused = yield* Effect.flip(md.mutateRunTags(run, { add: [], remove: ["user:alice"] }))
          assert.instanceOf(refused, Errors.TaggingError)
          assert.strictEqual(refused.message, "Cannot remove tags that are existing system tags {'user:alice'}")
          assert.deepStrictEqual(sorted(Option.getOrThrow(yield* md.getRun(run)).tags), ["reviewed", "t3"])
          const end = Option.getOrThrow(yield* md.getStep({ ...run, step: "end" }))
          assert.deepStrictEqual(sorted(end.tags), ["reviewed", "t3"], "steps show the run's new tags")
          const tasks = yield* md.listTasks({ ...run, step: "end" })
          assert.deepStrictEqual(sorted(tasks[0]!.tags), ["reviewed", "t3"], "tasks too")
          const patches = server.requests.filter((r) => r.method === "PATCH")
          assert.strictEqual(patches.length, 6)
          assert.isTrue(patches.every((p) => String(p.headers["content-type"]).startsWith("application/json")))
        }))))
})

describe("request counts", () => {
  let server: ReplayServer
  beforeAll(async () => {
    server = await startReplayServer([snapshotResponses])
  })
  afterAll(async () => {
    await server.close()
  })

  const oracle = (flow: string) =>
    JSON.parse(Fs.readFileSync(Path.join(fixturesDir, "service-snapshot", "oracle", "flows", `${flow}.json`), "utf8")) as {
      run_records: ReadonlyArray<{ id: string; step_records: ReadonlyArray<{ id: string; tasks: ReadonlyArray<string> }> }>
    }

  it.live("all artifacts of a step: one request per page of records, not one per task", () =>
    Effect.gen(function*() {
      const figures: Array<string> = []
      for (const flow of ["ForeachFlow", "NestedForeachFlow", "S3ForeachFlow"]) {
        const o = oracle(flow)
        const r = o.run_records[0]!
        const step = [...r.step_records].sort((a, b) => b.tasks.length - a.tasks.length)[0]!
        const path = { flow, run: r.id, step: step.id }
        for (const pageSize of [100]) {
          const counter = Observe.requestCounter()
          const records = yield* withProvider({ url: server.url, pageSize, onRequest: counter.onRequest }, (md) =>
            md.listArtifacts(path))
          const tasks = new Set(records.map((a) => a.taskId))
          assert.strictEqual(tasks.size, step.tasks.length, "records of every task")
          assert.strictEqual(counter.total(), Math.ceil(records.length / pageSize) || 1)
          assert.deepStrictEqual(Object.keys(counter.byRoute()), ["GET /flows/{flow}/runs/{run}/steps/{step}/artifacts"])
          figures.push(`${flow}/${r.id}/${step.id}: ${step.tasks.length} tasks, ${records.length} records, pageSize ${pageSize}: ${counter.total()} request(s)`)
        }
        // the same question one task at a time, for comparison
        const counter = Observe.requestCounter()
        yield* withProvider({ url: server.url, onRequest: counter.onRequest }, (md) =>
          Effect.forEach(step.tasks, (task) => md.listArtifacts({ ...path, task }), { concurrency: 4 }))
        assert.strictEqual(counter.total(), step.tasks.length)
        figures.push(`  per task instead: ${counter.total()} requests`)
        // a whole run
        const runCounter = Observe.requestCounter()
        const runRecords = yield* withProvider({ url: server.url, onRequest: runCounter.onRequest }, (md) =>
          md.listArtifacts({ flow, run: r.id }))
        const allTasks = r.step_records.reduce((n, s) => n + s.tasks.length, 0)
        assert.strictEqual(new Set(runRecords.map((a) => `${a.stepName}/${a.taskId}`)).size, allTasks + 1, "tasks of every step, _parameters included")
        assert.strictEqual(runCounter.total(), Math.ceil(runRecords.length / 100))
        figures.push(`  whole run ${flow}/${r.id}: ${allTasks + 1} tasks, ${runRecords.length} records: ${runCounter.total()} request(s)`)
      }
      console.log(figures.join("\n"))
      assert.deepStrictEqual(server.unknownRequests, [])
    }))

  it.live("run filters are pushed to the service (_tags, _tags:all, ts_epoch:ge) and answered in one request", () =>
    Effect.gen(function*() {
      const counter = Observe.requestCounter()
      const [one, two, since] = yield* withProvider({ url: server.url, onRequest: counter.onRequest }, (md) =>
        Effect.all([
          collect(md.listRuns({ flow: "HelloLinearFlow" }, { tags: ["exp-1"] })),
          collect(md.listRuns({ flow: "HelloLinearFlow" }, { tags: ["exp-1", "team:data"] })),
          collect(md.listRuns({ flow: "HelloLinearFlow" }, { since: 0 }))
        ]))
      assert.deepStrictEqual(sorted(one.map((r) => r.runId)), ["1", "2"])
      assert.deepStrictEqual(two.map((r) => r.runId), ["2"])
      assert.deepStrictEqual(sorted(since.map((r) => r.runId)), ["1", "2", "3"])
      assert.deepStrictEqual(counter.events().map((e) => decodeURIComponent(e.url.slice(server.url.length)).replace(/\+/g, " ")), [
        "/flows/HelloLinearFlow/runs?_tags=exp-1",
        "/flows/HelloLinearFlow/runs?_tags:all=exp-1,team:data",
        "/flows/HelloLinearFlow/runs?ts_epoch:ge=0"
      ])
      assert.deepStrictEqual(server.unknownRequests, [])
    }))
})

describe("configuration", () => {
  const fromEnv = (env: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(env)))
  const withConfig = <A, E>(env: Record<string, string>, f: (md: MetadataProvider.Service) => Effect.Effect<A, E>) =>
    Effect.flatMap(MetadataProvider.MetadataProvider, f).pipe(
      Effect.provide(ServiceMetadataProvider.layerConfig(undefined, { pagination: "never" }).pipe(Layer.provide(FetchHttpClient.layer))),
      Effect.withConfigProvider(fromEnv(env))
    )

  it.live("layerConfig: METAFLOW_SERVICE_URL, METAFLOW_SERVICE_HEADERS and METAFLOW_SERVICE_AUTH_KEY (as x-api-key)", () =>
    withReplay([transcript("service-headers")], (server) =>
      Effect.gen(function*() {
        const run = yield* withConfig({
          METAFLOW_DEFAULT_METADATA: "service",
          METAFLOW_SERVICE_URL: server.url,
          METAFLOW_SERVICE_HEADERS: JSON.stringify({ "x-demo-team": "ml", "X-Api-Key": "overridden" }),
          METAFLOW_SERVICE_AUTH_KEY: "demo-key-not-secret"
        }, (md) => md.getRun({ flow: "HelloFlow", run: "2" }))
        assert.strictEqual(Option.getOrThrow(run).runId, "2")
        const h = server.requests[0]!.headers
        assert.strictEqual(h["x-api-key"], "demo-key-not-secret")
        assert.strictEqual(h["x-demo-team"], "ml")
      })))

  it.effect("envConfig: values are Redacted; service@<url> in METAFLOW_DEFAULT_METADATA; errors", () =>
    Effect.gen(function*() {
      const opts = yield* Effect.withConfigProvider(
        ServiceMetadataProvider.envConfig,
        fromEnv({ METAFLOW_DEFAULT_METADATA: "service@http://md:8080/api/", METAFLOW_SERVICE_HEADERS: "{\"authorization\": \"Bearer s3cret\"}" })
      )
      assert.strictEqual(opts.url, "http://md:8080/api/")
      const auth = opts.headers?.["authorization"]
      assert.isTrue(auth !== undefined && Redacted.isRedacted(auth))
      assert.notInclude(JSON.stringify(opts), "s3cret")
      assert.deepStrictEqual(Auth.reveal(opts.headers ?? {}), { authorization: "Bearer s3cret" })

      const local = yield* Effect.either(Effect.withConfigProvider(ServiceMetadataProvider.envConfig, fromEnv({ METAFLOW_DEFAULT_METADATA: "local", METAFLOW_SERVICE_URL: "http://x" })))
      assert.isTrue(Either.isLeft(local))
      const missing = yield* Effect.either(Effect.withConfigProvider(ServiceMetadataProvider.envConfig, fromEnv({})))
      assert.isTrue(Either.isLeft(missing))
      const badHeaders = yield* Effect.either(Effect.withConfigProvider(ServiceMetadataProvider.envConfig, fromEnv({ METAFLOW_SERVICE_URL: "http://x", METAFLOW_SERVICE_HEADERS: "[1]" })))
      assert.isTrue(Either.isLeft(badHeaders))
      assert.deepStrictEqual(Auth.parseHeaders("{\"a\": \"b\", \"n\": 1}"), Either.right({ a: "b", n: "1" }))
    }))

  it.live("describe is service@<url>", () =>
    withProvider({ url: "http://127.0.0.1:9/api/" }, (md) => Effect.sync(() => assert.strictEqual(md.describe, "service@http://127.0.0.1:9/api"))))
})
