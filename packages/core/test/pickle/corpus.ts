/** Walks the oracle of the shared corpus and yields every (pickle blob, expected tagged JSON) pair. */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"

export const fixturesRoot = path.resolve(__dirname, "../../../../testdata/fixtures")

export interface Case {
  readonly label: string
  readonly store: "local" | "s3"
  readonly flow: string
  readonly name: string
  readonly type: string
  readonly sha: string
  readonly value: unknown
}

const blobDir = (store: "local" | "s3", flow: string): string =>
  store === "local"
    ? path.join(fixturesRoot, "local/.metaflow", flow, "data")
    : path.join(fixturesRoot, "s3/bucket/metaflow", flow, "data")

/** Gunzipped pickle bytes of a content-addressed blob. */
export const readBlob = (store: "local" | "s3", flow: string, sha: string): Uint8Array => {
  const file = path.join(blobDir(store, flow), sha.slice(0, 2), sha)
  return new Uint8Array(zlib.gunzipSync(fs.readFileSync(file)))
}

/** Every artifact record (tasks, their attempts, `_parameters`) and every `Task.exception` of one store. */
export const collectCases = (store: "local" | "s3"): Array<Case> => {
  const dir = path.join(fixturesRoot, "oracle", store, "flows")
  const out: Array<Case> = []
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const flow = file.replace(/\.json$/, "")
    const root = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"))
    const stack: Array<unknown> = [root]
    while (stack.length > 0) {
      const o = stack.pop()
      if (Array.isArray(o)) stack.push(...o)
      else if (typeof o === "object" && o !== null) {
        const rec = o as Record<string, unknown>
        const arts = rec.artifact_records as Record<string, Record<string, unknown>> | undefined
        if (arts !== undefined) {
          for (const [name, a] of Object.entries(arts)) {
            out.push({
              label: `${String(a.pathspec)}@${String(a.attempt)}`,
              store,
              flow,
              name,
              type: String(a.type),
              sha: String(a.sha),
              value: a.value
            })
          }
          const exc = rec.exception
          const excArt = arts["_exception"]
          if (exc !== null && exc !== undefined && excArt !== undefined) {
            out.push({
              label: `${String(rec.pathspec)} Task.exception`,
              store,
              flow,
              name: "Task.exception",
              type: String(excArt.type),
              sha: String(excArt.sha),
              value: exc
            })
          }
        }
        stack.push(...Object.values(rec))
      }
    }
  }
  return out
}
