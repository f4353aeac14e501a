/** Test helpers: build the bundled CLI when stale, run it as a subprocess, read the oracle. */
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repo = fileURLToPath(new URL("../../../", import.meta.url))
export const cliDir = path.join(repo, "packages/cli")
export const bundle = path.join(cliDir, "dist/mfc.js")
export const corpus = path.join(repo, "testdata/fixtures/local")
export const oracleDir = path.join(repo, "testdata/fixtures/oracle/local")

const newestMtime = (dir: string): number => {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p))
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs)
  }
  return newest
}

/** Builds `dist/mfc.js` (esbuild, `packages/cli/build.mjs`) when it is missing or older than any source it bundles. */
export const ensureBuilt = (): void => {
  const sources = Math.max(...["cli", "core", "provider-local", "provider-service", "datastore-s3"].map((p) => {
    const dir = path.join(repo, "packages", p, "src")
    return fs.existsSync(dir) ? newestMtime(dir) : 0
  }))
  const built = fs.existsSync(bundle) ? fs.statSync(bundle).mtimeMs : 0
  if (built > sources) return
  execFileSync(process.execPath, ["build.mjs"], { cwd: cliDir, stdio: "inherit" })
}

/** A scratch directory with no `.metaflow` above it (the CLI's working directory). */
export const scratch = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "mfc-test-"))

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("METAFLOW_") || k.startsWith("MFC_") || k.startsWith("AWS_")) continue
    if (["USER", "USERNAME", "SUDO_USER", "FORCE_COLOR", "NO_COLOR"].includes(k)) continue
    env[k] = v
  }
  return { ...env, USERNAME: "alice", MFC_NO_PROGRESS: "1" }
}

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly bytes: Buffer
}

/** Runs the built CLI; resolves when it exits. `onStdout` sees output as it arrives. */
export const mfc = (
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string; readonly onStdout?: (all: string) => void } = {}
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      cwd: options.cwd ?? os.tmpdir(),
      env: { ...baseEnv(), ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (b: Buffer) => {
      out.push(b)
      options.onStdout?.(Buffer.concat(out).toString("utf8"))
    })
    child.stderr.on("data", (b: Buffer) => err.push(b))
    child.on("error", reject)
    child.on("close", (code) => {
      const bytes = Buffer.concat(out)
      resolve({ code, stdout: bytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), bytes })
    })
  })

/** Runs the CLI against the shared corpus (`--root testdata/fixtures/local`). */
export const onCorpus = (args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv) =>
  mfc([...args, "--root", corpus], env === undefined ? {} : { env })

/** Runs the CLI with `--json` and parses stdout; fails the test on a non-zero exit. */
export const json = async <A = any>(args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv): Promise<A> => {
  const r = await onCorpus([...args, "--json"], env)
  if (r.code !== 0) throw new Error(`mfc ${args.join(" ")} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as A
}

export const readJson = <A = any>(file: string): A => JSON.parse(fs.readFileSync(file, "utf8")) as A

/** The oracle (Python client's answers over the same corpus). */
export const oracle = {
  index: readJson(path.join(oracleDir, "index.json")),
  namespaces: readJson(path.join(oracleDir, "namespaces.json")),
  flow: (name: string) => readJson(path.join(oracleDir, "flows", `${name}.json`))
}

/** Every task record of a flow in the oracle, with its run and step. */
export const oracleTasks = (flow: string): Array<any> => {
  const f = oracle.flow(flow)
  return f.run_records.flatMap((r: any) => r.step_records.flatMap((s: any) => s.task_records))
}
