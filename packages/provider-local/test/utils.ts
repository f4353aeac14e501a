import { createHash } from "node:crypto"
import { cpSync, chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The directory containing the shared corpus' `.metaflow`. */
export const corpusBase = fileURLToPath(new URL("../../../testdata/fixtures/local", import.meta.url))
export const corpusRoot = join(corpusBase, ".metaflow")
export const oracleDir = fileURLToPath(new URL("../../../testdata/fixtures/oracle/local/flows", import.meta.url))

/** Datastore root recorded in the corpus' metadata (the machine that wrote it). */
export const recordedRoot = "/corpus/.metaflow"

/** A stable hash of a whole tree: relative names, types, symlink targets and file bytes. */
export const hashTree = (dir: string): string => {
  const h = createHash("sha256")
  const walk = (rel: string) => {
    const abs = join(dir, rel)
    const st = lstatSync(abs)
    if (st.isSymbolicLink()) {
      h.update(`L ${rel} ${readlinkSync(abs)}\n`)
    } else if (st.isDirectory()) {
      h.update(`D ${rel}\n`)
      for (const name of readdirSync(abs).sort()) walk(rel === "" ? name : `${rel}/${name}`)
    } else {
      h.update(`F ${rel} ${st.size}\n`)
      h.update(readFileSync(abs))
    }
  }
  walk("")
  return h.digest("hex")
}

/** Makes every entry of a copied tree writable by its owner (the corpus is read-only). */
const makeWritable = (p: string) => {
  const st = lstatSync(p)
  if (st.isSymbolicLink()) return
  chmodSync(p, st.mode | 0o200 | (st.isDirectory() ? 0o700 : 0))
  if (st.isDirectory()) for (const name of readdirSync(p)) makeWritable(join(p, name))
}

/**
 * A fresh writable temp directory `<tmp>/base` holding a copy of the given flows (or runs: `Flow/run`)
 * under `base/.metaflow`. Returns the base directory; remove it with `removeTemp`.
 */
export const tempCopy = (paths: ReadonlyArray<string>): string => {
  const base = mkdtempSync(join(tmpdir(), "mfc-local-"))
  for (const p of paths) {
    cpSync(join(corpusRoot, p), join(base, ".metaflow", p), { recursive: true })
    const flow = p.split("/")[0]!
    // keep the flow record when copying a single run
    cpSync(join(corpusRoot, flow, "_meta"), join(base, ".metaflow", flow, "_meta"), { recursive: true })
  }
  makeWritable(base)
  return base
}

export const removeTemp = (base: string) => rmSync(base, { recursive: true, force: true })

export const mtimeNs = (p: string): bigint => statSync(p, { bigint: true }).mtimeNs

export const readJsonFile = (p: string): any => JSON.parse(readFileSync(p, "utf8"))

export interface OracleArtifact {
  readonly name: string
  readonly sha: string
  readonly attempt: number
}
export interface OracleMetadata {
  readonly name: string
  readonly value: unknown
  readonly created_at: number
  readonly type: string
}
export interface OracleTask {
  readonly pathspec: string
  readonly id: string
  readonly created_at_ms: number
  readonly user_tags: ReadonlyArray<string>
  readonly system_tags: ReadonlyArray<string>
  readonly origin_pathspec: string | null
  readonly metadata: ReadonlyArray<OracleMetadata>
  readonly metadata_dict: Record<string, unknown>
  readonly artifact_records: Record<string, OracleArtifact>
}
export interface OracleStep {
  readonly id: string
  readonly created_at_ms: number
  readonly user_tags: ReadonlyArray<string>
  readonly system_tags: ReadonlyArray<string>
  readonly task_records: ReadonlyArray<OracleTask>
}
export interface OracleRun {
  readonly id: string
  readonly created_at_ms: number
  readonly user_tags: ReadonlyArray<string>
  readonly system_tags: ReadonlyArray<string>
  readonly steps: ReadonlyArray<string>
  readonly step_records: ReadonlyArray<OracleStep>
  readonly parameters_step: OracleStep
}
export interface OracleFlow {
  readonly id: string
  readonly created_at_ms: number
  readonly runs: ReadonlyArray<string>
  readonly run_records: ReadonlyArray<OracleRun>
}

export const oracleFlows = (): ReadonlyArray<OracleFlow> =>
  readdirSync(oracleDir).filter((f) => f.endsWith(".json")).sort().map((f) => readJsonFile(join(oracleDir, f)))

export const sameSet = (a: Iterable<string>, b: Iterable<string>): boolean => {
  const x = new Set(a)
  const y = new Set(b)
  return x.size === y.size && [...x].every((v) => y.has(v))
}
