/**
 * Concurrent tag changes on one local run by N separate PROCESSES (node children running tag-writer.ts via
 * tsx), each adding its own tags and then removing half of them, all at once, on a temp copy of the corpus.
 * Pass condition: every tag whose add call reported success and that nobody removed is on the run at the
 * end; every tag whose removal reported success is gone (nobody re-adds it); a call that could not apply
 * fails with a typed TaggingError (Python's "too many conflicting updates"), never silently; the run
 * record stays valid JSON; the other tags of the run are untouched.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { tempCorpus } from "./support.js"

const FLOW = "RetryOnceFlow"
const WRITERS = 5
const TAGS_EACH = 4
const repo = path.resolve(__dirname, "../../../..")

let t: ReturnType<typeof tempCorpus>
let runId: string

beforeAll(() => {
  t = tempCorpus([FLOW])
  runId = fs.readdirSync(path.join(t.root, FLOW)).find((n) => /^\d+$/.test(n))!
})
afterAll(() => t.remove())

interface Call {
  readonly op: "add" | "remove"
  readonly tag: string
  readonly ok: boolean
  readonly error?: string
}

const writer = (id: number) =>
  new Promise<{ code: number | null; calls: Array<Call>; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "tag-writer.ts"), t.base, `${FLOW}/${runId}`, String(id), String(TAGS_EACH)], {
      cwd: repo,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(repo, "tsconfig.base.json"), USERNAME: `writer${id}` },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (d) => (out += d))
    child.stderr.on("data", (d) => (err += d))
    child.on("close", (code) =>
      resolve({ code, calls: out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Call), stderr: err }))
  })


describe("concurrent tag changes (local, separate processes)", () => {
  let calls: Array<Call> = []
  let before: { tags: Array<string>; system_tags: Array<string> }
  let after: { tags: Array<string>; system_tags: Array<string> }
  let self: string

  beforeAll(async () => {
    self = path.join(t.root, FLOW, runId, "_meta", "_self.json")
    before = JSON.parse(fs.readFileSync(self, "utf8"))
    const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)))
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    calls = results.flatMap((r) => r.calls)
    after = JSON.parse(fs.readFileSync(self, "utf8"))
  }, 120_000)

  it(`${WRITERS} processes: every call answers (success or typed TaggingError), the record stays valid`, () => {
    expect(calls.length).toBe(WRITERS * (TAGS_EACH + Math.floor(TAGS_EACH / 2)))
    for (const c of calls.filter((c) => !c.ok)) expect(c.error, JSON.stringify(c)).toMatch(/^TaggingError: /)
    const final = new Set(after.tags)
    for (const tag of before.tags) expect(final.has(tag), `original tag ${tag}`).toBe(true)
    expect(after.system_tags).toEqual(before.system_tags)
    expect(after.tags.every((tag) => typeof tag === "string")).toBe(true)
    expect(fs.readdirSync(path.dirname(self)).filter((n) => n.startsWith("tmp")), "temp files left behind").toEqual([])
  })

  // Python's optimistic read-modify-write alone loses updates (A writes and reads back its tag, then B,
  // which read the record before A's write, replaces the file); the provider's cross-process lock
  // (`_meta/.mfc-tag-lock`) serialises our writers, so nothing a writer was told succeeded goes missing.
  it(`${WRITERS} processes: no tag whose add succeeded and that nobody removed goes missing`, () => {
    const final = new Set(after.tags)
    const removeTried = new Set(calls.filter((c) => c.op === "remove").map((c) => c.tag))
    const lost = calls.filter((c) => c.op === "add" && c.ok && !removeTried.has(c.tag) && !final.has(c.tag)).map((c) => c.tag)
    expect(lost, "tags whose add succeeded, never removed, missing at the end").toEqual([])
    const removedOk = new Set(calls.filter((c) => c.op === "remove" && c.ok).map((c) => c.tag))
    expect([...removedOk].filter((tag) => final.has(tag)), "tags whose removal succeeded, present at the end").toEqual([])
  })

  it("reports what happened", () => {
    const final = new Set(after.tags)
    const removeTried = new Set(calls.filter((c) => c.op === "remove").map((c) => c.tag))
    const stats = {
      addsOk: calls.filter((c) => c.op === "add" && c.ok).length,
      removesOk: calls.filter((c) => c.op === "remove" && c.ok).length,
      refused: calls.filter((c) => !c.ok).length,
      lost: calls.filter((c) => c.op === "add" && c.ok && !removeTried.has(c.tag) && !final.has(c.tag)).length
    }
    console.log(`[concurrent-tags] ${JSON.stringify(stats)}`)
    expect(stats.addsOk + stats.removesOk + stats.refused).toBe(calls.length)
  })
})
