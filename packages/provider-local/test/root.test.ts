import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Datastore, MetadataProvider } from "@metaflow-client/core"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LocalProvider, Root } from "../src/index.js"
import { corpusBase, corpusRoot } from "./utils.js"

const env = (vars: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(vars))))

const withTemp = <A, E, R>(f: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => realpathSync(mkdtempSync(join(tmpdir(), "mfc-root-")))),
    f,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

describe("Root", () => {
  it.effect("explicit directory containing .metaflow", () =>
    Effect.gen(function*() {
      const root = yield* Root.fromDirectory(corpusBase)
      assert.strictEqual(root.metaflowDir, realpathSync(corpusRoot))
      assert.strictEqual(root.baseDir, corpusBase)
      assert.strictEqual(root.source, "explicit")
      assert.strictEqual(Root.describe(root), `local@${corpusBase}`)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("explicit path of the .metaflow directory itself", () =>
    Effect.gen(function*() {
      const root = yield* Root.fromDirectory(corpusRoot)
      assert.strictEqual(root.metaflowDir, realpathSync(corpusRoot))
      assert.strictEqual(Root.describe(root), `local@${corpusBase}`)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("explicit directory without .metaflow fails with Python's message", () =>
    withTemp((dir) =>
      Effect.gen(function*() {
        const e = yield* Effect.flip(Root.fromDirectory(dir))
        assert.strictEqual(e._tag, "RootNotFound")
        assert.strictEqual(e.message, `Could not find directory .metaflow in directory ${dir}`)
        const e2 = yield* Effect.flip(Root.fromDirectory(join(dir, "missing")))
        assert.strictEqual(e2.source, "explicit")
      })).pipe(Effect.provide(NodeContext.layer)))

  it.effect("METAFLOW_DATASTORE_SYSROOT_LOCAL via Config: root = $D/.metaflow", () =>
    Effect.gen(function*() {
      const root = yield* Root.discover({ cwd: "/" }).pipe(env({ METAFLOW_DATASTORE_SYSROOT_LOCAL: corpusBase }))
      assert.strictEqual(root.source, "env")
      assert.strictEqual(root.metaflowDir, corpusRoot)
      assert.strictEqual(Root.describe(root), `local@${corpusBase}`)
      // the explicit root wins over the environment
      const explicit = yield* Root.discover({ root: corpusBase }).pipe(env({ METAFLOW_DATASTORE_SYSROOT_LOCAL: "/nonexistent" }))
      assert.strictEqual(explicit.source, "explicit")
      const e = yield* Effect.flip(Root.discover({}).pipe(env({ METAFLOW_DATASTORE_SYSROOT_LOCAL: "/nonexistent" })))
      assert.strictEqual(e.source, "env")
      assert.include(e.message, "METAFLOW_DATASTORE_SYSROOT_LOCAL")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("walks up from the start directory", () =>
    withTemp((dir) =>
      Effect.gen(function*() {
        mkdirSync(join(dir, "proj", ".metaflow"), { recursive: true })
        mkdirSync(join(dir, "proj", "a", "b", "c"), { recursive: true })
        const deep = yield* Root.discover({ cwd: join(dir, "proj", "a", "b", "c") }).pipe(env({}))
        assert.strictEqual(deep.source, "cwd")
        assert.strictEqual(deep.metaflowDir, join(dir, "proj", ".metaflow"))
        assert.strictEqual(Root.describe(deep), `local@${join(dir, "proj")}`)
        const here = yield* Root.walkUp(join(dir, "proj"))
        assert.strictEqual(here.metaflowDir, join(dir, "proj", ".metaflow"))
        // cwd/.metaflow is realpath'd
        mkdirSync(join(dir, "elsewhere", ".metaflow"), { recursive: true })
        mkdirSync(join(dir, "linked"))
        symlinkSync(join(dir, "elsewhere", ".metaflow"), join(dir, "linked", ".metaflow"))
        const linked = yield* Root.walkUp(join(dir, "linked"))
        assert.strictEqual(linked.metaflowDir, join(dir, "elsewhere", ".metaflow"))
        assert.strictEqual(Root.describe(linked), `local@${join(dir, "elsewhere")}`)
      })).pipe(Effect.provide(NodeContext.layer)))

  it.effect("walk-up finding nothing fails with a clear message", () =>
    withTemp((dir) =>
      Effect.gen(function*() {
        const start = join(dir, "x", "y")
        mkdirSync(start, { recursive: true })
        const e = yield* Effect.flip(Root.discover({ cwd: start }).pipe(env({})))
        assert.strictEqual(e._tag, "RootNotFound")
        assert.strictEqual(e.source, "cwd")
        assert.include(e.message, "No .metaflow directory found in current working tree")
        assert.include(e.message, start)
      })).pipe(Effect.provide(NodeContext.layer)))
})

describe("LocalProvider layers", () => {
  it.effect("layer fails with RootNotFound when there is no root", () =>
    withTemp((dir) =>
      Effect.gen(function*() {
        const e = yield* Effect.flip(Layer.build(LocalProvider.layer({ root: dir })).pipe(Effect.scoped))
        assert.strictEqual(e._tag, "RootNotFound")
      })).pipe(Effect.provide(NodeContext.layer)))

  it.effect("layerConfig takes the sysroot from a Config", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      const st = yield* Datastore.LocalStorage
      assert.strictEqual(md.describe, `local@${corpusBase}`)
      assert.isTrue(Option.isSome(yield* Stream.runHead(md.listFlows)))
      assert.isTrue(Option.isSome(yield* st.read("/x", "HelloLinearFlow/_meta/_self.json")))
    }).pipe(Effect.provide(
      LocalProvider.layerConfig({ sysroot: Config.succeed(Option.some(corpusBase)) }).pipe(Layer.provide(NodeContext.layer))
    )))

  it.effect("layerConfig default reads METAFLOW_DATASTORE_SYSROOT_LOCAL", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      assert.strictEqual(md.describe, `local@${corpusBase}`)
    }).pipe(
      Effect.provide(LocalProvider.layerConfig().pipe(Layer.provide(NodeContext.layer))),
      env({ METAFLOW_DATASTORE_SYSROOT_LOCAL: corpusBase })
    ))

  it.effect("layer() with no options uses the environment", () =>
    Effect.gen(function*() {
      const md = yield* MetadataProvider.MetadataProvider
      assert.strictEqual(md.describe, `local@${corpusBase}`)
    }).pipe(
      Effect.provide(LocalProvider.layer().pipe(Layer.provide(NodeContext.layer))),
      env({ METAFLOW_DATASTORE_SYSROOT_LOCAL: corpusBase })
    ))
})
