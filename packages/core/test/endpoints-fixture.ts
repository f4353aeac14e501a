/**
 * A copy of a corpus flow whose first run names other endpoints (`begin` … `finish`, with a decoy step
 * named `end` and a trigger), and a metadata provider that counts its calls: shared by the tests of
 * `Run`'s endpoint-based accessors (RunEndpoints.test.ts, RunOutcomes.test.ts).
 */
import { NodeContext } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { MetadataProvider, Namespace } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"

/** The local corpus (`.metaflow`). */
export const corpus = path.resolve(__dirname, "../../../testdata/fixtures/local/.metaflow")
/** The flow copied. */
export const flow = "HelloLinearFlow"
/** Its runs, by id. */
export const runs = fs.readdirSync(path.join(corpus, flow)).filter((d) => /^\d+$/.test(d)).sort()
/** The run whose endpoints are renamed. */
export const custom = runs[0]!
/** A run left as Metaflow wrote it. */
export const plain = runs[1]!
/** The trigger given to the renamed start step's task. */
export const trigger = [{ id: "e1", name: "data_ready", type: "event", timestamp: 1795767000 }]

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
export const setParameterMeta = (runDir: string, field: string, value: string): void => {
  for (const task of fs.readdirSync(path.join(runDir, "_parameters")).filter((t) => t !== "_meta")) {
    const meta = path.join(runDir, "_parameters", task, "_meta")
    for (const f of fs.readdirSync(meta).filter((n) => n.startsWith(`sysmeta_${field}_`))) {
      const record = JSON.parse(fs.readFileSync(path.join(meta, f), "utf8")) as Record<string, unknown>
      fs.writeFileSync(path.join(meta, f), JSON.stringify({ ...record, value }))
    }
  }
}

/** A copy of the corpus flow: run `custom` gets `begin` … `finish` endpoints, a decoy `end` step and a trigger. */
export const makeRoot = (): string => {
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
export interface Calls {
  readonly count: Record<string, number>
  readonly spans: Array<{ readonly method: string; readonly arg: string; start: number; end?: number }>
}

/**
 * The provider with every call counted, and a small delay before each effectful call so that reads
 * made one after the other and reads made side by side are told apart by their spans.
 */
export const counted = (calls: Calls) =>
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

/** `f` over the copy at `root` through the counting provider, in `namespace`. */
export const withCounted = <A, E, R>(
  root: string,
  f: (calls: Calls) => Effect.Effect<A, E, R>,
  namespace: string | null = null
) => {
  const calls: Calls = { count: {}, spans: [] }
  const base = LocalProvider.layer({ root }).pipe(Layer.provideMerge(NodeContext.layer))
  return f(calls).pipe(
    Namespace.withNamespace(namespace),
    Effect.provide(Layer.provideMerge(counted(calls), base))
  )
}

