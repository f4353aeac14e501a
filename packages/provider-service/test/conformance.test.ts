/**
 * Conformance through a live service: the conformance tool of core (`packages/core/test/conformance/`)
 * run with the service provider against a real loopback HTTP server replaying the snapshot's recorded
 * responses of the real metadata service, compared with the snapshot's oracle (the real Python client
 * walking the real service). Every request our client makes must be one the real service answered:
 * unknown requests fail the test.
 *
 * Service answers are compared as they are: e.g. `foreach-stack` metadata is the service's Postgres array
 * literal (`"{outer_values=0,inner_values=a}"`), which Python passes through and so do we; no rule beyond
 * the tool's named deviations (the same ones as on the local corpus) excuses anything.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { NodeContext } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"
import { MetadataProvider, Namespace, Task } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { Observe, ServiceMetadataProvider } from "@metaflow-client/provider-service"
import { countLeaves, loadOracle, run, summaryLine } from "../../core/test/conformance/Conformance.js"
import { rules } from "../../core/test/conformance/Rules.js"
import { fixturesDir, snapshotDsRoot, snapshotResponses, startReplayServer } from "./ReplayServer.js"

const oracleDir = Path.join(fixturesDir, "service-snapshot", "oracle")
/**
 * The datastore root the runs wrote (`<DS_ROOT>` of the recorded answers): served as is, so `ds-root`
 * metadata equals the oracle's. Artifacts and logs are read from the fixture's copy (`snapshotDsRoot`):
 * the root named in records is only a label, the configured storage root is read.
 */
const recordedDsRoot = "/corpus-svc/.metaflow"

const taskPathspecs = (flow: string, key: "child_task_pathspecs" | "parent_task_pathspecs"): Map<string, ReadonlyArray<string>> => {
  const out = new Map<string, ReadonlyArray<string>>()
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit)
    if (v === null || typeof v !== "object") return
    const o = v as Record<string, unknown>
    if (typeof o["pathspec"] === "string" && Array.isArray(o[key])) out.set(o["pathspec"], o[key] as ReadonlyArray<string>)
    for (const [k, x] of Object.entries(o)) if (k !== "artifact_records") visit(x)
  }
  visit(JSON.parse(Fs.readFileSync(Path.join(oracleDir, "flows", `${flow}.json`), "utf8")))
  return out
}

describe("conformance through the service (replayed snapshot)", () => {
  it("matches every fact of the Python oracle, with no unknown request", async () => {
    const server = await startReplayServer([snapshotResponses], { dsRoot: recordedDsRoot })
    try {
      const oracle = loadOracle(oracleDir)
      const layer = Layer.mergeAll(
        ServiceMetadataProvider.layer({ url: server.url }).pipe(Layer.provide(FetchHttpClient.layer)),
        LocalProvider.storageLayer(snapshotDsRoot)
      ).pipe(Layer.provideMerge(NodeContext.layer))
      const report = await Effect.runPromise(run({ oracle, concurrency: 8, flowConcurrency: 4 }).pipe(Effect.provide(layer)))
      const summary = summaryLine(report)
      console.log(`artifact values: ${report.valueMatched}/${report.valueFacts}\n${summary}\nrequests: ${server.requests.length}, unknown: ${server.unknownRequests.length}`)
      for (const m of report.mismatches.slice(0, 80)) console.log(`MISMATCH ${m}`)
      for (const e of report.extras.slice(0, 50)) console.log(`EXTRA ${e}`)
      for (const u of server.unknownRequests.slice(0, 50)) console.log(`UNKNOWN ${u.method} ${u.path} ${JSON.stringify(u.query)}`)

      const files = [
        ...Fs.readdirSync(Path.join(oracleDir, "flows")).map((f) => Path.join(oracleDir, "flows", f)),
        Path.join(oracleDir, "namespaces.json")
      ]
      const leaves = files.reduce((n, f) => n + countLeaves(JSON.parse(Fs.readFileSync(f, "utf8"))), 0)
      expect(report.facts).toBe(leaves)
      expect(report.mismatches).toEqual([])
      expect(report.extras).toEqual([])
      expect(report.matched).toBe(report.facts)
      expect(report.valueMatched).toBe(report.valueFacts)
      const names = new Set(rules.map((r) => r.name))
      for (const name of Object.keys(report.deviations)) expect(names.has(name)).toBe(true)
      expect(server.unknownRequests).toEqual([])
    } finally {
      await server.close()
    }
  }, 120_000)

  it("parent/child tasks: one run-level metadata listing instead of a request per neighbouring task", async () => {
    const server = await startReplayServer([snapshotResponses], { dsRoot: recordedDsRoot })
    try {
      const counter = Observe.requestCounter()
      const options = { url: server.url, onRequest: counter.onRequest }
      const scoped = ServiceMetadataProvider.layer(options)
      /** The same provider without the optional primitive: core falls back to tasks + their metadata. */
      const perTask = Layer.effect(
        MetadataProvider.MetadataProvider,
        Effect.map(ServiceMetadataProvider.make(options), ({ listMetadataInScope: _, ...rest }) => rest)
      )
      const count = (provider: typeof scoped, pathspec: string, direction: "children" | "parents") =>
        Effect.runPromise(Effect.gen(function*() {
          const task = yield* Task.get(pathspec)
          counter.reset()
          const found = yield* (direction === "children" ? Task.childTaskPathspecs(task) : Task.parentTaskPathspecs(task))
          return { found: [...found].sort(), requests: counter.total(), routes: counter.byRoute() }
        }).pipe(
          Namespace.withNamespace(null),
          Effect.provide(Layer.mergeAll(provider.pipe(Layer.provide(FetchHttpClient.layer)), LocalProvider.storageLayer(snapshotDsRoot))),
          Effect.provide(NodeContext.layer)
        ))
      const cases = [
        // foreach neighbours (a task selector by `foreach-execution-path`): the run's metadata pages
        // (NestedForeachFlow/6: 236 rows, 3 pages of 100) instead of a tasks listing + one request per task
        { flow: "NestedForeachFlow", pathspec: "NestedForeachFlow/6/outer/33", direction: "children", runMetadataPages: 3 },
        { flow: "NestedForeachFlow", pathspec: "NestedForeachFlow/6/inner_join/40", direction: "parents", runMetadataPages: 3 },
        { flow: "NestedForeachFlow", pathspec: "NestedForeachFlow/6/inner/34", direction: "children", runMetadataPages: 3 },
        // every task of the neighbouring step (a top-level foreach split, its join): the step and its tasks
        { flow: "ForeachFlow", pathspec: "ForeachFlow/5/start/24", direction: "children", runMetadataPages: 0 },
        { flow: "ForeachFlow", pathspec: "ForeachFlow/5/join/28", direction: "parents", runMetadataPages: 0 }
      ] as const
      const figures: Array<string> = []
      for (const c of cases) {
        const expected = [...taskPathspecs(c.flow, c.direction === "children" ? "child_task_pathspecs" : "parent_task_pathspecs").get(c.pathspec)!].sort()
        const now = await count(scoped, c.pathspec, c.direction)
        const before = await count(perTask, c.pathspec, c.direction)
        expect(now.found).toEqual(expected)
        expect(before.found).toEqual(expected)
        figures.push(`${c.pathspec} ${c.direction} (${expected.length}): ${now.requests} requests (one per task: ${before.requests}) ${JSON.stringify(now.routes)}`)
        // the task's own metadata (its foreach path) and its `_graph_info` artifact, then ...
        expect(now.routes["GET /flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/metadata"]).toBe(1)
        expect(now.routes["GET /flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/artifacts/{name}"]).toBe(1)
        if (c.runMetadataPages > 0) {
          // ... one listing of the run's metadata, no request per neighbouring task
          expect(now.requests).toBe(2 + c.runMetadataPages)
          expect(now.routes["GET /flows/{flow}/runs/{run}/metadata"]).toBe(c.runMetadataPages)
          // (one per task: the step, a page of its tasks, and the metadata of each of them)
          expect(before.routes["GET /flows/{flow}/runs/{run}/steps/{step}/tasks/{task}/metadata"]).toBeGreaterThan(1 + expected.length)
          expect(now.requests).toBeLessThan(before.requests)
        } else {
          // ... the neighbouring step (it may never have run) and one page of its tasks
          expect(now.requests).toBe(4)
          expect(before.requests).toBe(4)
        }
      }
      console.log(figures.join("\n"))
      expect(server.unknownRequests).toEqual([])
    } finally {
      await server.close()
    }
  }, 60_000)
})
