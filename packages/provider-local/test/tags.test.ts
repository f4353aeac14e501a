import * as FileSystem from "@effect/platform/FileSystem"
import { NodeContext } from "@effect/platform-node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { MetadataProvider } from "@metaflow-client/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { LocalMetadataProvider, LocalProvider, Root } from "../src/index.js"
import { NodeReads } from "../src/node.js"
import { corpusRoot, hashTree, mtimeNs, readJsonFile, removeTemp, sameSet, tempCopy } from "./utils.js"

const FLOW = "HelloLinearFlow"
const RUN = "1795767043192683" // user tags: exp-1, promoted
const runPath = { flow: FLOW, run: RUN }

let before = ""
beforeAll(() => {
  before = hashTree(corpusRoot)
})
afterAll(() => {
  assert.strictEqual(hashTree(corpusRoot), before, "the corpus must be byte-identical after the suite")
})

const asUser = (user: string | undefined) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(user === undefined ? [] : [["METAFLOW_USER", user]])))

/** A temp copy of the run; the program gets the base dir and the path of the run's `_self.json`. */
const withRunCopy = <A, E, R>(f: (base: string, selfFile: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => tempCopy([`${FLOW}/${RUN}`])),
    (base) => f(base, join(base, ".metaflow", FLOW, RUN, "_meta", "_self.json")),
    (base) => Effect.sync(() => removeTemp(base))
  )

const providerAt = (base: string, options: LocalMetadataProvider.Options = {}) =>
  Effect.flatMap(Root.fromDirectory(base), (root) => LocalMetadataProvider.make(root, options))

const noDelay: LocalMetadataProvider.Options = { retryDelay: () => Effect.succeed(Duration.zero) }

describe("mutateRunTags", () => {
  it.live("add, remove and replace rewrite the whole run record like Python", () =>
    withRunCopy((base, selfFile) =>
      Effect.gen(function*() {
        const md = yield* providerAt(base)
        const original = readJsonFile(selfFile)
        const t0 = Date.now()
        const added = yield* md.mutateRunTags(runPath, { add: ["new tag"], remove: [] })
        assert.isTrue(sameSet(added, ["exp-1", "promoted", "new tag"]))
        const rec = readJsonFile(selfFile)
        assert.deepStrictEqual(Object.keys(rec), ["run_number", "flow_id", "user_name", "tags", "system_tags", "ts_epoch"])
        assert.strictEqual(rec.run_number, RUN)
        assert.strictEqual(rec.flow_id, FLOW)
        assert.strictEqual(rec.user_name, "carol")
        assert.isTrue(rec.ts_epoch >= t0 && rec.ts_epoch <= Date.now())
        assert.notStrictEqual(rec.ts_epoch, original.ts_epoch)
        assert.deepStrictEqual(rec.system_tags, original.system_tags)
        assert.isTrue(sameSet(rec.tags, added))
        // Python's json.dump layout
        assert.include(readFileSync(selfFile, "utf8"), `{"run_number": "${RUN}", "flow_id": "${FLOW}", "user_name": "carol", "tags": [`)

        const removed = yield* md.mutateRunTags(runPath, { add: [], remove: ["promoted", "never-there"] })
        assert.isTrue(sameSet(removed, ["exp-1", "new tag"]))
        const replaced = yield* md.mutateRunTags(runPath, { add: ["exp-2", "ünïcode"], remove: ["exp-1"] })
        assert.isTrue(sameSet(replaced, ["new tag", "exp-2", "ünïcode"]))
        assert.include(readFileSync(selfFile, "utf8"), "\\u00fcn\\u00efcode")

        // what readers see: the run and its descendants carry the new tags
        const run = Option.getOrThrow(yield* md.getRun(runPath))
        assert.isTrue(sameSet(run.tags, replaced))
        assert.strictEqual(run.userName, "carol")
        const task = Option.getOrThrow(yield* md.getTask({ ...runPath, step: "start", task: "1" }))
        assert.isTrue(sameSet(task.tags, replaced))
        // remove before add: a tag both removed and added stays
        const both = yield* md.mutateRunTags(runPath, { add: ["exp-2"], remove: ["exp-2", "new tag"] })
        assert.isTrue(sameSet(both, ["exp-2", "ünïcode"]))
        // no temp files left behind
        assert.deepStrictEqual(readdirSync(join(base, ".metaflow", FLOW, RUN, "_meta")), ["_self.json"])
      })).pipe(Effect.provide(NodeContext.layer), asUser("carol")))

  it.live("a no-op writes nothing", () =>
    withRunCopy((base, selfFile) =>
      Effect.gen(function*() {
        const md = yield* providerAt(base)
        const bytes = readFileSync(selfFile)
        const mtime = mtimeNs(selfFile)
        yield* Effect.sleep(Duration.millis(20))
        const tags = yield* md.mutateRunTags(runPath, { add: ["exp-1", "user:alice", "runtime:dev"], remove: ["absent"] })
        assert.isTrue(sameSet(tags, ["exp-1", "promoted"]))
        assert.strictEqual(mtimeNs(selfFile), mtime)
        assert.deepStrictEqual(readFileSync(selfFile), bytes)
      })).pipe(Effect.provide(NodeContext.layer), asUser("carol")))

  it.live("refusals: system tags, tag-set size, missing run", () =>
    withRunCopy((base, selfFile) =>
      Effect.gen(function*() {
        const md = yield* providerAt(base)
        const bytes = readFileSync(selfFile)
        const e = yield* Effect.flip(md.mutateRunTags(runPath, { add: [], remove: ["user:alice", "runtime:dev"] }))
        assert.strictEqual(e._tag, "TaggingError")
        assert.strictEqual(e.message, "Cannot remove a tag that is an existing system tag (['runtime:dev', 'user:alice'])")
        const many = Array.from({ length: 50 }, (_, i) => `t${i}`)
        const e2 = yield* Effect.flip(md.mutateRunTags(runPath, { add: many, remove: [] }))
        assert.strictEqual(e2.message, "Cannot increase size of tag set beyond 50")
        const e3 = yield* Effect.flip(md.mutateRunTags({ flow: FLOW, run: "42" }, { add: ["x"], remove: [] }))
        assert.strictEqual(e3.message, `Run not found (${FLOW}, 42)`)
        const e4 = yield* Effect.flip(md.mutateRunTags({ flow: FLOW, run: ".." }, { add: ["x"], remove: [] }))
        assert.strictEqual(e4._tag, "PathOutsideRoot")
        assert.deepStrictEqual(readFileSync(selfFile), bytes)
      })).pipe(Effect.provide(NodeContext.layer), asUser("carol")))

  it.live("without a user name, user_name is null (Python writes None)", () =>
    withRunCopy((base, selfFile) =>
      Effect.gen(function*() {
        const md = yield* providerAt(base)
        yield* md.mutateRunTags(runPath, { add: ["x"], remove: [] })
        assert.strictEqual(readJsonFile(selfFile).user_name, null)
      })).pipe(Effect.provide(NodeContext.layer), asUser(undefined)))

  it.live("concurrent mutations from several fibers all survive", () =>
    withRunCopy((base, selfFile) =>
      Effect.gen(function*() {
        const md = yield* providerAt(base)
        const tags = Array.from({ length: 8 }, (_, i) => `fiber-${i}`)
        yield* Effect.forEach(tags, (t) => md.mutateRunTags(runPath, { add: [t], remove: [] }), { concurrency: "unbounded" })
        assert.isTrue(sameSet(readJsonFile(selfFile).tags, ["exp-1", "promoted", ...tags]))
        // and through the layer (one provider shared by all fibers)
        const more = Array.from({ length: 4 }, (_, i) => `layer-${i}`)
        yield* Effect.forEach(
          more,
          (t) => Effect.flatMap(MetadataProvider.MetadataProvider, (p) => p.mutateRunTags(runPath, { add: [t], remove: ["promoted"] })),
          { concurrency: "unbounded" }
        ).pipe(Effect.provide(LocalProvider.layer({ root: base }).pipe(Layer.provide(NodeContext.layer))))
        assert.isTrue(sameSet(readJsonFile(selfFile).tags, ["exp-1", ...tags, ...more]))
      })).pipe(Effect.provide(NodeContext.layer), asUser("carol")))

  /** A FileSystem where "another process" overwrites the run record right after each of our first `n` writes. */
  const racingFs = (n: number, counter: { writes: number }) =>
    Layer.effect(
      FileSystem.FileSystem,
      Effect.map(FileSystem.FileSystem, (fs): FileSystem.FileSystem => ({
        ...fs,
        rename: (from, to) =>
          Effect.gen(function*() {
            const previous = to.endsWith("_self.json") ? yield* fs.readFileString(to) : undefined
            yield* fs.rename(from, to)
            if (previous === undefined) return
            counter.writes++
            if (counter.writes <= n) yield* fs.writeFileString(to, previous)
          })
      }))
    ).pipe(Layer.provide(NodeContext.layer))

  it.live("a conflicting writer is detected by the read-back and the mutation retried", () =>
    withRunCopy((base, selfFile) => {
      const counter = { writes: 0 }
      return Effect.gen(function*() {
        const md = yield* providerAt(base, noDelay)
        const tags = yield* md.mutateRunTags(runPath, { add: ["retried"], remove: [] })
        assert.isTrue(sameSet(tags, ["exp-1", "promoted", "retried"]))
        assert.strictEqual(counter.writes, 3)
        assert.isTrue(sameSet(readJsonFile(selfFile).tags, tags))
      }).pipe(Effect.provide(Layer.merge(NodeContext.layer, racingFs(2, counter))))
    }).pipe(asUser("carol")))

  it.live("gives up after 5 conflicting tries with Python's message", () =>
    withRunCopy((base) => {
      const counter = { writes: 0 }
      return Effect.gen(function*() {
        const md = yield* providerAt(base, noDelay)
        const e = yield* Effect.flip(md.mutateRunTags(runPath, { add: ["never"], remove: [] }))
        assert.strictEqual(e._tag, "TaggingError")
        assert.strictEqual(e.message, "Tagging failed due to too many conflicting updates from other processes")
        assert.strictEqual(counter.writes, 5)
      }).pipe(Effect.provide(Layer.merge(NodeContext.layer, racingFs(Infinity, counter))))
    }).pipe(asUser("carol")))

  it.live("default backoff between conflicting tries is Python's (about 0.3 s)", () =>
    withRunCopy((base) => {
      const counter = { writes: 0 }
      return Effect.gen(function*() {
        const md = yield* providerAt(base)
        const start = Date.now()
        yield* md.mutateRunTags(runPath, { add: ["slow"], remove: [] })
        const elapsed = Date.now() - start
        assert.strictEqual(counter.writes, 2)
        assert.isTrue(elapsed >= 300 && elapsed < 2000, `${elapsed} ms`)
      }).pipe(Effect.provide(Layer.merge(NodeContext.layer, racingFs(1, counter))))
    }).pipe(asUser("carol")))
})

describe("run tags inherited by steps, tasks and artifacts", () => {
  // the provider remembers the run record by the file's fingerprint; another writer must always be seen
  for (const reads of [{ name: "FileSystem reads", factory: undefined }, { name: "node:fs reads", factory: NodeReads.factory }]) {
    it.live(`follow a rewrite of the run record by another writer, renamed or in place (${reads.name})`, () =>
      withRunCopy((base, selfFile) =>
        Effect.gen(function*() {
          const root = yield* Root.fromDirectory(base)
          const md = yield* LocalMetadataProvider.make(root, {}, reads.factory)
          const tagsOfTasks = Effect.map(md.listTasks({ ...runPath, step: "end" }), (ts) => ts.map((t) => [...t.tags].sort()))
          const artifactTags = Effect.map(md.listArtifacts({ ...runPath, step: "end" }), (as) => new Set(as.map((a) => [...a.tags].sort().join(","))))
          assert.deepStrictEqual((yield* tagsOfTasks)[0], ["exp-1", "promoted"])
          // a writer that renames a new file over the record (Python's and ours)
          const record = readJsonFile(selfFile)
          writeFileSync(`${selfFile}.tmp`, JSON.stringify({ ...record, tags: ["renamed"] }))
          renameSync(`${selfFile}.tmp`, selfFile)
          assert.deepStrictEqual((yield* tagsOfTasks)[0], ["renamed"])
          assert.deepStrictEqual([...(yield* artifactTags)], ["renamed"])
          // a writer that rewrites the file in place, same inode
          writeFileSync(selfFile, JSON.stringify({ ...record, tags: ["in-place", "two"] }))
          assert.deepStrictEqual((yield* tagsOfTasks)[0], ["in-place", "two"])
          // and a run record that disappears is noticed (its _meta directory remains: a corrupt run)
          unlinkSync(selfFile)
          assert.strictEqual((yield* Effect.flip(tagsOfTasks))._tag, "CorruptRecord")
        }).pipe(Effect.provide(NodeContext.layer))))
  }
})
