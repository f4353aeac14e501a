/**
 * Run listings are read in batches (16 records, doubling up to 256): a consumer that stops early reads one
 * small batch. Pinned on a flow of 600 runs whose 20th run is corrupt: a full listing fails naming it, a
 * flow's namespace check (one run in the namespace is enough, as Python's) stops in the first batch and
 * answers.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Flow, Namespace } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LocalProvider } from "../src/index.js"
import { NodeLocalProvider } from "../src/node.js"

const base = realpathSync(mkdtempSync(join(tmpdir(), "mfc-batches-")))
const flowDir = join(base, ".metaflow", "Many")
const write = (rel: string, text: string) => {
  mkdirSync(join(flowDir, rel, "_meta"), { recursive: true })
  writeFileSync(join(flowDir, rel, "_meta", "_self.json"), text)
}
write("", JSON.stringify({ flow_id: "Many", ts_epoch: 1 }))
for (let i = 1; i <= 600; i++) {
  const run = String(1000 + i)
  write(run, i === 20 ? "{corrupt" : JSON.stringify({
    run_number: run, flow_id: "Many", user_name: "u", tags: [], system_tags: ["user:u"], ts_epoch: 1000 + i
  }))
}

for (const [name, layer] of [["FileSystem reads", LocalProvider.layer({ root: base })], ["node:fs reads", NodeLocalProvider.layer({ root: base })]] as const) {
  describe(`run listings in batches (${name})`, () => {
    const live = layer.pipe(Layer.provide(NodeContext.layer))
    it.effect("a full listing reads every batch and fails on the corrupt run", () =>
      Effect.gen(function*() {
        const e = yield* Effect.flip(Effect.flatMap(Flow.get("Many"), (f) => Stream.runCollect(Flow.runs(f))))
        assert.strictEqual(e._tag, "CorruptRecord")
        assert.include(e.message, "1020")
      }).pipe(Namespace.withNamespace(null), Effect.provide(live)))

    it.effect("the namespace check of Flow.get stops at the first batch with a run in the namespace", () =>
      Effect.gen(function*() {
        const flow = yield* Flow.get("Many")
        assert.strictEqual(flow.namespace, "user:u")
        // the listing itself still reads everything, and still fails
        assert.strictEqual((yield* Effect.flip(Stream.runCollect(Flow.runs(flow))))._tag, "CorruptRecord")
      }).pipe(Namespace.withNamespace("user:u"), Effect.provide(live)))
  })
}
