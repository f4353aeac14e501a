/**
 * Record-level checks against the Python client's answers through the real service (the snapshot's
 * oracle), replaying the service's recorded responses from a real loopback HTTP server. Every request
 * the provider makes must be one the real service answered: unknown requests fail the test.
 *
 * Four ways of asking, same answers:
 * - `auto` (default, `_limit=100`): the crawl holds every paginated listing with `_limit` 100, so the
 *   first answer's `X-Limit` switches the provider to paged requests;
 * - `auto` with `pageSize: 2`: many pages, every `X-Next-Cursor` followed;
 * - `never`: the plain requests Python sends;
 * - `auto` against a server emulating a pre-pagination service (query ignored, no `X-Limit`): the
 *   provider must detect it from the first answer and fall back to plain requests;
 * - `auto` over `NodeHttpClient.layerUndici` instead of fetch.
 */
import { assert, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe } from "vitest"
import type { MetadataProvider, Records } from "@metaflow-client/core"
import { Observe } from "@metaflow-client/provider-service"
import { fixturesDir, type ReplayServer, snapshotDsRoot, snapshotResponses, startReplayServer } from "./ReplayServer.js"
import { collect, sorted, transports, withProvider } from "./support.js"

interface OracleTagged {
  readonly id: string
  readonly pathspec: string
  readonly created_at_ms: number
  readonly user_tags: ReadonlyArray<string>
  readonly system_tags: ReadonlyArray<string>
}
interface OracleArtifact {
  readonly name: string
  readonly sha: string
  readonly attempt: number
}
interface OracleTask extends OracleTagged {
  readonly current_attempt: number
  readonly metadata: ReadonlyArray<{ readonly name: string; readonly value: unknown; readonly created_at: number; readonly type: string }>
  readonly artifact_records: Readonly<Record<string, OracleArtifact>>
  readonly attempts?: Readonly<Record<string, OracleTask>>
}
interface OracleStep extends OracleTagged {
  readonly tasks: ReadonlyArray<string>
  readonly task_records: ReadonlyArray<OracleTask>
}
interface OracleRun extends OracleTagged {
  readonly steps: ReadonlyArray<string>
  readonly step_records: ReadonlyArray<OracleStep>
  readonly parameters_step: OracleStep
}
interface OracleFlow extends OracleTagged {
  readonly runs: ReadonlyArray<string>
  readonly run_records: ReadonlyArray<OracleRun>
}

const oracleDir = Path.join(fixturesDir, "service-snapshot", "oracle")
const oracleIndex = JSON.parse(Fs.readFileSync(Path.join(oracleDir, "index.json"), "utf8")) as {
  readonly "flows_yielded_by_Metaflow()": ReadonlyArray<string>
  readonly flows: Readonly<Record<string, { readonly file: string }>>
}
const flowNames = Object.keys(oracleIndex.flows).sort()
const loadFlow = (name: string): OracleFlow =>
  JSON.parse(Fs.readFileSync(Path.join(oracleDir, oracleIndex.flows[name]!.file), "utf8")) as OracleFlow

/** The oracle ran with the datastore at `/corpus-svc/.metaflow`; the replay serves the fixture's path. */
const oracleValue = (v: unknown): unknown => typeof v === "string" ? v.split("/corpus-svc/.metaflow").join(snapshotDsRoot) : v

const checkTagged = (what: string, rec: Records.Tagged & { readonly tsEpoch: number }, o: OracleTagged) => {
  assert.strictEqual(rec.tsEpoch, o.created_at_ms, `${what} ts_epoch`)
  assert.deepStrictEqual(sorted(rec.tags), sorted(o.user_tags), `${what} user tags`)
  assert.deepStrictEqual(sorted(rec.systemTags), sorted(o.system_tags), `${what} system tags`)
}

/** Per task, only the highest attempt's records (what core does). */
const keepLatest = (records: ReadonlyArray<Records.ArtifactRecord>): Array<Records.ArtifactRecord> => {
  const max = new Map<string, number>()
  for (const r of records) max.set(`${r.stepName}/${r.taskId}`, Math.max(max.get(`${r.stepName}/${r.taskId}`) ?? -1, r.attemptId))
  return records.filter((r) => r.attemptId === max.get(`${r.stepName}/${r.taskId}`))
}
const artifactKeys = (records: ReadonlyArray<Records.ArtifactRecord>, withTask = false) =>
  sorted(records.map((r) => `${withTask ? `${r.stepName}/${r.taskId}/` : ""}${r.name} ${r.sha} ${r.attemptId}`))
const oracleArtifactKeys = (o: OracleTask) =>
  sorted(Object.values(o.artifact_records).map((a) => `${a.name} ${a.sha} ${a.attempt}`))

const some = <A>(what: string, o: Option.Option<A>): A => {
  assert.isTrue(Option.isSome(o), `${what} exists`)
  return (o as Option.Some<A>).value
}

/** Walks one flow and compares every record with the oracle. */
const checkFlow = (md: MetadataProvider.Service, oracle: OracleFlow) =>
  Effect.gen(function*() {
    const flowPath = { flow: oracle.id }
    checkTagged(oracle.id, some("flow", yield* md.getFlow(flowPath)), oracle)
    const runs = yield* collect(md.listRuns(flowPath))
    assert.deepStrictEqual(sorted(runs.map((r) => r.runId)), sorted(oracle.runs), "run ids")
    for (const oRun of oracle.run_records) {
      const runPath = { ...flowPath, run: oRun.id }
      const listed = runs.find((r) => r.runId === oRun.id)!
      checkTagged(oRun.pathspec, listed, oRun)
      const got = some(oRun.pathspec, yield* md.getRun(runPath))
      assert.deepStrictEqual(got, listed, "getRun == listed run")
      assert.strictEqual(got.runId, oRun.id)

      const steps = yield* md.listSteps(runPath)
      assert.deepStrictEqual(sorted(steps.map((s) => s.stepName)), sorted([...oRun.steps, "_parameters"]), "step names")
      const runUnion: Array<Records.ArtifactRecord> = []
      const runUnion0: Array<Records.ArtifactRecord> = []
      for (const oStep of [...oRun.step_records, oRun.parameters_step]) {
        const stepPath = { ...runPath, step: oStep.id }
        const listedStep = steps.find((s) => s.stepName === oStep.id)!
        assert.strictEqual(listedStep.runId, oRun.id, "step run id is a string (the service sends it as one)")
        checkTagged(oStep.pathspec, listedStep, oStep)
        assert.deepStrictEqual(some(oStep.pathspec, yield* md.getStep(stepPath)), listedStep)

        const tasks = yield* md.listTasks(stepPath)
        assert.deepStrictEqual(sorted(tasks.map((t) => t.taskId)), sorted(oStep.tasks), `${oStep.pathspec} task ids`)
        const stepUnion: Array<Records.ArtifactRecord> = []
        const stepUnion0: Array<Records.ArtifactRecord> = []
        for (const oTask of oStep.task_records) {
          const taskPath = { ...stepPath, task: oTask.id }
          const listedTask = tasks.find((t) => t.taskId === oTask.id)!
          checkTagged(oTask.pathspec, listedTask, oTask)
          assert.deepStrictEqual(some(oTask.pathspec, yield* md.getTask(taskPath)), listedTask)

          const arts = yield* md.listArtifacts(taskPath)
          for (const a of arts) {
            assert.strictEqual(a.taskId, oTask.id)
            assert.deepStrictEqual(sorted(a.tags), sorted(oTask.user_tags), "artifacts carry the run's tags")
          }
          assert.deepStrictEqual(artifactKeys(keepLatest(arts)), oracleArtifactKeys(oTask), `${oTask.pathspec} artifacts`)
          stepUnion.push(...keepLatest(arts))
          const arts0 = yield* md.listArtifacts(taskPath, 0)
          assert.isTrue(arts0.every((a) => a.attemptId === 0), "attempt 0 records only")
          stepUnion0.push(...arts0)
          for (const [k, oAttempt] of Object.entries(oTask.attempts ?? {})) {
            const got = yield* md.listArtifacts(taskPath, Number(k))
            assert.deepStrictEqual(artifactKeys(got), oracleArtifactKeys(oAttempt), `${oTask.pathspec} attempt ${k} artifacts`)
          }

          const meta = yield* md.listMetadata(taskPath)
          const ours = new Map<string, number>()
          for (const m of meta) {
            const key = JSON.stringify([m.fieldName, m.value, m.tsEpoch, m.type])
            ours.set(key, (ours.get(key) ?? 0) + 1)
          }
          // Python adds, for a task cloned by `resume`, rows of the origin task (its `ds-type`/`ds-root`):
          // policy for core. Here: every oracle row is the task's own, or else the origin task's.
          const origin = (field: string) => meta.find((m) => m.fieldName === field)?.value
          const originRows = origin("origin-task-id") === undefined
            ? []
            : yield* md.listMetadata({ ...stepPath, run: String(origin("origin-run-id")), task: String(origin("origin-task-id")) })
          let borrowed = 0
          for (const e of oTask.metadata) {
            const key = JSON.stringify([e.name, oracleValue(e.value), e.created_at, e.type])
            const n = ours.get(key) ?? 0
            if (n === 0) {
              const inOrigin = originRows.some((m) => JSON.stringify([m.fieldName, m.value, m.tsEpoch, m.type]) === key)
              assert.isTrue(inOrigin, `${oTask.pathspec} metadata ${key}`)
              borrowed++
              continue
            }
            ours.set(key, n - 1)
          }
          assert.strictEqual(meta.length + borrowed, oTask.metadata.length, `${oTask.pathspec} metadata count`)
        }
        const stepArts = yield* md.listArtifacts(stepPath)
        assert.deepStrictEqual(artifactKeys(keepLatest(stepArts), true), artifactKeys(stepUnion, true), `${oStep.pathspec} step artifacts`)
        const stepArts0 = yield* md.listArtifacts(stepPath, 0)
        assert.deepStrictEqual(artifactKeys(stepArts0, true), artifactKeys(stepUnion0, true), `${oStep.pathspec} step artifacts, attempt 0`)
        runUnion.push(...stepUnion)
        runUnion0.push(...stepUnion0)
      }
      const runArts = yield* md.listArtifacts(runPath)
      assert.deepStrictEqual(artifactKeys(keepLatest(runArts), true), artifactKeys(runUnion, true), `${oRun.pathspec} run artifacts`)
      const runArts0 = yield* md.listArtifacts(runPath, 0)
      assert.deepStrictEqual(artifactKeys(runArts0, true), artifactKeys(runUnion0, true), `${oRun.pathspec} run artifacts, attempt 0`)
    }
  })

const modes = [
  { name: "auto (paged, _limit=100)", options: {}, legacy: false, expectPaged: true },
  { name: "auto with pageSize 2 (cursors followed)", options: { pageSize: 2 }, legacy: false, expectPaged: true },
  { name: "never (plain requests, as Python)", options: { pagination: "never" as const }, legacy: false, expectPaged: false },
  { name: "auto against a pre-pagination service (fallback)", options: {}, legacy: true, expectPaged: false },
  { name: "auto over NodeHttpClient (undici)", options: {}, legacy: false, expectPaged: true, transport: transports[2].layer }
]

describe.each(modes)("snapshot oracle, $name", (mode) => {
  let server: ReplayServer
  beforeAll(async () => {
    server = await startReplayServer([snapshotResponses], { legacy: mode.legacy })
  })
  afterAll(async () => {
    await server.close()
  })

  it.effect("lists every flow of the oracle, records as the oracle", () =>
    withProvider({ url: server.url, ...mode.options }, (md) =>
      Effect.gen(function*() {
        const flows = yield* collect(md.listFlows)
        assert.deepStrictEqual(sorted(flows.map((f) => f.flowId)), sorted(oracleIndex["flows_yielded_by_Metaflow()"]))
        for (const f of flows) {
          assert.deepStrictEqual([f.tags, f.systemTags, f.userName], [[], [], null], "flows: null tags and user become [] / null")
        }
        assert.deepStrictEqual(server.unknownRequests, [])
      })))

  it.effect.each(flowNames)("flow %s: every run, step, task, artifact and metadata record", (name) =>
    Effect.gen(function*() {
      const counter = Observe.requestCounter()
      yield* withProvider({ url: server.url, onRequest: counter.onRequest, ...mode.options }, (md) => checkFlow(md, loadFlow(name)), mode.transport)
      assert.deepStrictEqual(server.unknownRequests, [], "every request was one the real service answered")
      const pagedRequests = counter.events().filter((e) => e.url.includes("_limit=")).length
      if (mode.expectPaged) assert.isTrue(pagedRequests > 0, "paged requests were used")
      else if (!mode.legacy) assert.strictEqual(pagedRequests, 0, "no paged requests")
      else assert.strictEqual(pagedRequests, 1, "one probe with _limit, then plain requests")
      assert.isTrue(counter.events().every((e) => e.status === 200 || e.status === 404))
    }))
})
