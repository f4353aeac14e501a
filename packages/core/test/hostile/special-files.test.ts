/**
 * Special files planted in a tree: a FIFO where a record, a sysmeta file, a blob or a log should be. Opening a
 * FIFO for reading blocks until a writer comes, and the node:fs reader reads records synchronously, so a
 * careless reader would hang the whole process. Every query must finish (the test's timeout is the guard), on
 * both readers alike (`runLocal` compares them), with an answer or one of core's typed errors: a FIFO is not a
 * regular file, so it counts as absent (as Python's `os.path.isfile` says).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Option, Stream } from "effect"
import { Artifact, Logs, Step, Task } from "@metaflow-client/core"
import { failureOf, runLocal, tempCorpus, TYPED_ERRORS } from "./support.js"

const FLOW = "ParamsFlow"
const RUN = "1795767092266168"
const TASK = `${FLOW}/${RUN}/start/1`

const hasMkfifo = (() => {
  try {
    execFileSync("mkfifo", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

let t: ReturnType<typeof tempCorpus>
beforeAll(() => {
  t = tempCorpus([FLOW])
})
afterAll(() => t.remove())

/** Replaces a file of the temp tree by a FIFO of the same name. */
const plantFifo = (file: string) => {
  fs.rmSync(file, { force: true })
  execFileSync("mkfifo", [file])
}

/** Runs a query on both readers: it must finish with an answer or a typed error; returns either. */
const settle = async <A, E>(program: Parameters<typeof runLocal<A, E>>[1]) => {
  const exit = await runLocal(t.base, program)
  const err = failureOf(exit)
  if (err !== undefined) expect(TYPED_ERRORS.has(err._tag), `${err._tag}: ${err.message}`).toBe(true)
  return { exit, err }
}

describe.skipIf(!hasMkfifo || process.platform === "win32")("FIFOs planted in the tree", () => {
  it("an artifact record that is a FIFO is an artifact that does not exist", { timeout: 30_000 }, async () => {
    plantFifo(path.join(t.root, TASK, "_meta", "0_artifact_alpha.json"))
    const { err } = await settle(Effect.flatMap(Task.get(TASK), (task) => Task.artifact(task, "alpha")))
    expect(err?._tag).toBe("ObjectNotFound")
    // the task's other artifacts still read
    const { exit } = await settle(Effect.flatMap(Task.get(TASK), (task) => Effect.flatMap(Task.artifact(task, "count"), Artifact.value)))
    expect(exit._tag).toBe("Success")
  })

  it("a sysmeta file that is a FIFO is a metadata entry never written", { timeout: 30_000 }, async () => {
    const meta = path.join(t.root, TASK, "_meta")
    plantFifo(path.join(meta, fs.readdirSync(meta).find((n) => n.startsWith("sysmeta_ds-type_"))!))
    const { exit } = await settle(Effect.flatMap(Task.get(TASK), Task.metadataDict))
    expect(exit._tag).toBe("Success")
    if (exit._tag === "Success") expect((exit.value as Record<string, unknown>)["ds-type"]).toBeUndefined()
  })

  it("a blob that is a FIFO fails typed (the blob is missing); bytes, value and stream alike", { timeout: 30_000 }, async () => {
    const record = JSON.parse(fs.readFileSync(path.join(t.root, TASK, "_meta", "0_artifact_name.json"), "utf8"))
    const blob = path.join(t.root, FLOW, "data", record.sha.slice(0, 2), record.sha)
    plantFifo(blob)
    const get = Artifact.get(`${TASK}/name`)
    for (const read of [Artifact.value, Artifact.bytes]) {
      const { err } = await settle(Effect.flatMap(get, read))
      expect(err?._tag).toBe("CorruptBlob")
    }
    const { err } = await settle(Effect.flatMap(get, (a) => Stream.runDrain(Artifact.stream(a))))
    expect(err?._tag).toBe("CorruptBlob")
  })

  it("a task record that is a FIFO: the task is not listed, and fetching it is a corrupt record", { timeout: 30_000 }, async () => {
    plantFifo(path.join(t.root, `${FLOW}/${RUN}/end/2`, "_meta", "_self.json"))
    const { exit } = await settle(Effect.flatMap(Step.get(`${FLOW}/${RUN}/end`), (s) => Step.task(s)))
    expect(exit._tag).toBe("Success")
    if (exit._tag === "Success") expect(Option.isNone(exit.value as Option.Option<unknown>)).toBe(true)
    const { err } = await settle(Task.get(`${FLOW}/${RUN}/end/2`))
    expect(err?._tag).toBe("CorruptRecord")
  })

  it("a log file that is a FIFO reads as an empty log", { timeout: 30_000 }, async () => {
    plantFifo(path.join(t.root, TASK, "0.runtime_stdout.log"))
    const { exit } = await settle(Effect.flatMap(Task.get(TASK), (task) => Logs.text(task, "stdout")))
    expect(exit._tag).toBe("Success")
  })
})
