/**
 * Property tests of namespace and tag filtering: random worlds of flows, runs, users and tags are written
 * as real `.metaflow` trees and every query is checked against a small reference model of the rules:
 *
 * - a run (and its steps) is in namespace `ns` when `ns` is null or one of its tags (user or system);
 * - a flow is visible when `ns` is null or at least one of its runs is in `ns` (flows carry no tags);
 * - `Flow.runs(tags)` keeps runs in the namespace that carry ALL the tags, newest first; runs of the same
 *   millisecond in the provider's order, as Python (this provider lists through `FileSystem.readDirectory`,
 *   which on Node is libuv's `scandir`: names in byte order);
 * - lookups of objects outside the namespace fail with NamespaceMismatch, of missing ones with ObjectNotFound;
 * - `id in flow` ignores the namespace.
 */
import { NodeContext } from "@effect/platform-node"
import { LocalProvider } from "@metaflow-client/provider-local"
import { Chunk, Effect, Either, FastCheck as fc, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Flow, Metaflow, Namespace, Run, Step } from "../src/index.js"

interface RunSpec {
  readonly id: string
  readonly user: string
  readonly tags: ReadonlyArray<string>
  readonly ts: number
}
interface FlowSpec {
  readonly name: string
  readonly runs: ReadonlyArray<RunSpec>
}

const USERS = ["alice", "bob", "carol"]
const TAGS = ["exp-1", "team:data", "ünï tag", "user:bob"] // a user tag may look like a system tag

const runArb = fc.record({
  user: fc.constantFrom(...USERS),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
  ts: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_020 }) // small range: ties happen
})

const worldArb = fc.array(fc.array(runArb, { maxLength: 4 }), { minLength: 1, maxLength: 3 }).map((flows) => {
  let next = 1
  return flows.map((runs, i): FlowSpec => ({
    name: `Flow${i}`,
    runs: runs.map((r) => ({ ...r, id: String(next++ * 7) }))
  }))
})

const systemTags = (r: RunSpec) => [`user:${r.user}`, "runtime:dev", "metaflow_version:2.19.38"]

const tmpRoots: Array<string> = []
afterAll(() => {
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true })
})

const writeJson = (file: string, value: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, JSON.stringify(value))
}

const writeWorld = (world: ReadonlyArray<FlowSpec>): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mf-ns-prop-"))
  tmpRoots.push(dir)
  const root = path.join(dir, ".metaflow")
  for (const f of world) {
    writeJson(path.join(root, f.name, "_meta", "_self.json"), { flow_id: f.name, ts_epoch: 1_600_000_000_000 })
    for (const r of f.runs) {
      const base = { flow_id: f.name, run_number: r.id, user_name: r.user, tags: r.tags, system_tags: systemTags(r) }
      writeJson(path.join(root, f.name, r.id, "_meta", "_self.json"), { ...base, ts_epoch: r.ts })
      writeJson(path.join(root, f.name, r.id, "start", "_meta", "_self.json"), { ...base, step_name: "start", ts_epoch: r.ts + 1 })
    }
    if (f.runs.length > 0) fs.writeFileSync(path.join(root, f.name, "latest_run"), f.runs[f.runs.length - 1]!.id)
  }
  return dir
}

// ------------------------------------------------------------------------------------------ the model

const inNs = (r: RunSpec, ns: string | null) => ns === null || r.tags.includes(ns) || systemTags(r).includes(ns)
const hasAll = (r: RunSpec, tags: ReadonlyArray<string>) => tags.every((t) => r.tags.includes(t) || systemTags(r).includes(t))
const newestFirst = (runs: ReadonlyArray<RunSpec>) =>
  [...runs].sort((a, b) => b.ts - a.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
const modelRuns = (f: FlowSpec, ns: string | null, tags: ReadonlyArray<string>) =>
  newestFirst(f.runs.filter((r) => inNs(r, ns) && hasAll(r, tags))).map((r) => r.id)
const flowVisible = (f: FlowSpec, ns: string | null) => ns === null || f.runs.some((r) => inNs(r, ns))

const namespaces: ReadonlyArray<string | null> = [null, "user:alice", "user:bob", "user:nobody", ...TAGS]
const tagQueries: ReadonlyArray<ReadonlyArray<string>> = [[], ...TAGS.map((t) => [t]), ["exp-1", "team:data"], ["user:alice", "exp-1"]]

const outcome = <A, E extends { readonly _tag: string }, R>(self: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.either(self), Either.match({ onLeft: (e) => e._tag, onRight: () => "ok" }))

const check = (world: ReadonlyArray<FlowSpec>) =>
  Effect.gen(function*() {
    for (const ns of namespaces) {
      yield* Effect.gen(function*() {
        // Metaflow(): visible flows (listing order is the provider's: compare as sets)
        const flows = Chunk.toArray(yield* Stream.runCollect(Metaflow.flows)).map((f) => f.id).sort()
        expect(flows, `Metaflow() in ${ns}`).toEqual(world.filter((f) => flowVisible(f, ns)).map((f) => f.name).sort())
        expect(yield* outcome(Flow.get("NoSuchFlow"))).toBe("ObjectNotFound")

        for (const f of world) {
          const got = yield* outcome(Flow.get(f.name))
          expect(got, `Flow(${f.name}) in ${ns}`).toBe(flowVisible(f, ns) ? "ok" : "NamespaceMismatch")
          expect(yield* outcome(Metaflow.flow(f.name))).toBe(got)

          // runs with tags, latest run: through a flow object of this namespace
          if (got === "ok") {
            const flow = yield* Flow.get(f.name)
            for (const tags of tagQueries) {
              const ids = Chunk.toArray(yield* Stream.runCollect(Flow.runs(flow, { tags }))).map((r) => r.id)
              expect(ids, `${f.name}.runs(${tags.join(",")}) in ${ns}`).toEqual(modelRuns(f, ns, tags))
            }
            const latest = yield* Flow.latestRun(flow)
            expect(Option.getOrUndefined(Option.map(latest, (r) => r.id))).toBe(modelRuns(f, ns, [])[0])
            expect(yield* outcome(Flow.run(flow, "999999"))).toBe("ObjectNotFound")
            for (const r of f.runs) {
              expect(yield* Flow.hasRun(flow, r.id), `'${r.id}' in ${f.name}`).toBe(true)
              expect(yield* outcome(Flow.run(flow, r.id))).toBe(inNs(r, ns) ? "ok" : "NamespaceMismatch")
            }
          }

          // direct lookups of runs and steps
          expect(yield* outcome(Run.get(`${f.name}/999999`))).toBe("ObjectNotFound")
          for (const r of f.runs) {
            const expected = inNs(r, ns) ? "ok" : "NamespaceMismatch"
            expect(yield* outcome(Run.get(`${f.name}/${r.id}`)), `Run(${f.name}/${r.id}) in ${ns}`).toBe(expected)
            expect(yield* outcome(Step.get(`${f.name}/${r.id}/start`))).toBe(expected)
            expect(yield* outcome(Step.get(`${f.name}/${r.id}/nope`))).toBe("ObjectNotFound")
          }
        }
      }).pipe(Namespace.withNamespace(ns))
    }
  })

describe("namespaces and tags (property)", () => {
  it("every query agrees with the reference model", async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (world) => {
        const dir = writeWorld(world)
        await Effect.runPromise(
          check(world).pipe(Effect.provide(LocalProvider.layer({ root: dir })), Effect.provide(NodeContext.layer))
        )
      }),
      { numRuns: 30 }
    )
  }, 120_000)
})
