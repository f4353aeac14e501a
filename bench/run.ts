/**
 * `pnpm bench`: our client against the physical floor (bench/floor.ts) and the real Python client
 * (bench/python_client.py) on a scale workload built from a real run (bench/workload.ts).
 *
 *   pnpm bench                          build/reuse bench/.workload, run everything, write results
 *   pnpm bench --workload DIR --json    ours only on DIR (holding .metaflow), JSON scenario → {ms, answer}
 *   options: --reps N (default 10; slow scenarios at most 5) --only a,b --no-python --no-cold --no-service --no-write
 *            --no-stream (skip the 1 GiB streaming scenario, stream_1gib) --stream-mib N (its size, default 1024)
 *   stream_1gib also writes the blob from S3 when moto is installed (pip install "moto[server]"): a loopback
 *   moto server is started for it and stopped after (bench/rss_s3.ts).
 */
import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { bundle } from "./bundle.js"
import { Floor } from "./floor.js"
import * as Ours from "./ours.js"
import { createBucket, motoAvailable, s3Request, startMoto } from "../packages/datastore-s3/test/moto.js"
import { cachedHugeArtifact, type HugeArtifact } from "./huge_artifact.js"
import { cachedWorkload, FULL_SHAPE } from "./workload.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.join(here, "..")

// ---------------------------------------------------------------------------------------------------
// arguments

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(name)
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : undefined
}
const jsonOnly = flag("--json")
const reps = Number(opt("--reps") ?? 10)
/** Repetitions of the scenarios that take seconds (see {@link SLOW}). */
const slowReps = Math.min(reps, 5)
const only = opt("--only")?.split(",")
const log = (...a: Array<unknown>) => {
  if (!jsonOnly) console.error(...a)
}

// ---------------------------------------------------------------------------------------------------
// measuring

export interface Measure {
  readonly ms: ReadonlyArray<number>
  readonly min: number
  readonly median: number
  readonly answer: unknown
  readonly peakRssMb?: number
  /** RSS when the scenario started (the runner process, after earlier scenarios). */
  readonly baseRssMb?: number
  /** HTTP requests of one repetition (service scenarios). */
  readonly requests?: number
}

const summary = (ms: ReadonlyArray<number>, answer: unknown, extra: Partial<Measure> = {}): Measure => {
  const sorted = [...ms].sort((a, b) => a - b)
  const median = sorted.length % 2 === 1
    ? sorted[(sorted.length - 1) / 2]!
    : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2
  return { ms, min: sorted[0]!, median, answer, ...extra }
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x !== null && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x)

/** Equal answers; for the latest run, runs tied on creation time are equally "latest" (Python's pick is directory order). */
const sameAnswer = (scenario: string, a: unknown, b: unknown): boolean => {
  if (canonical(a) === canonical(b)) return true
  if (scenario === "latest_successful_run" && a !== null && b !== null) {
    return (a as { ts: number }).ts === (b as { ts: number }).ts
  }
  return false
}

// ---------------------------------------------------------------------------------------------------
// the scenarios

type Name = keyof typeof Ours.scenarios | "cold_first_answer"

const floorOf = (f: Floor): Partial<Record<Name, () => unknown>> => ({
  runs_all: f.runsAll,
  runs_tag_tenth: f.runsTagTenth,
  runs_ns_alice: f.runsNsAlice,
  latest_successful_run: f.latestSuccessfulRun,
  wide_tasks_list: f.wideTasksList,
  wide_artifact_y: f.wideArtifactY,
  wide_artifact_y_batch: f.wideArtifactY,
  all_runs_successful: f.allRunsSuccessful,
  all_runs_successful_batch: f.allRunsSuccessful,
  big_artifact: f.bigArtifact
})

/** Python's name for each of our scenarios (the port-level variant answers Python's question too). */
const pythonName = (n: string) =>
  n === "wide_artifact_y_batch" ? "wide_artifact_y" : n === "all_runs_successful_batch" ? "all_runs_successful" : n

const LABELS: Record<Name, string> = {
  runs_all: "list 1000 runs, namespace None",
  runs_tag_tenth: "runs with tag `tenth` (100)",
  runs_ns_alice: "runs in namespace user:alice (500)",
  latest_successful_run: "latest successful run",
  wide_tasks_list: "list 5000 tasks of one step",
  wide_artifact_y: "artifact y of 5000 tasks (public API, per task)",
  wide_artifact_y_batch: "artifact y of 5000 tasks (Step.artifactValues)",
  all_runs_successful: "`successful` of 1000 runs (public API, per run)",
  all_runs_successful_batch: "`successful` of 1000 runs (Run.outcomes)",
  big_artifact: "read a 20 MB artifact",
  cold_first_answer: "cold start: fresh process → run list"
}

/**
 * Scenarios that take seconds: at most 5 repetitions (as in the Python driver). The others get more: their
 * min settles only once the JIT has warmed our client's code, a few repetitions in.
 */
const SLOW = new Set(["wide_artifact_y", "wide_artifact_y_batch", "all_runs_successful", "all_runs_successful_batch"])
const repsOf = (n: string) => (SLOW.has(n) ? slowReps : reps)

const selected = (n: string) => only === undefined || only.includes(n)

const hasFlow = (dir: string, flow: string) => fs.existsSync(path.join(dir, ".metaflow", flow))

// ---------------------------------------------------------------------------------------------------
// cold start

/** Our scenarios in the bundled runner's process: local, or through the service at `serviceUrl`. */
const runOurs = (runner: string, dir: string, names: ReadonlyArray<string>, serviceUrl?: string): Record<string, Measure> => {
  const r = spawnSync(process.execPath, [runner, dir, String(reps), String(slowReps), ...(serviceUrl ? ["--service", serviceUrl] : []), ...names], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", jsonOnly ? "ignore" : "inherit"],
    maxBuffer: 64 * 1024 * 1024
  })
  if (r.status !== 0) throw new Error(`our runner failed (status ${r.status})`)
  const raw = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, { ms: Array<number>; answer: unknown; peakRssMb: number; startRssMb: number; requests?: number }>
  const out: Record<string, Measure> = {}
  for (const [k, v] of Object.entries(raw)) {
    out[k] = summary(v.ms, v.answer, { peakRssMb: v.peakRssMb, baseRssMb: v.startRssMb, ...(v.requests !== undefined ? { requests: v.requests } : {}) })
  }
  return out
}

const spawnTimed = (cmd: string, args: ReadonlyArray<string>) => {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { encoding: "utf8" })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`)
  return { ms, answer: JSON.parse(r.stdout.trim().split("\n").at(-1)!) as unknown }
}

const coldRuns = (cmd: string, args: ReadonlyArray<string>): Measure => {
  const ms: Array<number> = []
  let answer: unknown
  for (let i = 0; i < reps; i++) {
    const r = spawnTimed(cmd, args)
    ms.push(r.ms)
    answer = r.answer
  }
  return summary(ms, answer)
}

// ---------------------------------------------------------------------------------------------------

const main = async () => {
  let dir = opt("--workload")
  if (dir === undefined) {
    log("workload: building or reusing bench/.workload ...")
    const w = cachedWorkload(FULL_SHAPE)
    dir = w.dir
    log(w.built ? `workload built in ${(w.ms / 1000).toFixed(1)} s: ${dir}` : `workload cached: ${dir}`)
  }
  dir = path.resolve(dir)
  const names = (Object.keys(Ours.scenarios) as Array<keyof typeof Ours.scenarios>)
    .filter(selected)
    .filter((n) => n !== "big_artifact" || hasFlow(dir!, "ArtifactZooFlow"))

  const ours: Record<string, Measure> = {}
  const floorResults: Record<string, Measure> = {}
  const floor = new Floor(path.join(dir, ".metaflow"))
  const floorFns = floorOf(floor)

  if (!jsonOnly) {
    log("warming the page cache (one untimed floor pass) ...")
    for (const n of names) floorFns[n]?.()
    for (const n of names) {
      const fn = floorFns[n]!
      const ms: Array<number> = []
      let answer: unknown
      for (let i = 0; i < repsOf(n); i++) {
        floor.reset()
        const t0 = performance.now()
        answer = fn()
        ms.push(performance.now() - t0)
      }
      floorResults[n] = summary(ms, answer)
      log(`floor  ${n}: ${floorResults[n].min.toFixed(1)} ms`)
    }
  }

  // ours: a bundled runner in its own process (plain node, as a built program runs; see ours_runner.ts)
  const runner = await bundle("ours_runner.ts")
  Object.assign(ours, runOurs(runner, dir, names))

  if (jsonOnly) {
    const out: Record<string, { ms: number; median_ms: number; answer: unknown }> = {}
    for (const n of names) out[n] = { ms: round(ours[n]!.min), median_ms: round(ours[n]!.median), answer: ours[n]!.answer }
    console.log(JSON.stringify(out, null, 2))
    return
  }

  // python, one process for every scenario
  let python: Record<string, Measure> | undefined
  const pyOk = !flag("--no-python") && spawnSync("python3", ["-c", "import metaflow"]).status === 0
  if (pyOk) {
    log("python client: running (one process, all scenarios) ...")
    const pyNames = [...new Set(names.map(pythonName))]
    const r = spawnSync("python3", [path.join(here, "python_client.py"), dir, String(reps), ...pyNames], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 * 1024 * 1024
    })
    if (r.status !== 0) throw new Error("python client failed")
    const raw = JSON.parse(r.stdout) as Record<string, { ms: Array<number>; answer: unknown; peak_rss_mb: number }>
    python = {}
    for (const [k, v] of Object.entries(raw)) python[k] = summary(v.ms, v.answer, { peakRssMb: v.peak_rss_mb })
  } else {
    log("python client: skipped (python3 -c 'import metaflow' fails or --no-python)")
  }

  // cold start
  if (!flag("--no-cold") && selected("cold_first_answer")) {
    log("cold start: bundling and spawning ...")
    const coldBundle = await bundle("cold_ours.ts")
    ours["cold_first_answer"] = coldRuns(process.execPath, [coldBundle, dir])
    floorResults["cold_first_answer"] = coldRuns(process.execPath, [path.join(here, "cold_floor.mjs"), dir])
    if (pyOk && python !== undefined) python["cold_first_answer"] = coldRuns("python3", [path.join(here, "python_client.py"), dir, "cold"])
  }

  let mismatches = 0

  // memory of the 5,000-task walks in a fresh process (this one holds tsx, the floor and earlier heaps)
  let rss: RssWalk | undefined
  if (selected("wide_tasks_list") && !flag("--no-rss")) {
    log("memory: 5,000-task walks in a fresh process ...")
    const r = spawnSync(process.execPath, [await bundle("rss_walk.ts"), dir], { encoding: "utf8" })
    if (r.status === 0) rss = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as RssWalk
    else console.error("rss walk failed:", r.stderr)
  }

  // memory of streaming a 1 GiB artifact to a file (Artifact.stream), in a fresh process
  let rssStream: RssStream | undefined
  if (selected("stream_1gib") && !flag("--no-rss") && !flag("--no-stream")) {
    const mib = Number(opt("--stream-mib") ?? 1024)
    log(`memory: building or reusing the ${mib} MiB artifact (bench/huge_artifact.ts) ...`)
    const huge = await cachedHugeArtifact(mib * 1024 * 1024)
    log(huge.built ? `built in ${(huge.ms / 1000).toFixed(1)} s: ${huge.dir}` : `cached: ${huge.dir}`)
    log("memory: streaming it to a file in a fresh process ...")
    const bundled = await bundle("rss_stream.ts")
    const r = spawnSync(process.execPath, [bundled, huge.dir, huge.pathspec, huge.sha, String(huge.pickleBytes)], { encoding: "utf8" })
    if (r.status === 0) {
      const m = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Omit<RssStream, "mib" | "blobBytes" | "expectedSha1">
      rssStream = { ...m, mib, blobBytes: huge.blobBytes, expectedSha1: huge.sha }
      if (!m.sizeOk || !m.shaOk) {
        mismatches++
        console.error(`STREAM MISMATCH: wrote ${m.bytes} bytes with sha1 ${m.sha1}, expected ${huge.pickleBytes} bytes with sha1 ${huge.sha}`)
      }
    } else {
      mismatches++
      console.error("rss stream failed:", r.stderr)
    }
    if (rssStream !== undefined) {
      log("memory: the same with V8's young generation kept from growing, then Artifact.writeTo, then `mfc get --output` ...")
      const variant = (mode: string) => {
        const v = spawnSync(process.execPath, [bundled, huge.dir, huge.pathspec, huge.sha, String(huge.pickleBytes), mode], { encoding: "utf8" })
        const m = v.status === 0 ? JSON.parse(v.stdout.trim().split("\n").at(-1)!) as { peakMb: number; ms: number; shaOk: boolean; sizeOk: boolean } : undefined
        if (m === undefined || !m.shaOk || !m.sizeOk) {
          mismatches++
          console.error(`rss stream (${mode}) failed:`, v.stderr)
        }
        return m
      }
      const fixed = variant("young=fixed")
      const writeTo = variant("writeTo")
      const cli = cliStreamPeakMb(await bundle("cli_bin.ts"), huge.dir, huge.pathspec, huge.sha)
      if (cli === undefined) {
        mismatches++
        console.error("rss stream through the CLI failed")
      }
      rssStream = {
        ...rssStream,
        youngFixedPeakMb: fixed?.peakMb ?? null,
        writeToPeakMb: writeTo?.peakMb ?? null,
        writeToMs: writeTo?.ms ?? null,
        cliPeakMb: cli ?? null
      }
      if (motoAvailable()) {
        log("memory: the same blob from S3 (a loopback moto server): S3Datastore, then one bare HttpClient GET ...")
        const s3 = await s3StreamPeaks(huge).catch((e: unknown) => {
          console.error("rss stream from S3: could not set it up:", e)
          return undefined
        })
        if (s3 === undefined) {
          mismatches++
          console.error("rss stream from S3 failed")
        }
        rssStream = { ...rssStream, s3: s3 ?? null }
      } else {
        log("memory: moto not available (pip install \"moto[server]\"): the S3 variant is skipped")
      }
    }
  }

  // service: the same questions through provider-service against bench/service.ts (another process)
  const service: Array<ServiceRow> = []
  if (!flag("--no-service")) {
    log("service: starting the loopback metadata service ...")
    const svc = await startService(dir)
    try {
      await runService(svc, dir)
    } catch (e) {
      console.error("service scenarios failed:", e)
      mismatches++
    } finally {
      svc.stop()
    }
  }
  async function runService(svc: Awaited<ReturnType<typeof startService>>, dir: string) {
    {
      const svcNames = Ours.serviceScenarios.filter(selected)
      const oursSvc = runOurs(await bundle("ours_runner.ts"), dir, [...svcNames], svc.url)
      for (const n of svcNames) {
        const o = oursSvc[n]!
        const requests = o.requests ?? 0
        let p: Measure | undefined
        let pyRequests: number | undefined
        if (pyOk && pythonName(n) !== n) {
          // a batched variant asks Python's question: Python's figures are those of the question
          const same = service.find((r) => r.name === pythonName(n))
          p = same?.python
          pyRequests = same?.pythonRequests
        } else if (pyOk) {
          const pyReps = repsOf(n)
          await svc.reset()
          const r = spawnSync("python3", [path.join(here, "python_client.py"), dir, String(pyReps), n], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "inherit"],
            env: { ...process.env, BENCH_SERVICE_URL: svc.url }
          })
          if (r.status !== 0) throw new Error("python client (service) failed")
          const v = (JSON.parse(r.stdout) as Record<string, { ms: Array<number>; answer: unknown }>)[n]!
          p = summary(v.ms, v.answer)
          // minus the /ping at import; the untimed pass asks as many as each repetition
          pyRequests = Math.round(((await svc.count()) - 1) / (pyReps + 1))
        }
        const match = sameAnswer(n, o.answer, ours[n]?.answer ?? o.answer) && (p === undefined || sameAnswer(n, o.answer, p.answer))
        if (!match) console.error(`ANSWER MISMATCH (service) ${n}: ours=${canonical(o.answer)} local=${canonical(ours[n]?.answer)} python=${canonical(p?.answer)}`)
        service.push({ name: n, ours: o, requests, python: p, pythonRequests: pyRequests, answersMatch: match })
      }
    }
  }

  // answers
  const rows: Array<Row> = []
  for (const n of Object.keys(ours) as Array<Name>) {
    const o = ours[n]!
    const f = floorResults[n]
    const p = python?.[pythonName(n)]
    const floorOk = f === undefined || sameAnswer(n, o.answer, f.answer)
    const pyOkAns = p === undefined || sameAnswer(n, o.answer, p.answer)
    if (!floorOk || !pyOkAns) {
      mismatches++
      console.error(`ANSWER MISMATCH ${n}: ours=${canonical(o.answer)} floor=${canonical(f?.answer)} python=${canonical(p?.answer)}`)
    }
    rows.push({ name: n, ours: o, floor: f, python: p, answersMatch: floorOk && pyOkAns })
  }

  const table = renderTable(rows) +
    (rss === undefined ? "" : `\n\nRSS of a fresh process (bundled client, bench/rss_walk.ts): ${rss.startMb} MB after import and a first query; peak ${rss.peakListMb} MB while listing the 5,000 tasks; peak ${rss.peakArtifactMb} MB while reading artifact y of each (public API). Target < 200 MB.`) +
    (rssStream === undefined ? "" : `\n\n${rssStream.mib === 1024 ? "1 GiB" : `${rssStream.mib} MiB`} artifact streamed to a file: peak RSS ${rssStream.peakMb} MB (target < 100 MB); ${rssStream.startMb} MB before, ${fmt(rssStream.ms)} for ${rssStream.bytes} bytes (gzip blob ${rssStream.blobBytes} bytes), SHA-1 ${rssStream.shaOk && rssStream.sizeOk ? "equal to the CAS key" : "**DIFFERS**"} (fresh process, bench/rss_stream.ts: Artifact.stream into a FileSystem sink).${
      rssStream.youngFixedPeakMb == null ? "" : ` The same program with V8's young generation kept from growing (\`--semi-space-growth-factor=1\`, set at run time, as \`mfc get --output\` does): ${rssStream.youngFixedPeakMb} MB.`
    }${
      rssStream.writeToPeakMb == null ? "" : ` \`Artifact.writeTo\` into a file (buffers reused, gunzip in JavaScript): ${rssStream.writeToPeakMb} MB, ${fmt(rssStream.writeToMs ?? 0)}.`
    }${rssStream.cliPeakMb == null ? "" : ` \`mfc get --output\` (\`Artifact.writeTo\`; fresh process, its own peak RSS, VmHWM): ${rssStream.cliPeakMb} MB.`}${
      rssStream.s3 == null
        ? ""
        : ` From S3 (a loopback moto server; bench/rss_s3.ts, VmHWM): \`S3Datastore\` into \`Cas.unpackInto\` (as \`Artifact.writeTo\`) ${rssStream.s3.datastore.peakMb} MB (${rssStream.s3.datastore.startMb} MB before), ${fmt(rssStream.s3.datastore.ms)}; one bare \`HttpClient\` GET through the same adapter and gunzip ${rssStream.s3.bare.peakMb} MB (${rssStream.s3.bare.startMb} MB before), ${fmt(rssStream.s3.bare.ms)}.`
    }`) +
    (service.length > 0 ? "\n\n" + renderServiceTable(service) : "")
  if (service.some((r) => !r.answersMatch)) mismatches++
  console.log(table)
  if (!flag("--no-write") && opt("--workload") === undefined) {
    const machine = describeMachine()
    const results = {
      date: new Date().toISOString(),
      machine,
      workload: { dir: path.relative(repo, dir), shape: FULL_SHAPE },
      reps,
      rss_fresh_process_mb: rss ?? null,
      rss_stream_1gib: rssStream ?? null,
      scenarios: Object.fromEntries(rows.map((r) => [r.name, {
        label: LABELS[r.name],
        ours: strip(r.ours),
        floor: r.floor && strip(r.floor),
        python: r.python && strip(r.python),
        ours_over_floor: r.floor ? round(r.ours.min / r.floor.min) : null,
        python_over_ours: r.python ? round(r.python.min / r.ours.min) : null,
        answers_match: r.answersMatch
      }])),
      service: Object.fromEntries(service.map((r) => [r.name, {
        label: LABELS[r.name],
        ours: strip(r.ours),
        ours_requests: r.requests,
        python: r.python && strip(r.python),
        python_requests: r.pythonRequests ?? null,
        python_over_ours: r.python ? round(r.python.min / r.ours.min) : null,
        answers_match: r.answersMatch
      }]))
    }
    fs.writeFileSync(path.join(here, "results.json"), JSON.stringify(results, null, 2) + "\n")
    writeResultsMd(table, machine)
    log("wrote bench/results.json and bench/RESULTS.md")
  }
  if (mismatches > 0) process.exitCode = 1
}

interface RssWalk {
  readonly startMb: number
  readonly peakListMb: number
  readonly afterListMb: number
  readonly peakArtifactMb: number
}

/**
 * Prints the process's peak RSS in KB at exit (`maxrss N`): Linux's `VmHWM`, the high-water mark of this
 * process image only. Not `maxRSS` (getrusage): Linux carries it over from the forked parent through exec,
 * so a child of this bench (itself 100–200 MB) reported the bench's size, not its own (session 14 found a
 * `node -e 1` child "peaking" at 155 MB under a 193 MB parent). `maxRSS` only where `/proc` is missing.
 */
const peakRssProbe = `import { readFileSync } from "node:fs"
process.on("exit", () => {
  let kb
  try { kb = Number(/VmHWM:\\s*(\\d+)/.exec(readFileSync("/proc/self/status", "utf8"))[1]) } catch { kb = process.resourceUsage().maxRSS }
  process.stderr.write("maxrss " + kb + "\\n")
})`

/**
 * Peak RSS (MB) of `mfc get --output FILE PATHSPEC` in a fresh process (the CLI bundle), read by
 * {@link peakRssProbe} at exit; undefined when it failed or wrote other bytes than `sha`.
 */
const cliStreamPeakMb = (cli: string, dir: string, pathspec: string, sha: string): number | undefined => {
  const out = path.join(dir, "streamed-by-cli.pickle.tmp")
  const probe = `data:text/javascript,${encodeURIComponent(peakRssProbe)}`
  try {
    const r = spawnSync(process.execPath, ["--import", probe, cli, "get", "--all", "--root", dir, "--output", out, pathspec], { encoding: "utf8" })
    const kb = /maxrss (\d+)/.exec(r.stderr)?.[1]
    if (r.status !== 0 || kb === undefined) return undefined
    const hash = createHash("sha1")
    const fd = fs.openSync(out, "r")
    const buf = Buffer.allocUnsafe(1 << 20)
    for (let n; (n = fs.readSync(fd, buf)) > 0;) hash.update(buf.subarray(0, n))
    fs.closeSync(fd)
    return hash.digest("hex") === sha ? Math.round(Number(kb) / 1024) : undefined
  } finally {
    fs.rmSync(out, { force: true })
  }
}

/**
 * Peak RSS and time of writing the huge artifact's blob from S3 to a file (bench/rss_s3.ts, fresh
 * processes): through `S3Datastore`, and through one bare (unsigned) `HttpClient` GET (the baseline),
 * against a loopback moto server holding the blob (public-read); undefined when either failed or wrote other bytes.
 */
const s3StreamPeaks = async (huge: HugeArtifact): Promise<S3Stream | undefined> => {
  const moto = await startMoto({ fresh: true })
  try {
    const bucket = `mfc-bench-${process.pid}`
    const key = `ArtifactZooFlow/data/${huge.sha.slice(0, 2)}/${huge.sha}`
    await createBucket(moto.endpoint, bucket)
    // readable without signing, for the bare GET
    const put = await s3Request(moto.endpoint, "PUT", bucket, key, {
      headers: { "content-type": "binary/octet-stream", "x-amz-acl": "public-read" },
      body: fs.readFileSync(path.join(huge.dir, ".metaflow", key))
    })
    if (put.status !== 200) throw new Error(`PUT ${key}: ${put.status}`)
    const bundled = await bundle("rss_s3.ts")
    const out = path.join(huge.dir, "streamed-from-s3.pickle.tmp")
    const run = (mode: "s3" | "bare") => {
      const r = spawnSync(process.execPath, [bundled, moto.endpoint, bucket, key, out, huge.sha, String(huge.pickleBytes), mode], { encoding: "utf8" })
      const m = r.status === 0 ? JSON.parse(r.stdout.trim().split("\n").at(-1)!) as S3Run & { sizeOk: boolean; shaOk: boolean } : undefined
      if (m === undefined || !m.sizeOk || !m.shaOk) console.error(`rss stream from S3 (${mode}):`, r.stderr)
      return m?.sizeOk && m.shaOk ? { startMb: m.startMb, peakMb: m.peakMb, ms: m.ms } : undefined
    }
    const datastore = run("s3")
    const bare = run("bare")
    return datastore === undefined || bare === undefined ? undefined : { datastore, bare }
  } finally {
    await moto.stop()
  }
}

interface S3Run {
  readonly startMb: number
  readonly peakMb: number
  readonly ms: number
}

interface S3Stream {
  /** `S3Datastore` → `Datastore.openObject` → `Cas.unpackInto` (what `Artifact.writeTo` does for S3). */
  readonly datastore: S3Run
  /** One bare `HttpClient` GET through the same adapter and gunzip. */
  readonly bare: S3Run
}

interface RssStream {
  /** Payload size in MiB (1024 by default). */
  readonly mib: number
  readonly startMb: number
  readonly peakMb: number
  readonly ms: number
  readonly bytes: number
  readonly blobBytes: number
  readonly sha1: string
  readonly expectedSha1: string
  readonly sizeOk: boolean
  readonly shaOk: boolean
  /** Peak RSS with V8's young generation kept from growing (as `mfc get --output` sets it). */
  readonly youngFixedPeakMb?: number | null
  /** Peak RSS and time of `Artifact.writeTo` (buffers reused) into a file. */
  readonly writeToPeakMb?: number | null
  readonly writeToMs?: number | null
  /** Peak RSS of `mfc get --output`. */
  readonly cliPeakMb?: number | null
  /** The blob written from S3 (loopback moto), when moto is available. */
  readonly s3?: S3Stream | null
}

interface ServiceRow {
  readonly name: Name
  readonly ours: Measure
  readonly requests: number
  readonly python: Measure | undefined
  readonly pythonRequests: number | undefined
  readonly answersMatch: boolean
}

const startService = (dir: string): Promise<{ url: string; stop: () => void; reset: () => Promise<void>; count: () => Promise<number> }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "service.ts"), dir], {
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(here, "tsconfig.json") },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.on("error", reject)
    child.stdout.once("data", (d: Buffer) => {
      const { port } = JSON.parse(d.toString().trim().split("\n")[0]!) as { port: number }
      const url = `http://127.0.0.1:${port}`
      resolve({
        url,
        stop: () => child.kill(),
        reset: async () => {
          await getText(`${url}/__reset`)
        },
        count: async () => (JSON.parse(await getText(`${url}/__count`)) as { requests: number }).requests
      })
    })
  })

/** A GET on a fresh connection (no keep-alive socket that the server may have closed meanwhile). */
const getText = (url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (body += c))
      res.on("end", () => resolve(body))
    }).on("error", reject)
  })

const renderServiceTable = (rows: ReadonlyArray<ServiceRow>): string => {
  const head = "| question, through the metadata service | ours min / median | requests | Python min / median | Python requests | Python ÷ ours | answers |"
  const sep = "|---|---|---|---|---|---|---|"
  return [head, sep, ...rows.map((r) =>
    `| ${LABELS[r.name]} | ${fmt(r.ours.min)} / ${fmt(r.ours.median)} | ${r.requests} | ${r.python ? `${fmt(r.python.min)} / ${fmt(r.python.median)}` : "—"} | ${r.pythonRequests ?? "—"} | ${ratio(r.python?.min, r.ours.min)} | ${r.answersMatch ? "equal" : "**DIFFER**"} |`)].join("\n")
}

interface Row {
  readonly name: Name
  readonly ours: Measure
  readonly floor: Measure | undefined
  readonly python: Measure | undefined
  readonly answersMatch: boolean
}

const round = (x: number) => Math.round(x * 100) / 100
const strip = (m: Measure) => ({
  min_ms: round(m.min),
  median_ms: round(m.median),
  runs_ms: m.ms.map(round),
  answer: m.answer,
  ...(m.peakRssMb !== undefined ? { peak_rss_mb: Math.round(m.peakRssMb) } : {}),
  ...(m.baseRssMb !== undefined ? { start_rss_mb: Math.round(m.baseRssMb) } : {})
})

const fmt = (ms: number | undefined) =>
  ms === undefined ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? "—" : `${(a / b).toFixed(a / b < 10 ? 2 : 0)}×`)

const renderTable = (rows: ReadonlyArray<Row>): string => {
  // Python ÷ floor: the most any client doing the floor's reads could be faster than Python
  const head = "| question | ours min / median | floor min | Python min / median | ours ÷ floor | Python ÷ ours | Python ÷ floor | answers |"
  const sep = "|---|---|---|---|---|---|---|---|"
  const lines = rows.map((r) =>
    `| ${LABELS[r.name]} | ${fmt(r.ours.min)} / ${fmt(r.ours.median)} | ${fmt(r.floor?.min)} | ${r.python ? `${fmt(r.python.min)} / ${fmt(r.python.median)}` : "—"} | ${ratio(r.ours.min, r.floor?.min)} | ${ratio(r.python?.min, r.ours.min)} | ${ratio(r.python?.min, r.floor?.min)} | ${r.answersMatch ? "equal" : "**DIFFER**"} |`)
  const wide = rows.find((r) => r.name === "wide_tasks_list" || r.name === "wide_artifact_y")
  const rss = rows.filter((r) => r.name.startsWith("wide_") && r.ours.peakRssMb !== undefined)
    .map((r) => `${r.name} ${Math.round(r.ours.peakRssMb!)} MB (${Math.round(r.ours.baseRssMb ?? 0)} MB at start)${r.python?.peakRssMb ? ` (Python process peak ${Math.round(r.python.peakRssMb)} MB)` : ""}`)
  // the runner carries the heap of every scenario before (and of the untimed passes): the memory target
  // is judged on a fresh process (rss_walk.ts, the next line of the report)
  return [head, sep, ...lines, "", wide ? `Peak RSS of our runner process during the 5,000-task walks (all scenarios in one process, so each starts with the heap the earlier ones left): ${rss.join("; ")}.` : ""].join("\n")
}

const describeMachine = () => {
  const py = spawnSync("python3", ["-c", "import sys, metaflow; print(sys.version.split()[0], metaflow.__version__)"], { encoding: "utf8" })
  const git = spawnSync("git", ["-C", repo, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim()
  const dirty = spawnSync("git", ["-C", repo, "status", "--porcelain", "--", "packages/core/src", "packages/provider-local/src", "packages/provider-service/src"], { encoding: "utf8" }).stdout.trim().length > 0
  return {
    commit: `${git}${dirty ? " + uncommitted changes in packages/*/src" : ""}`,
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memory_gb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: py.status === 0 ? py.stdout.trim().split(" ")[0] : "unavailable",
    metaflow: py.status === 0 ? py.stdout.trim().split(" ")[1] : "unavailable"
  }
}

/** Heading of RESULTS.md's hand-written section, which a new run keeps. */
const BEFORE_AND_AFTER = "## Before and after"

const writeResultsMd = (table: string, m: ReturnType<typeof describeMachine>) => {
  const md = `# Bench results (last \`pnpm bench\`)

Written by \`pnpm bench\` (bench/run.ts) on ${new Date().toISOString()}.

Code: ${m.commit}. Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(", ")} (other work was running on this machine).

Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memory_gb} GB memory, ${m.os}; Node ${m.node}; Python ${m.python} with metaflow ${m.metaflow}.

Workload: bench/workload.ts from the real run in bench/template/.metaflow — ScaleFlow (1,000 runs, alice/bob,
even/odd/tenth tags), WideFlow (one foreach step \`fan\` with 5,000 tasks), ArtifactZooFlow (20 MB artifact).
Page cache warm (one untimed floor pass first); every reader runs each scenario once untimed before its repetitions.
Each figure: min / median of ${reps} repetitions (slow scenarios: ${slowReps}).
Each reader runs all its scenarios in one process of its own: ours = esbuild bundle of bench/ours_runner.ts on plain
node (one runtime reused), Python = bench/python_client.py, floor = bench/floor.ts in the driver (blob memo reset per
repetition). Service: bench/service.ts in another process, memoised answers (warmed by the untimed passes).
Cold start: wall time of a fresh process (ours: esbuild bundle of bench/cold_ours.ts; floor: bench/cold_floor.mjs;
Python: \`python_client.py DIR cold\`).

${table}

See bench/NOTES.md for the profile findings and what is missing.
`
  // the hand-written comparison with earlier code ("## Before and after ...") is kept across runs
  const file = path.join(here, "RESULTS.md")
  const previous = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""
  const handWritten = previous.indexOf(BEFORE_AND_AFTER)
  fs.writeFileSync(file, handWritten < 0 ? md : `${md}\n${previous.slice(handWritten)}`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
