/**
 * Runs created in the same millisecond come in Python's order. Python sorts a flow's runs newest first
 * with a stable sort over its provider's list, and the local provider lists with `glob` (`os.scandir`):
 * ties keep the file system's directory order. `make_scale.py` gives every run one timestamp, so
 * `latest_successful_run` on such a folder is decided by that order alone.
 *
 * Checked on a small bench workload (bench/workload.ts) whose ScaleFlow runs are rewritten to share one
 * `ts_epoch`, and whose first run in directory order is made unsuccessful (its `_success` record removed):
 * the Node reader gives the runs in `opendir` order and the second of them as the latest successful run,
 * the same answers as the real Python client on the same folder (when `python3 -c "import metaflow"`
 * works; `.ci/run` installs it). The portable reader gives the order its `FileSystem` reports.
 */
import { NodeContext } from "@effect/platform-node"
import { Flow, Namespace } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { buildWorkload } from "../../../bench/workload.js"
import { LocalProvider } from "../src/index.js"
import { NodeLocalProvider } from "../src/node.js"

const hasMetaflow = spawnSync("python3", ["-c", "import metaflow"], { stdio: "ignore" }).status === 0

/** Visible entries of a directory in the file system's order. */
const asListed = (dir: string): Array<string> => {
  const names: Array<string> = []
  const handle = fs.opendirSync(dir)
  for (let e = handle.readSync(); e !== null; e = handle.readSync()) if (!e.name.startsWith(".")) names.push(e.name)
  handle.closeSync()
  return names
}

/** Run ids newest first and the latest successful run, as our client answers them. */
const ours = (layer: ReturnType<typeof LocalProvider.layer>) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const flow = yield* Flow.get("ScaleFlow")
      const runs = Chunk.toReadonlyArray(yield* Stream.runCollect(Flow.runs(flow))).map((r) => r.id)
      const latest = Option.getOrNull(Option.map(yield* Flow.latestSuccessfulRun(flow), (r) => r.id))
      return { runs, latest }
    }).pipe(Namespace.withNamespace(null), Effect.provide(layer.pipe(Layer.provide(NodeContext.layer))))
  )

describe("runs of the same millisecond", () => {
  let dir: string
  let flowDir: string
  let listed: Array<string>

  beforeAll(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "mfc-run-order-")))
    buildWorkload(dir, { runs: 12, wide: 2 }, { withBig: false })
    flowDir = path.join(dir, ".metaflow", "ScaleFlow")
    // run directories (the flow's directory also holds the datastore's `data`)
    const isRun = (n: string) => fs.existsSync(path.join(flowDir, n, "_meta", "_self.json"))
    listed = asListed(flowDir).filter((n) => n !== "_meta" && isRun(n))
    for (const run of listed) {
      const file = path.join(flowDir, run, "_meta", "_self.json")
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), ts_epoch: 1795000000000 }))
    }
    // the first run in directory order did not succeed: its end task has no `_success` record
    const endDir = path.join(flowDir, listed[0]!, "end")
    const task = fs.readdirSync(endDir).find((n) => n !== "_meta")!
    const meta = path.join(endDir, task, "_meta")
    for (const f of fs.readdirSync(meta).filter((n) => /^\d+_artifact__success\.json$/.test(n))) fs.rmSync(path.join(meta, f))
  }, 120_000)

  afterAll(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  it("node:fs reads: the directory's order, and the second run in it as the latest successful", async () => {
    expect(listed.length).toBe(12)
    const answer = await ours(NodeLocalProvider.layer({ root: dir }))
    expect(answer.runs).toEqual(listed)
    expect(answer.latest).toBe(listed[1])
  })

  it("FileSystem reads: the order the FileSystem lists (sorted by name on Node)", async () => {
    const answer = await ours(LocalProvider.layer({ root: dir }))
    const expected = fs.readdirSync(flowDir).filter((n) => listed.includes(n))
    expect(answer.runs).toEqual(expected)
    expect(answer.latest).toBe(expected.find((r) => r !== listed[0]))
  })

  it.skipIf(!hasMetaflow)("the real Python client answers the same on the same folder", async () => {
    const script = [
      "import json",
      "from metaflow import Flow, namespace",
      "namespace(None)",
      "f = Flow('ScaleFlow')",
      "print(json.dumps({'runs': [r.id for r in f], 'latest': f.latest_successful_run.id}))"
    ].join("\n")
    const py = spawnSync("python3", ["-c", script], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, METAFLOW_DATASTORE_SYSROOT_LOCAL: dir, METAFLOW_DEFAULT_METADATA: "local", METAFLOW_DEFAULT_DATASTORE: "local", USERNAME: "tester" }
    })
    expect(py.status, py.stderr).toBe(0)
    const python = JSON.parse(py.stdout.trim().split("\n").at(-1)!) as { runs: Array<string>; latest: string }
    const answer = await ours(NodeLocalProvider.layer({ root: dir }))
    expect(answer.runs).toEqual(python.runs)
    expect(answer.latest).toBe(python.latest)
  }, 120_000)
})
