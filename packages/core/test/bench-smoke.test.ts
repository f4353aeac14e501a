/**
 * Smoke test of `pnpm bench` (bench/): builds a small workload from the committed template run and checks
 * that every bench scenario, asked through our client, gives the floor reader's answer. No timings.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type * as Effect from "effect/Effect"
import { Floor } from "../../../bench/floor.js"
import * as Ours from "../../../bench/ours.js"
import { buildWorkload } from "../../../bench/workload.js"

const SHAPE = { runs: 50, wide: 200 }

describe("bench scenarios (small workload)", () => {
  let dir: string
  let runtime: ReturnType<typeof Ours.localRuntime>
  let floor: Floor

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-bench-smoke-"))
    buildWorkload(dir, SHAPE)
    runtime = Ours.localRuntime(dir)
    floor = new Floor(path.join(dir, ".metaflow"))
  })

  afterAll(async () => {
    await runtime?.dispose()
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  const expected: Record<keyof typeof Ours.scenarios, () => unknown> = {
    runs_all: () => floor.runsAll(),
    runs_tag_tenth: () => floor.runsTagTenth(),
    runs_ns_alice: () => floor.runsNsAlice(),
    latest_successful_run: () => floor.latestSuccessfulRun(),
    wide_tasks_list: () => floor.wideTasksList(),
    wide_artifact_y: () => floor.wideArtifactY(),
    wide_artifact_y_batch: () => floor.wideArtifactY(),
    all_runs_successful: () => floor.allRunsSuccessful(),
    all_runs_successful_batch: () => floor.allRunsSuccessful(),
    big_artifact: () => floor.bigArtifact()
  }

  for (const name of Object.keys(Ours.scenarios) as Array<keyof typeof Ours.scenarios>) {
    it(name, async () => {
      const ours = await runtime.runPromise(Ours.scenarios[name] as Effect.Effect<unknown, unknown, never>)
      expect(ours).toEqual(expected[name]())
    })
  }

  it("has the workload's shape", () => {
    expect(floor.runsAll().count).toBe(SHAPE.runs)
    expect(floor.runsTagTenth().count).toBe(SHAPE.runs / 10)
    expect(floor.runsNsAlice().count).toBe(SHAPE.runs / 2)
    expect(floor.wideTasksList().count).toBe(SHAPE.wide)
    expect(floor.wideArtifactY()).toEqual({ count: SHAPE.wide, sum: SHAPE.wide * 10 })
    expect(floor.allRunsSuccessful()).toEqual({ runs: SHAPE.runs, successful: SHAPE.runs })
    expect(floor.latestSuccessfulRun()?.id).toBe(String(1795000000000000n + BigInt(SHAPE.runs - 1)))
    expect(floor.bigArtifact().length).toBe(20 * 1024 * 1024)
  })
})
