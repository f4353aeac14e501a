/**
 * `Run.endTask` / `successful` / `trigger` read the start or end step while the `_parameters` metadata is
 * read (the step is nearly always named `start` / `end`), and read again when the run names another one.
 * Checked on a copy of a corpus run whose end step is renamed `finish` (with a decoy step named `end`) and
 * whose start step is renamed `begin` (with a trigger): the answers are those of the named steps, and the
 * provider calls are counted so that a regression in their number shows. With no namespace the end step is
 * not looked up (its task listing answers); in a namespace it is, for the step's namespace check.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { MetadataProvider, Namespace, Run } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"

const corpus = path.resolve(__dirname, "../../../testdata/fixtures/local/.metaflow")
const flow = "HelloLinearFlow"
const runs = fs.readdirSync(path.join(corpus, flow)).filter((d) => /^\d+$/.test(d)).sort()
const custom = runs[0]!
const plain = runs[1]!
const trigger = [{ id: "e1", name: "data_ready", type: "event", timestamp: 1795767000 }]

/** Rewrites `step_name` in every JSON record below `dir`. */
const renameStepRecords = (dir: string, to: string): void => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) renameStepRecords(file, to)
    else if (entry.name.endsWith(".json") && path.basename(dir) === "_meta") {
      const record = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>
      if ("step_name" in record) fs.writeFileSync(file, JSON.stringify({ ...record, step_name: to }))
    }
  }
}

/** Sets the value of the `_parameters` task's `field` metadata. */
const setParameterMeta = (runDir: string, field: string, value: string): void => {
  for (const task of fs.readdirSync(path.join(runDir, "_parameters")).filter((t) => t !== "_meta")) {
    const meta = path.join(runDir, "_parameters", task, "_meta")
    for (const f of fs.readdirSync(meta).filter((n) => n.startsWith(`sysmeta_${field}_`))) {
      const record = JSON.parse(fs.readFileSync(path.join(meta, f), "utf8")) as Record<string, unknown>
      fs.writeFileSync(path.join(meta, f), JSON.stringify({ ...record, value }))
    }
  }
}

/** A copy of the corpus flow: run `custom` gets `begin` … `finish` endpoints, a decoy `end` step and a trigger. */
const makeRoot = (): string => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-endpoints-"))
  fs.cpSync(path.join(corpus, flow), path.join(root, ".metaflow", flow), { recursive: true })
  const runDir = path.join(root, ".metaflow", flow, custom)
  fs.renameSync(path.join(runDir, "end"), path.join(runDir, "finish"))
  renameStepRecords(path.join(runDir, "finish"), "finish")
  fs.cpSync(path.join(runDir, "finish"), path.join(runDir, "end"), { recursive: true })
  renameStepRecords(path.join(runDir, "end"), "end")
  fs.renameSync(path.join(runDir, "start"), path.join(runDir, "begin"))
  renameStepRecords(path.join(runDir, "begin"), "begin")
  setParameterMeta(runDir, "end_step", "finish")
  setParameterMeta(runDir, "start_step", "begin")
  const beginTask = fs.readdirSync(path.join(runDir, "begin")).find((t) => t !== "_meta")!
  const meta = path.join(runDir, "begin", beginTask, "_meta")
  const sample = JSON.parse(fs.readFileSync(path.join(meta, fs.readdirSync(meta).find((n) => n.startsWith("sysmeta_user_"))!), "utf8"))
  fs.writeFileSync(
    path.join(meta, `sysmeta_execution-triggers_${sample.ts_epoch}.json`),
    JSON.stringify({ ...sample, field_name: "execution-triggers", type: "execution-triggers", value: JSON.stringify(trigger) })
  )
  return root
}

/** Calls per provider method, and when each `getStep` / `listMetadata` call started and ended. */
interface Calls {
  readonly count: Record<string, number>
  readonly spans: Array<{ readonly method: string; readonly arg: string; start: number; end?: number }>
}

/**
 * The provider with every call counted, and a small delay before each effectful call so that reads
 * made one after the other and reads made side by side are told apart by their spans.
 */
const counted = (calls: Calls) =>
  Layer.effect(
    MetadataProvider.MetadataProvider,
    Effect.map(MetadataProvider.MetadataProvider, (md) =>
      new Proxy(md, {
        get(target, key) {
          const value = Reflect.get(target, key) as unknown
          if (typeof value !== "function" || typeof key !== "string") return value
          return (...args: Array<unknown>) => {
            calls.count[key] = (calls.count[key] ?? 0) + 1
            const result = (value as (...a: Array<unknown>) => unknown).apply(target, args)
            if (!Effect.isEffect(result)) return result
            const arg = JSON.stringify(args[0])
            return Effect.suspend(() => {
              const span: Calls["spans"][number] = { method: key, arg, start: performance.now() }
              calls.spans.push(span)
              return Effect.zipRight(Effect.sleep("3 millis"), result).pipe(Effect.ensuring(Effect.sync(() => (span.end = performance.now()))))
            })
          }
        }
      })
    )
  )

const withCounted = <A, E>(
  root: string,
  f: (calls: Calls) => Effect.Effect<A, E, MetadataProvider.MetadataProvider | never>,
  namespace: string | null = null
) => {
  const calls: Calls = { count: {}, spans: [] }
  const base = LocalProvider.layer({ root }).pipe(Layer.provideMerge(NodeContext.layer))
  return f(calls).pipe(
    Namespace.withNamespace(namespace),
    Effect.provide(Layer.provideMerge(counted(calls), base))
  )
}

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
