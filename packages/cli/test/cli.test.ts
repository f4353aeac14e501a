/**
 * End-to-end tests of the BUILT `mfc` (packages/cli/dist/mfc.js, rebuilt when stale) run as a subprocess
 * against the shared corpus (testdata/fixtures/local). Expected values come from the Python oracle
 * (testdata/fixtures/oracle/local).
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { corpus, ensureBuilt, json, mfc, onCorpus, oracle, oracleTasks, scratch } from "./helpers.js"

beforeAll(() => ensureBuilt())

const flowNames: Array<string> = Object.keys(oracle.index.flows)
const views: Array<any> = oracle.namespaces.views
const sorted = (xs: ReadonlyArray<string>) => [...xs].sort()
const nsArgs = (ns: string | null) => ns === null ? ["--all"] : ["--namespace", ns]

describe.concurrent("mfc flows", () => {
  it.each(views.map((v) => [String(v.namespace), v] as const))("lists the flows of namespace %s", async (_, view) => {
    const out = await json(["flows", ...nsArgs(view.namespace)])
    expect(out.namespace).toBe(view.namespace)
    expect(sorted(out.flows.map((f: any) => f.id))).toEqual(sorted(view.flows))
    for (const f of out.flows) {
      expect(f.latest_run).toBe(view.flow_views[f.id].latest_run)
    }
  })

  it("uses Python's default namespace (user:$USERNAME)", async () => {
    const view = views.find((v) => v.namespace === oracle.namespaces.default_namespace_of_oracle_process)
    const out = await json(["flows"])
    expect(out.namespace).toBe("user:alice")
    expect(sorted(out.flows.map((f: any) => f.id))).toEqual(sorted(view.flows))
  })

  it("prints a table as text", async () => {
    const r = await onCorpus(["flows", "--all"])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^FLOW\s+LATEST RUN\s+STARTED$/)
    expect(sorted(lines.slice(1).map((l) => l.split(/\s+/)[0]!))).toEqual(sorted(flowNames))
    expect(r.stdout).not.toContain("\u001b[")
  })
})

describe.concurrent("mfc runs", () => {
  it.each(flowNames)("lists the runs of %s newest first with status, times and tags", async (name) => {
    const f = oracle.flow(name)
    const out = await json(["runs", name, "--all"])
    expect(out.flow).toBe(name)
    expect(out.runs.map((r: any) => r.id)).toEqual(f.runs)
    for (const run of out.runs) {
      const o = f.run_records.find((r: any) => r.id === run.id)
      expect(run.pathspec).toBe(o.pathspec)
      expect(run.created_at_ms).toBe(o.created_at_ms)
      expect(run.finished_at_ms).toBe(o.finished_at_ms ?? null)
      expect(run.status === "completed").toBe(o.successful)
      if (o.finished && !o.successful) expect(run.status).toBe("failed")
      expect(run.user_tags).toEqual(sorted(o.user_tags))
      expect(run.system_tags).toEqual(sorted(o.system_tags))
    }
  })

  const tagCases: Array<[string, string | null, string, Array<string>]> = []
  for (const view of views) {
    for (const [flow, fv] of Object.entries<any>(view.flow_views)) {
      if (!fv.lookup?.ok) continue
      for (const [tag, ids] of Object.entries<any>(fv.runs_with_tag ?? {})) {
        if (ids.length > 0 || (flow === "HelloLinearFlow" && tag === "team:data")) tagCases.push([flow, view.namespace, tag, ids])
      }
    }
  }
  it.each(tagCases)("filters %s in namespace %s by tag %s", async (flow, ns, tag, ids) => {
    const out = await json(["runs", flow, ...nsArgs(ns), "--tag", tag])
    expect(out.runs.map((r: any) => r.id)).toEqual(ids)
  })

  it("filters by several tags (all of them)", async () => {
    const view = views.find((v) => v.namespace === null)
    for (const [flow, fv] of Object.entries<any>(view.flow_views)) {
      for (const [tags, ids] of Object.entries<any>(fv.runs_with_all_tags ?? {})) {
        if (flow !== "HelloLinearFlow") continue
        const out = await json(["runs", flow, "--all", ...tags.split(",").flatMap((t: string) => ["--tag", t])])
        expect(out.runs.map((r: any) => r.id)).toEqual(ids)
      }
    }
  })

  it("applies --limit, --status and --since", async () => {
    const f = oracle.flow("HelloLinearFlow")
    const limited = await json(["runs", "HelloLinearFlow", "--all", "--limit", "1"])
    expect(limited.runs.map((r: any) => r.id)).toEqual(f.runs.slice(0, 1))
    const ok = await json(["runs", "HelloLinearFlow", "--all", "--status", "completed"])
    expect(ok.runs.map((r: any) => r.id)).toEqual(f.runs.filter((id: string) =>
      f.run_records.find((r: any) => r.id === id).successful))
    const cut = f.run_records.find((r: any) => r.id === f.runs[1]).created_at_ms
    const since = await json(["runs", "HelloLinearFlow", "--all", "--since", new Date(cut).toISOString()])
    expect(since.runs.map((r: any) => r.id)).toEqual(f.runs.filter((id: string) =>
      f.run_records.find((r: any) => r.id === id).created_at_ms >= cut))
    const failed = await json(["runs", "AlwaysFailFlow", "--all", "--status", "failed"])
    expect(failed.runs.map((r: any) => r.id)).toEqual(oracle.flow("AlwaysFailFlow").runs)
  })

  it("prints a table as text", async () => {
    const f = oracle.flow("HelloLinearFlow")
    const r = await onCorpus(["runs", "HelloLinearFlow", "--all"])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toMatch(/^RUN\s+STATUS\s+STARTED\s+DURATION\s+TAGS$/)
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(f.runs)
    for (const line of lines.slice(1)) {
      const o = f.run_records.find((x: any) => x.id === line.split(/\s+/)[0])
      expect(line.split(/\s+/)[1]).toBe(o.successful ? "completed" : "failed")
      expect(line).toContain(new Date(o.created_at_ms).toISOString())
    }
  })
})

describe.concurrent("mfc show", () => {
  const runsOf = (flow: string) => oracle.flow(flow).run_records.map((r: any) => [r.pathspec, flow] as const)
  const someRuns = ["ForeachFlow", "RetryOnceFlow", "AlwaysFailFlow", "CatchErrorFlow"].flatMap(runsOf)

  it.each(someRuns)("shows run %s with its steps, task counts and states", async (pathspec, flow) => {
    const o = oracle.flow(flow).run_records.find((r: any) => r.pathspec === pathspec)
    const out = await json(["show", pathspec, "--all"])
    expect(out.kind).toBe("Run")
    expect(out.pathspec).toBe(pathspec)
    expect(out.end_task).toBe(o.end_task ?? null)
    expect(out.finished_at_ms).toBe(o.finished_at_ms ?? null)
    expect(out.status === "completed").toBe(o.successful)
    const public_ = o.step_records.filter((s: any) => !s.id.startsWith("_"))
    expect(sorted(out.steps.map((s: any) => s.name))).toEqual(sorted(public_.map((s: any) => s.id)))
    for (const step of out.steps) {
      const os = o.step_records.find((s: any) => s.id === step.name)
      expect(step.tasks).toBe(os.tasks.length)
      const ok = os.task_records.filter((t: any) => t.successful || t.finished).length
      expect(step.states.completed).toBe(ok)
      expect(step.states.completed + step.states.failed + step.states.running).toBe(os.tasks.length)
    }
  })

  const tasks = ["RetryOnceFlow", "CatchErrorFlow", "AlwaysFailFlow"].flatMap((f) => oracleTasks(f))
    .filter((t) => !t.pathspec.includes("/_parameters/"))
  it.each(tasks.map((t) => [t.pathspec, t] as const))("shows task %s", async (pathspec, o) => {
    const out = await json(["show", pathspec, "--all"])
    expect(out.kind).toBe("Task")
    expect(out.attempt).toBe(o.current_attempt)
    expect(out.successful).toBe(o.successful)
    expect(out.finished).toBe(o.finished)
    expect(out.finished_at_ms).toBe(o.finished_at_ms ?? null)
    expect(out.index).toBe(o.index ?? null)
    expect(sorted(out.artifacts)).toEqual(sorted(o.artifacts))
    expect(out.stdout_size).toBe(o.stdout_size)
    expect(out.stderr_size).toBe(o.stderr_size)
    expect(out.exception === null).toBe(o.exception === null)
  })

  it("shows a step with parents, children and tasks", async () => {
    const run = oracle.flow("ForeachFlow").run_records[0]
    for (const s of run.step_records.filter((x: any) => !x.id.startsWith("_"))) {
      const out = await json(["show", s.pathspec, "--all"])
      expect(out.kind).toBe("Step")
      expect(sorted(out.tasks.map((t: any) => t.id))).toEqual(sorted(s.tasks))
      if (Array.isArray(s.parent_steps)) expect(sorted(out.parent_steps)).toEqual(sorted(s.parent_steps.map((p: string) => p.split("/").pop())))
      if (Array.isArray(s.child_steps)) expect(sorted(out.child_steps)).toEqual(sorted(s.child_steps.map((p: string) => p.split("/").pop())))
    }
  })

  it("shows a flow with its runs", async () => {
    const f = oracle.flow("ParamsFlow")
    const out = await json(["show", "ParamsFlow", "--all"])
    expect(out.kind).toBe("Flow")
    expect(out.runs.map((r: any) => r.id)).toEqual(f.runs)
    expect(out.latest_run).toBe(f.latest_run)
    expect(out.latest_successful_run).toBe(f.latest_successful_run)
  })

  it("prints a run as text", async () => {
    const o = oracle.flow("ForeachFlow").run_records[0]
    const r = await onCorpus(["show", o.pathspec, "--all"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^run:\\s+${o.pathspec}$`, "m"))
    expect(r.stdout).toMatch(/^status:\s+completed$/m)
    expect(r.stdout).toMatch(/^STEP\s+TASKS\s+COMPLETED\s+FAILED\s+RUNNING\s+STARTED\s+FINISHED$/m)
    for (const s of o.step_records.filter((x: any) => !x.id.startsWith("_"))) {
      expect(r.stdout).toMatch(new RegExp(`^${s.id}\\s+${s.tasks.length}\\s`, "m"))
    }
  })
})

describe.concurrent("mfc artifacts and mfc get", () => {
  it("lists a task's artifacts with type and size", async () => {
    const t = oracleTasks("RetryOnceFlow").find((x) => x.pathspec.includes("/flaky/"))
    const out = await json(["artifacts", t.pathspec, "--all"])
    expect(sorted(out.artifacts.map((a: any) => a.name))).toEqual(sorted(t.artifacts))
    for (const a of out.artifacts) {
      const o = t.artifact_records[a.name]
      expect(a.size).toBe(o.size)
      expect(a.python_type).toBe(o.type)
      expect(a.sha).toBe(o.sha)
      expect(a.attempt).toBe(o.attempt)
    }
  })

  it("lists the artifacts of every task of a run", async () => {
    const run = oracle.flow("ForeachFlow").run_records[0]
    const out = await json(["artifacts", run.pathspec, "--all"])
    const expected = run.step_records.filter((s: any) => !s.id.startsWith("_"))
      .flatMap((s: any) => s.task_records.flatMap((t: any) => t.artifacts.map((n: string) => `${t.pathspec}/${n}`)))
    expect(sorted(out.artifacts.map((a: any) => a.pathspec))).toEqual(sorted(expected))
  })

  const isError = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && "$error" in v
  const zoo = oracleTasks("ArtifactZooFlow").find((t) => Object.keys(t.artifact_records).includes("int_2_2100"))
  const names = Object.keys(zoo.artifact_records).filter((n) => !n.startsWith("_") && !n.startsWith("many_") &&
    !isError(zoo.artifact_records[n].value))
  // a sample across the value kinds (one subprocess each)
  const sample = [...names.sort().filter((_, i) => i % 4 === 0), "int_2_2100", "large_bytes", "dict_non_str_keys", "cyclic_dict"]
    .filter((n, i, all) => names.includes(n) && all.indexOf(n) === i)
  it.each(sample)("prints artifact %s as tagged JSON", async (name) => {
    const o = zoo.artifact_records[name]
    const out = await json(["get", `${zoo.pathspec}/${name}`, "--all"])
    expect(out.value).toEqual(o.value)
    expect(out.python_type).toBe(o.type)
    expect(out.size).toBe(o.size)
  })

  it("prints the bare value as text, and --raw bytes whose sha1 is the CAS key", async () => {
    const o = zoo.artifact_records["dict_str_keys"]
    const text = await onCorpus(["get", `${zoo.pathspec}/dict_str_keys`, "--all"])
    expect(text.code).toBe(0)
    expect(JSON.parse(text.stdout)).toEqual(o.value)
    for (const name of ["dict_str_keys", "bytes_medium", "int_2_2100"]) {
      const raw = await onCorpus(["get", `${zoo.pathspec}/${name}`, "--all", "--raw"])
      expect(raw.code).toBe(0)
      expect(createHash("sha1").update(raw.bytes).digest("hex")).toBe(zoo.artifact_records[name].sha)
    }
  })
})

describe("mfc get --output", () => {
  const big = oracleTasks("ArtifactZooFlow").find((t) => Object.keys(t.artifact_records).includes("large_bytes"))
  const sha1 = (b: Uint8Array) => createHash("sha1").update(b).digest("hex")

  it("streams the serialized bytes to a file: those of --raw, whose sha1 is the CAS key", async () => {
    const dir = scratch()
    for (const name of ["large_bytes", "dict_str_keys", "bytes_empty"]) {
      const pathspec = `${big.pathspec}/${name}`
      const file = path.join(dir, `${name}.pickle`)
      const r = await onCorpus(["get", pathspec, "--all", "--output", file])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toBe("")
      const written = fs.readFileSync(file)
      expect(r.stderr).toContain(`wrote ${written.length} bytes`)
      expect(sha1(written)).toBe(big.artifact_records[name].sha)
      const raw = await onCorpus(["get", pathspec, "--all", "--raw"])
      expect(raw.code).toBe(0)
      expect(sha1(written)).toBe(sha1(raw.bytes))
    }
    expect(fs.readdirSync(dir).sort()).toEqual(["bytes_empty.pickle", "dict_str_keys.pickle", "large_bytes.pickle"])
    const short = await onCorpus(["get", `${big.pathspec}/large_bytes`, "--all", "-o", path.join(dir, "short.pickle")])
    expect(short.code, short.stderr).toBe(0)
    expect(fs.readFileSync(path.join(dir, "short.pickle")).length).toBe(big.artifact_records.large_bytes.size)
  })

  it("leaves no file behind when the blob is corrupt, and refuses --raw/--json with it", async () => {
    const dir = scratch()
    fs.cpSync(path.join(corpus, ".metaflow", "ArtifactZooFlow"), path.join(dir, ".metaflow", "ArtifactZooFlow"), { recursive: true })
    const sha = big.artifact_records.large_bytes.sha as string
    const blob = path.join(dir, ".metaflow", "ArtifactZooFlow", "data", sha.slice(0, 2), sha)
    fs.chmodSync(blob, 0o644)
    const packed = fs.readFileSync(blob)
    packed[packed.length - 7] ^= 0x40 // the CRC in the trailer: found only once every byte was written
    fs.writeFileSync(blob, packed)
    const out = path.join(dir, "out")
    fs.mkdirSync(out)
    const r = await mfc(["get", `${big.pathspec}/large_bytes`, "--all", "--root", dir, "--output", path.join(out, "x.pickle")])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("gzip checksum mismatch")
    expect(fs.readdirSync(out)).toEqual([])
    const both = await onCorpus(["get", `${big.pathspec}/large_bytes`, "--all", "--raw", "-o", path.join(out, "y")])
    expect(both.code).not.toBe(0)
    expect(both.stderr).toContain("--output excludes --raw and --json")
  })
})

describe.concurrent("mfc logs", () => {
  const logTasks = oracleTasks("LogsFlow").filter((t) => !t.pathspec.includes("/_parameters/"))
  it.each(logTasks.map((t) => [t.pathspec, t] as const))("prints the logs of %s", async (pathspec, o) => {
    const out = await onCorpus(["logs", pathspec, "--all"])
    expect(out.code).toBe(0)
    if (typeof o.stdout !== "string") {
      // Python fails on invalid UTF-8 (UnicodeDecodeError); mfc prints U+FFFD instead
      expect(out.stdout).toContain("\uFFFD")
      return
    }
    expect(out.stdout).toBe(o.stdout)
    const err = await onCorpus(["logs", pathspec, "--all", "--stderr"])
    expect(err.stdout).toBe(o.stderr)
    const j = await json(["logs", pathspec, "--all"])
    expect(j.attempt).toBe(o.current_attempt)
    expect(j.lines.map((l: any) => [l.timestamp_text, l.message])).toEqual(o.stdout_lines)
  })

  it("--tail N prints the last N lines", async () => {
    const o = oracleTasks("LogsFlow").filter((t) => t.stdout_lines.length > 5)[0]
    const out = await onCorpus(["logs", o.pathspec, "--all", "--tail", "3"])
    expect(out.stdout).toBe(o.stdout_lines.slice(-3).map((l: [string, string]) => l[1] + "\n").join(""))
    const none = await onCorpus(["logs", o.pathspec, "--all", "--tail", "0"])
    expect(none.stdout).toBe("")
  })
})

describe("exit codes and error messages", () => {
  const oneLine = (stderr: string) => {
    const lines = stderr.trimEnd().split("\n")
    expect(lines).toHaveLength(1)
    expect(stderr).not.toMatch(/^\s+at /m)
    return lines[0]!
  }

  it("exits 1 with one line naming the pathspec and the namespace when an object does not exist", async () => {
    for (const [args, pathspec] of [
      [["show", "NoSuchFlow"], "NoSuchFlow"],
      [["show", "HelloLinearFlow/42"], "HelloLinearFlow/42"],
      [["logs", "HelloLinearFlow/42/end/1"], "HelloLinearFlow/42/end/1"],
      [["get", "HelloLinearFlow/1795767052100551/end/4/nope"], "HelloLinearFlow/1795767052100551/end/4/nope"],
      [["runs", "NoSuchFlow"], "NoSuchFlow"]
    ] as const) {
      const r = await onCorpus(args)
      expect(r.code).toBe(1)
      const line = oneLine(r.stderr)
      expect(line).toContain(pathspec)
      expect(line).toContain("user:alice")
      expect(r.stdout).toBe("")
    }
  })

  it("exits 1 for objects outside the namespace, as the oracle's lookups fail", async () => {
    const view = views.find((v) => v.namespace === "user:alice")
    const mismatches = view.lookups.filter((l: any) => l.$error?.type === "MetaflowNamespaceMismatch" && /^Run\('/.test(l.call))
    expect(mismatches.length).toBeGreaterThan(0)
    for (const l of mismatches.slice(0, 3)) {
      const pathspec = /^Run\('([^']+)'\)/.exec(l.call)![1]!
      const r = await onCorpus(["show", pathspec])
      expect(r.code).toBe(1)
      const line = oneLine(r.stderr)
      expect(line).toContain(pathspec)
      expect(line).toContain("user:alice")
      const ok = await onCorpus(["show", pathspec, "--all"])
      expect(ok.code).toBe(0)
    }
  })

  it("exits 2 on usage errors", async () => {
    for (
      const args of [
        ["runs"],
        ["runs", "HelloLinearFlow", "--status", "bogus"],
        ["runs", "HelloLinearFlow", "--limit", "x"],
        ["runs", "HelloLinearFlow", "--since", "yesterday-ish"],
        ["runs", "HelloLinearFlow", "--all", "--namespace", "user:bob"],
        ["show", "a//b"],
        ["logs", "HelloLinearFlow/1795767052100551"],
        ["logs", "HelloLinearFlow/1795767052100551/end/4", "--attempt", "9"],
        ["get", "HelloLinearFlow/1795767052100551/end/4"],
        ["nosuchcommand"],
        ["--metadata", "bogus", "flows"],
        ["flows", "--metadata", "bogus"]
      ]
    ) {
      const r = await onCorpus(args)
      expect(r.code, args.join(" ")).toBe(2)
      expect(r.stderr).not.toMatch(/^\s+at /m)
    }
  })

  it("exits 1 with one line when no root is found", async () => {
    const r = await mfc(["flows", "--root", path.join(scratch(), "nothing-here")])
    expect(r.code).toBe(1)
    expect(oneLine(r.stderr)).toContain("nothing-here")
  })

  it("finds the root from METAFLOW_DATASTORE_SYSROOT_LOCAL and by walking up from the working directory", async () => {
    const byEnv = await mfc(["flows", "--all", "--json"], { env: { METAFLOW_DATASTORE_SYSROOT_LOCAL: corpus } })
    expect(byEnv.code).toBe(0)
    expect(JSON.parse(byEnv.stdout).flows).toHaveLength(flowNames.length)
    const below = path.join(corpus, ".metaflow", "HelloLinearFlow")
    const walk = await mfc(["flows", "--all", "--json"], { cwd: below })
    expect(walk.code).toBe(0)
    expect(JSON.parse(walk.stdout).flows).toHaveLength(flowNames.length)
  })

  it("falls back to the bundled example when no .metaflow is found", async () => {
    const r = await mfc(["runs", "HelloFlow", "--json"], { cwd: scratch() })
    expect(r.code).toBe(0)
    expect(r.stderr).toContain("example")
    expect(JSON.parse(r.stdout).runs.length).toBeGreaterThan(0)
  })

  it("explains that the metadata service needs a URL", async () => {
    const r = await onCorpus(["flows", "--metadata", "service"])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toContain("METAFLOW_SERVICE_URL")
  })
})

describe("mfc tag", () => {
  const copyFlow = (flow: string) => {
    const dir = scratch()
    fs.cpSync(path.join(corpus, ".metaflow", flow), path.join(dir, ".metaflow", flow), { recursive: true })
    const chmod = (p: string) => {
      fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644)
      if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chmod(path.join(p, e))
    }
    chmod(path.join(dir, ".metaflow"))
    return dir
  }

  it("adds, removes and replaces user tags of a run", async () => {
    const root = copyFlow("HelloLinearFlow")
    const run = oracle.flow("HelloLinearFlow").run_records[0]
    const at = (args: ReadonlyArray<string>) => mfc([...args, "--root", root, "--all"])
    const added = await at(["tag", "add", run.pathspec, "red", "blue", "--json"])
    expect(added.code, added.stderr).toBe(0)
    expect(JSON.parse(added.stdout).user_tags).toEqual(sorted([...run.user_tags, "red", "blue"]))
    const listed = JSON.parse((await at(["runs", "HelloLinearFlow", "--tag", "red", "--json"])).stdout)
    expect(listed.runs.map((r: any) => r.pathspec)).toEqual([run.pathspec])
    const removed = await at(["tag", "remove", run.pathspec, "blue", "--json"])
    expect(JSON.parse(removed.stdout).user_tags).toEqual(sorted([...run.user_tags, "red"]))
    const replaced = await at(["tag", "replace", run.pathspec, "--remove", "red", "--add", "green", "--json"])
    expect(JSON.parse(replaced.stdout).user_tags).toEqual(sorted([...run.user_tags, "green"]))
    const text = await at(["tag", "add", run.pathspec, "yellow"])
    expect(text.stdout).toMatch(/^tags:\s+.*green, yellow/m)
    const system = await at(["tag", "remove", run.pathspec, run.system_tags[0]])
    expect(system.code).toBe(1)
    expect(system.stderr.trimEnd().split("\n")).toHaveLength(1)
    const empty = await at(["tag", "replace", run.pathspec])
    expect(empty.code).toBe(2)
  })
})

describe("mfc logs --follow", () => {
  /**
   * A copy of a corpus run whose end task is "still running": its attempt-done records and artifacts
   * are moved aside and its log is a `0.task_stdout.log` that the test appends mflog lines to.
   */
  const growingTask = () => {
    const run = oracle.flow("HelloLinearFlow").run_records[0]
    const end = run.end_task as string
    const [flow, runId, step, taskId] = end.split("/") as [string, string, string, string]
    const root = scratch()
    fs.cpSync(path.join(corpus, ".metaflow", flow), path.join(root, ".metaflow", flow), { recursive: true })
    const chmod = (p: string) => {
      fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644)
      if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chmod(path.join(p, e))
    }
    chmod(path.join(root, ".metaflow"))
    const taskDir = path.join(root, ".metaflow", flow, runId, step, taskId)
    const meta = path.join(taskDir, "_meta")
    const aside = path.join(root, "aside")
    fs.mkdirSync(aside)
    for (const f of fs.readdirSync(meta)) {
      if (/^0_artifact_/.test(f) || /^sysmeta_attempt(-done|_ok)_/.test(f)) fs.renameSync(path.join(meta, f), path.join(aside, f))
    }
    for (const f of ["0.runtime_stdout.log", "0.runtime_stderr.log", "0.DONE.lock", "0.task_end", "0.data.json"]) {
      fs.rmSync(path.join(taskDir, f), { force: true })
    }
    const log = path.join(taskDir, "0.task_stdout.log")
    let n = 0
    const append = (message: string) => {
      const ts = new Date(Date.UTC(2030, 0, 1, 0, 0, n++)).toISOString().replace("Z", "000Z")
      fs.appendFileSync(log, `[MFLOG|0|${ts}|task|00000000-0000-4000-8000-${String(n).padStart(12, "0")}]${message}\n`)
    }
    const finish = () => {
      for (const f of fs.readdirSync(aside)) fs.renameSync(path.join(aside, f), path.join(meta, f))
    }
    return { root, pathspec: end, append, finish }
  }

  const waitFor = async (cond: () => boolean, what: string, ms = 30_000) => {
    const start = Date.now()
    while (!cond()) {
      if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  it("prints the tail, then new lines as the log grows, and stops when the attempt is done", async () => {
    const t = growingTask()
    t.append("line 1")
    t.append("line 2")
    t.append("line 3")
    let seen = ""
    const child = mfc(["logs", t.pathspec, "--root", t.root, "--all", "--follow", "--tail", "2", "--interval", "0.1"], {
      onStdout: (all) => (seen = all)
    })
    let exited = false
    void child.then(() => (exited = true))
    await waitFor(() => seen === "line 2\nline 3\n", "the tail")
    for (const k of [4, 5, 6]) {
      t.append(`line ${k}`)
      await waitFor(() => seen.endsWith(`line ${k}\n`), `line ${k}`)
      expect(exited).toBe(false)
    }
    t.append("last words")
    t.finish()
    const r = await child
    expect(r.code).toBe(0)
    expect(r.stdout).toBe("line 2\nline 3\nline 4\nline 5\nline 6\nlast words\n")
  })

  it("--tail without --follow prints the last lines of a growing log and exits", async () => {
    const t = growingTask()
    for (let i = 1; i <= 5; i++) t.append(`line ${i}`)
    const r = await mfc(["logs", t.pathspec, "--root", t.root, "--all", "--tail", "2"])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe("line 4\nline 5\n")
  })

  it("--follow --json prints one JSON object per line", async () => {
    const t = growingTask()
    t.append("a")
    t.finish()
    const r = await mfc(["logs", t.pathspec, "--root", t.root, "--all", "--follow", "--json", "--interval", "0.1"])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l))
    expect(lines.map((l) => l.message)).toEqual(["a"])
    expect(lines[0].timestamp).toBe("2030-01-01T00:00:00.000Z")
  })
})

describe("mfc over the metadata service (replayed snapshot)", () => {
  const snapshot = path.join(corpus, "..", "service-snapshot")
  const svcOracle = (flow: string) => JSON.parse(fs.readFileSync(path.join(snapshot, "oracle", "flows", `${flow}.json`), "utf8"))
  let server: { url: string; close: () => Promise<void> } | undefined
  beforeAll(async () => {
    const replay = await import("../../provider-service/test/ReplayServer.js")
    server = await replay.startReplayServer([replay.snapshotResponses])
  })
  afterAll(async () => {
    await server?.close()
  })
  const svc = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}) =>
    mfc([...args, "--root", path.join(snapshot, "datastore"), "--all"], { env })

  it("lists runs with --metadata service@URL, and with METAFLOW_DEFAULT_METADATA=service", async () => {
    const o = svcOracle("HelloLinearFlow")
    const r = await svc(["runs", "HelloLinearFlow", "--json", "--metadata", `service@${server!.url}`])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).runs.map((x: any) => x.id)).toEqual(o.runs)
    const byEnv = await svc(["runs", "HelloLinearFlow", "--json"], {
      METAFLOW_DEFAULT_METADATA: "service",
      METAFLOW_SERVICE_URL: server!.url
    })
    expect(byEnv.code, byEnv.stderr).toBe(0)
    expect(JSON.parse(byEnv.stdout).runs.map((x: any) => x.id)).toEqual(o.runs)
  })

  it("reads logs and artifacts through the service's metadata", async () => {
    const run = svcOracle("HelloLinearFlow").run_records[0]
    const end = run.step_records.find((s: any) => s.id === "end").task_records[0]
    const logs = await svc(["logs", end.pathspec, "--metadata", `service@${server!.url}`])
    expect(logs.code, logs.stderr).toBe(0)
    expect(logs.stdout).toBe(end.stdout)
    const name = end.artifacts[0]
    const got = await svc(["get", `${end.pathspec}/${name}`, "--json", "--metadata", `service@${server!.url}`])
    expect(got.code, got.stderr).toBe(0)
    expect(JSON.parse(got.stdout).value).toEqual(end.artifact_records[name].value)
  })
})

describe("mfc with the S3 datastore (moto)", async () => {
  const moto = await import("../../datastore-s3/test/moto.js")
  const s3Oracle = (flow: string) =>
    JSON.parse(fs.readFileSync(path.join(corpus, "..", "oracle", "s3", "flows", `${flow}.json`), "utf8"))
  let server: { endpoint: string; stop: () => Promise<void> } | undefined
  let dsRoot = ""
  beforeAll(async () => {
    if (moto.skipS3()) return
    server = await moto.startMoto()
    dsRoot = (await moto.uploadCorpus(server.endpoint, moto.corpusDir, path.join(moto.corpusDir, "manifest.json"))).ds_root
  })
  afterAll(async () => {
    await server?.stop()
  })
  const s3 = (args: ReadonlyArray<string>) =>
    mfc([...args, "--root", path.join(moto.corpusDir, "metadata"), "--all"], {
      env: {
        METAFLOW_DATASTORE_SYSROOT_S3: dsRoot,
        METAFLOW_S3_ENDPOINT_URL: server!.endpoint,
        AWS_ACCESS_KEY_ID: moto.testCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: moto.testCredentials.secretAccessKey
      }
    })

  it.skipIf(moto.skipS3())("lists runs and reads artifacts and logs from S3", async () => {
    for (const flow of ["S3ForeachFlow", "S3RetryFlow"]) {
      const o = s3Oracle(flow)
      const runs = await s3(["runs", flow, "--json"])
      expect(runs.code, runs.stderr).toBe(0)
      const listed = JSON.parse(runs.stdout).runs
      expect(listed.map((r: any) => r.id)).toEqual(o.runs)
      for (const r of listed) {
        expect(r.status === "completed").toBe(o.run_records.find((x: any) => x.id === r.id).successful)
      }
      const task = o.run_records[0].step_records.flatMap((s: any) => s.task_records)
        .find((t: any) => !t.pathspec.includes("/_parameters/") && t.artifacts.length > 0)
      const name = task.artifacts[0]
      const got = await s3(["get", `${task.pathspec}/${name}`, "--json"])
      expect(got.code, got.stderr).toBe(0)
      expect(JSON.parse(got.stdout).value).toEqual(task.artifact_records[name].value)
      const logs = await s3(["logs", task.pathspec])
      expect(logs.code, logs.stderr).toBe(0)
      expect(logs.stdout).toBe(task.stdout)
    }
  })

  it("says how to configure S3 when the data is there but S3 is not configured", async () => {
    const o = s3Oracle("S3ForeachFlow")
    const end = o.run_records[0].end_task
    const r = await mfc(["show", end, "--root", path.join(moto.corpusDir, "metadata"), "--all"])
    expect(r.code).toBe(1)
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("METAFLOW_DATASTORE_SYSROOT_S3")
  })
})
