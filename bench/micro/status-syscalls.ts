/**
 * The system calls under `successful` of one run, with plain synchronous `node:fs` and nothing else (no
 * objects, no Effect), best of 8 passes over ScaleFlow's 1,000 runs, in µs per run (bundled and spawned by
 * bench/micro.ts):
 *
 * - Python's rule, the least it reads: the `_parameters` step's listing, its task's `_meta` listing and
 *   `end_step` record, the end step's listing, the end task's `_meta` listing, its last `attempt-done`
 *   record (the latest done attempt) and that attempt's `_success` record: 4 listings and 3 reads (the
 *   `_success` blob is one for all runs);
 * - what `Run.outcomes` reads besides (the two task records, for the newest-first order and the Task
 *   objects; the run record's `stat` twice, for tag inheritance; listings with file types).
 *
 * The bound under the 10×-Python target for `successful` (bench/NOTES.md, "What is left").
 *
 *   node status-syscalls.mjs WORKLOAD_DIR
 */
import * as fs from "node:fs"
import * as path from "node:path"

const flowDir = path.join(process.argv[2]!, ".metaflow", "ScaleFlow")
const runs = fs.readdirSync(flowDir).filter((r) => /^\d+$/.test(r))
const buf = Buffer.allocUnsafe(1 << 16)
const readJson = (file: string): unknown => {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  try {
    return JSON.parse(buf.toString("utf8", 0, fs.readSync(fd, buf, 0, buf.length, 0)))
  } finally {
    fs.closeSync(fd)
  }
}
const onlyTask = (stepDir: string, withTypes: boolean): string =>
  (withTypes ? fs.readdirSync(stepDir, { withFileTypes: true }).map((d) => d.name) : fs.readdirSync(stepDir)).find((n) => n !== "_meta")!

const status = (run: string, ours: boolean): unknown => {
  const runDir = path.join(flowDir, run)
  const params = path.join(runDir, "_parameters")
  const end = path.join(runDir, "end")
  if (ours) fs.statSync(path.join(runDir, "_meta", "_self.json"))
  const paramTask = onlyTask(params, ours)
  const endTask = onlyTask(end, ours)
  if (ours) {
    readJson(path.join(params, paramTask, "_meta", "_self.json"))
    readJson(path.join(end, endTask, "_meta", "_self.json"))
  }
  const paramMeta = path.join(params, paramTask, "_meta")
  readJson(path.join(paramMeta, fs.readdirSync(paramMeta).find((n) => n.startsWith("sysmeta_end_step_"))!))
  if (ours) fs.statSync(path.join(runDir, "_meta", "_self.json"))
  const endMeta = path.join(end, endTask, "_meta")
  const done = fs.readdirSync(endMeta).filter((n) => n.startsWith("sysmeta_attempt-done_")).sort().at(-1)!
  const latest = Number((readJson(path.join(endMeta, done)) as { value: string }).value)
  return readJson(path.join(endMeta, `${latest}_artifact__success.json`))
}

for (const [label, ours] of [["Python's rule: 4 listings, 3 reads", false], ["+ what Run.outcomes reads besides", true]] as const) {
  let best = Infinity
  for (let pass = 0; pass < 8; pass++) {
    const t0 = performance.now()
    for (const run of runs) status(run, ours)
    best = Math.min(best, performance.now() - t0)
  }
  console.log(`${label.padEnd(40)} ${(best / runs.length * 1000).toFixed(1).padStart(7)} µs per run`)
}
