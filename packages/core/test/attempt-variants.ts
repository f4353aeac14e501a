/**
 * Copies of a corpus run whose retried task (and end task) are cut where Metaflow can leave them: the
 * cases of Python's rule for which attempt a task's artifacts come from (the value of its last
 * `sysmeta_attempt-done_*` record; none without one). Shared by AttemptRule.test.ts and the script that
 * recorded the Python client's answers on them (testdata/attempt-rule/record.py):
 *
 *   node --import tsx packages/core/test/attempt-variants.ts DIR   → writes DIR/<variant>/.metaflow
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The corpus run copied. */
export const flow = "RetryOnceFlow"
export const run = "1795767075327575"
/** Its task that failed attempt 0 and succeeded on attempt 1. */
export const retried = `${flow}/${run}/flaky/2`

const corpus = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../testdata/fixtures/local/.metaflow")

const metaOf = (root: string, pathspec: string) => path.join(root, ".metaflow", ...pathspec.split("/"), "_meta")
const remove = (meta: string, keep: (name: string) => boolean) => {
  for (const name of fs.readdirSync(meta)) if (!keep(name)) fs.rmSync(path.join(meta, name))
}
const endTask = (root: string) => {
  const end = path.join(root, ".metaflow", flow, run, "end")
  return `${flow}/${run}/end/${fs.readdirSync(end).find((t) => t !== "_meta")!}`
}

/** Each variant: what is done to the copy. */
export const variants: Record<string, (root: string) => void> = {
  "as-written": () => {},
  // killed after attempt 1 was marked done, before its artifacts were registered
  "done-without-artifacts": (root) => remove(metaOf(root, retried), (n) => !n.startsWith("1_artifact_")),
  // no attempt marked done: a running task, or one killed before the end of its first attempt
  "no-attempt-done": (root) => remove(metaOf(root, retried), (n) => !n.startsWith("sysmeta_attempt-done_")),
  // the last record (by name) names attempt 0: its artifacts are shown, though attempt 1 has some too
  "last-done-names-0": (root) => {
    const meta = metaOf(root, retried)
    const last = fs.readdirSync(meta).filter((n) => n.startsWith("sysmeta_attempt-done_")).sort().at(-1)!
    const record = JSON.parse(fs.readFileSync(path.join(meta, last), "utf8")) as Record<string, unknown>
    fs.writeFileSync(path.join(meta, last), JSON.stringify({ ...record, value: "0" }))
  },
  // the end task marked done, killed before registering its artifacts
  "end-done-without-artifacts": (root) => remove(metaOf(root, endTask(root)), (n) => !n.startsWith("0_artifact_"))
}

/** Writes variant `name` below `root` (a `.metaflow` holding the copied flow). */
export const makeVariant = (root: string, name: string): void => {
  fs.cpSync(path.join(corpus, flow), path.join(root, ".metaflow", flow), { recursive: true })
  variants[name]!(root)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = process.argv[2]!
  for (const name of Object.keys(variants)) makeVariant(path.join(out, name), name)
}
