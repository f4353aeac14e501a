/**
 * A real Metaflow run (liveflow.py, pip-installed metaflow) polled by the client while it runs, on a temp
 * local datastore. Checks: the run is seen as `running` (Status.ofRun) while it runs and ends `completed`;
 * steps and tasks appear; task logs grow; no read crashes on a half-written file (every failure of a poll is
 * one of core's typed errors); reads are consistent: a task reported successful always has its artifacts,
 * and they decode. Skipped, with the reason in its name, when `python3 -c "import metaflow"` fails.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "vitest"
import { Cause, Chunk, Effect, Exit, Option, Stream } from "effect"
import { Artifact, Flow, Logs, Namespace, Run, Status, Step, Task } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { TYPED_ERRORS } from "../hostile/support.js"

const hasMetaflow = spawnSync("python3", ["-c", "import metaflow"], { stdio: "ignore" }).status === 0
const reason = hasMetaflow ? "" : " [SKIPPED: python3 cannot import metaflow — pip install metaflow==2.19.38]"
if (!hasMetaflow) console.warn(`live-run.test.ts${reason}`)

interface Snapshot {
  readonly status: Status.Status
  readonly steps: ReadonlyArray<string>
  readonly tasks: ReadonlyArray<{ readonly pathspec: string; readonly successful: boolean; readonly artifacts: ReadonlyArray<string>; readonly stdout: number }>
}

/** One poll: the latest LiveFlow run, its status, steps, tasks, and for successful tasks their artifact values. */
const poll = Effect.gen(function*() {
  const flow = yield* Flow.get("LiveFlow")
  const run = yield* Flow.latestRun(flow)
  if (Option.isNone(run)) return undefined
  const status = yield* Status.ofRun(run.value)
  const steps = Chunk.toArray(yield* Stream.runCollect(Run.steps(run.value)))
  const tasks: Array<Snapshot["tasks"][number]> = []
  for (const s of steps) {
    for (const task of Chunk.toArray(yield* Stream.runCollect(Step.tasks(s)))) {
      const successful = yield* Task.successful(task)
      const artifacts = Chunk.toArray(yield* Stream.runCollect(Task.artifacts(task)))
      if (successful) {
        // consistency: a successful task has its artifacts, and they decode
        if (artifacts.length === 0 && s.path.step !== "end") throw new Error(`${task.pathspec} successful without artifacts`)
        for (const a of artifacts) yield* Artifact.value(a)
      }
      const stdout = (yield* Logs.text(task, "stdout")).length
      tasks.push({ pathspec: task.pathspec, successful, artifacts: artifacts.map((a) => a.path.artifact), stdout })
    }
  }
  return { status, steps: steps.map((s) => s.path.step), tasks } satisfies Snapshot
})

describe("live run", () => {
  it.skipIf(!hasMetaflow)(`polls a running Metaflow flow until it ends${reason}`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-live-"))
    fs.copyFileSync(path.join(__dirname, "liveflow.py"), path.join(dir, "liveflow.py"))
    const env = {
      ...process.env,
      METAFLOW_DATASTORE_SYSROOT_LOCAL: dir,
      METAFLOW_DEFAULT_DATASTORE: "local",
      METAFLOW_DEFAULT_METADATA: "local",
      METAFLOW_HOME: path.join(dir, "mfhome"),
      USERNAME: "livetest"
    }
    const child = spawn("python3", ["liveflow.py", "--no-pylint", "run"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    let exited: number | null | undefined = undefined
    const done = new Promise<void>((resolve) => child.on("close", (code) => { exited = code; resolve() }))

    const snapshots: Array<Snapshot> = []
    const errors = new Map<string, number>()
    const runPoll = async () => {
      if (!fs.existsSync(path.join(dir, ".metaflow"))) return
      const exit = await Effect.runPromiseExit(
        poll.pipe(Namespace.withNamespace(null), Effect.provide(LocalProvider.layer({ root: dir })), Effect.provide(NodeContext.layer))
      )
      if (Exit.isSuccess(exit)) {
        if (exit.value !== undefined) snapshots.push(exit.value)
        return
      }
      const failure = Cause.failureOption(exit.cause)
      if (Option.isNone(failure)) throw new Error(`a poll crashed (defect) on a half-written run: ${Cause.pretty(exit.cause)}`)
      const tag = (failure.value as { _tag: string })._tag
      if (!TYPED_ERRORS.has(tag)) throw new Error(`untyped failure ${tag}`)
      errors.set(tag, (errors.get(tag) ?? 0) + 1)
    }
    try {
      const deadline = Date.now() + 55_000
      while (exited === undefined && Date.now() < deadline) {
        await runPoll()
        await new Promise((r) => setTimeout(r, 150))
      }
      await Promise.race([done, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))])
      expect(exited, `flow did not finish in time:\n${output.slice(-2000)}`).toBe(0)
      await runPoll() // after the end

      console.log(`[live] ${snapshots.length} successful polls; typed errors while running: ${JSON.stringify(Object.fromEntries(errors))}; statuses: ${[...new Set(snapshots.map((s) => s.status))].join(",")}`)
      const last = snapshots[snapshots.length - 1]!
      expect(last.status).toBe("completed")
      expect(snapshots.some((s) => s.status === "running"), "the run was seen running").toBe(true)
      expect(last.steps).toEqual(expect.arrayContaining(["start", "fanout", "join", "end"]))
      expect(last.tasks.filter((t) => t.pathspec.includes("/fanout/")).length).toBe(3)
      expect(last.tasks.filter((t) => !t.pathspec.includes("/_parameters/")).every((t) => t.successful)).toBe(true)
      // steps and tasks appeared over time
      const stepCounts = snapshots.map((s) => s.steps.length)
      expect(Math.min(...stepCounts)).toBeLessThan(Math.max(...stepCounts))
      const taskCounts = snapshots.map((s) => s.tasks.length)
      expect(Math.min(...taskCounts)).toBeLessThan(Math.max(...taskCounts))
      // logs grew: some task's stdout was seen shorter than at the end
      const finalLen = new Map(last.tasks.map((t) => [t.pathspec, t.stdout]))
      const grew = snapshots.some((s) => s.tasks.some((t) => t.stdout < (finalLen.get(t.pathspec) ?? 0)))
      expect(grew, "some task's log was seen growing").toBe(true)
      expect(last.tasks.find((t) => t.pathspec.includes("/join/"))!.artifacts).toContain("total")
    } finally {
      if (exited === undefined) child.kill("SIGKILL")
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
