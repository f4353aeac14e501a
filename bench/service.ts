/**
 * A loopback stand-in for the Metaflow metadata service, for the bench: answers the read endpoints the
 * clients use (shapes of /work/shared/spec/service-api.md, "legacy" form: no pagination, query parameters
 * ignored, no `X-Limit`) from a workload's local `_meta` files, and counts requests.
 *
 *   node --import tsx bench/service.ts WORKLOAD_DIR      → prints {"port": N} once listening
 *   GET /__count → {"requests": n, "byRoute": {...}};  GET /__reset → zeroes the counters
 *
 * Answers are memoised per path after the first read (a warm database, not a disk walk per request).
 * Ids that are digits are sent as JSON integers (step records carry `run_number` as a string, as the
 * real service does); step/task/artifact tags are the run's current ones.
 */
import { readdirSync, readFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"

const VERSION = "2.5.1"
const ARTIFACT = /^(\d+)_artifact_(.+)\.json$/

type Json = Record<string, unknown>

const readJson = (file: string): Json | undefined => {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Json
  } catch {
    return undefined
  }
}
const list = (dir: string): Array<string> => {
  try {
    return readdirSync(dir).filter((n) => n !== "_meta" && !n.startsWith(".")).sort()
  } catch {
    return []
  }
}
const idOut = (id: unknown): unknown => (typeof id === "string" && /^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id)

export const makeHandler = (metaflowDir: string) => {
  const memo = new Map<string, string | null>()
  const counts = { requests: 0, byRoute: {} as Record<string, number> }

  const self = (...ids: Array<string>) => readJson(join(metaflowDir, ...ids, "_meta", "_self.json"))
  const runTags = (flow: string, run: string) => {
    const r = self(flow, run)
    return r === undefined ? undefined : { tags: r["tags"] ?? [], system_tags: r["system_tags"] ?? [] }
  }
  const flowOut = (o: Json) => ({ flow_id: o["flow_id"], user_name: o["user_name"] ?? null, ts_epoch: o["ts_epoch"], tags: o["tags"] ?? null, system_tags: o["system_tags"] ?? null })
  const runOut = (o: Json) => ({ ...o, run_number: idOut(o["run_number"]), last_heartbeat_ts: o["last_heartbeat_ts"] ?? null })
  const stepOut = (o: Json, t: Json) => ({ ...o, run_number: String(o["run_number"]), ...t })
  const taskOut = (o: Json, t: Json) => ({ ...o, run_number: idOut(o["run_number"]), task_id: idOut(o["task_id"]), last_heartbeat_ts: o["last_heartbeat_ts"] ?? null, ...t })

  /** Artifacts of a task: of its highest attempt (default), or of one attempt. */
  const taskArtifacts = (flow: string, run: string, step: string, task: string, t: Json, attempt?: number) => {
    const metaDir = join(metaflowDir, flow, run, step, task, "_meta")
    let files: Array<string>
    try {
      files = readdirSync(metaDir)
    } catch {
      files = []
    }
    let best = -1
    for (const f of files) {
      const m = ARTIFACT.exec(f)
      if (m !== null) best = Math.max(best, Number(m[1]))
    }
    const chosen = attempt ?? best
    const out: Array<Json> = []
    for (const f of files) {
      const m = ARTIFACT.exec(f)
      if (m === null || Number(m[1]) !== chosen) continue
      const a = readJson(join(metaDir, f))
      if (a !== undefined) out.push({ ...a, run_number: idOut(a["run_number"]), task_id: idOut(a["task_id"]), ...t })
    }
    return out
  }

  const metadataRows = (flow: string, run: string, step: string, task: string) => {
    const metaDir = join(metaflowDir, flow, run, step, task, "_meta")
    let files: Array<string>
    try {
      files = readdirSync(metaDir).filter((f) => f.startsWith("sysmeta_")).sort()
    } catch {
      return []
    }
    const rows = files.flatMap((f, i) => {
      const m = readJson(join(metaDir, f))
      if (m === undefined) return []
      const value = typeof m["value"] === "string" ? m["value"] : JSON.stringify(m["value"])
      return [{ id: i + 1, ...m, value, run_number: idOut(m["run_number"]), task_id: idOut(m["task_id"]), system_tags: null } as Json & { id: number }]
    })
    return rows.sort((a, b) => (b["ts_epoch"] as number) - (a["ts_epoch"] as number) || b.id - a.id)
  }

  /** The JSON answer of a GET path, or null for 404 `{}`. */
  const answer = (seg: Array<string>): unknown => {
    const [f0, flow, r0, run, s0, step, t0, task, ...rest] = seg
    if (f0 !== "flows") return undefined
    if (seg.length === 1) return list(metaflowDir).flatMap((f) => { const o = self(f); return o ? [flowOut(o)] : [] })
    if (seg.length === 2) { const o = self(flow!); return o ? flowOut(o) : null }
    if (r0 !== "runs") return undefined
    if (seg.length === 3) return list(join(metaflowDir, flow!)).flatMap((r) => { const o = self(flow!, r); return o ? [runOut(o)] : [] })
    const t = runTags(flow!, run!)
    if (seg.length === 4) return t === undefined ? null : runOut(self(flow!, run!)!)
    if (t === undefined) return s0 === undefined || seg.length % 2 === 1 ? [] : null
    if (s0 === "artifacts" && seg.length === 5) {
      return list(join(metaflowDir, flow!, run!)).flatMap((s) => list(join(metaflowDir, flow!, run!, s)).flatMap((k) => taskArtifacts(flow!, run!, s, k, t)))
    }
    if (s0 === "metadata" && seg.length === 5) {
      return list(join(metaflowDir, flow!, run!)).flatMap((s) => list(join(metaflowDir, flow!, run!, s)).flatMap((k) => metadataRows(flow!, run!, s, k)))
    }
    if (s0 !== "steps") return undefined
    if (seg.length === 5) return list(join(metaflowDir, flow!, run!)).flatMap((s) => { const o = self(flow!, run!, s); return o ? [stepOut(o, t)] : [] })
    if (seg.length === 6) { const o = self(flow!, run!, step!); return o ? stepOut(o, t) : null }
    if (t0 === "artifacts" && seg.length === 7) return list(join(metaflowDir, flow!, run!, step!)).flatMap((k) => taskArtifacts(flow!, run!, step!, k, t))
    if (t0 !== "tasks") return undefined
    if (seg.length === 7) return list(join(metaflowDir, flow!, run!, step!)).flatMap((k) => { const o = self(flow!, run!, step!, k); return o ? [taskOut(o, t)] : [] })
    const tk = self(flow!, run!, step!, task!)
    if (seg.length === 8) return tk ? taskOut(tk, t) : null
    const [what, a1, a2, a3] = rest
    if (tk === undefined) return what === "artifacts" && a1 !== undefined ? null : []
    if (what === "metadata" && a1 === undefined) return metadataRows(flow!, run!, step!, task!)
    if (what === "artifacts" && a1 === undefined) return taskArtifacts(flow!, run!, step!, task!, t)
    if (what === "attempt" && a2 === "artifacts") return taskArtifacts(flow!, run!, step!, task!, t, Number(a1))
    if (what === "artifacts" && a1 !== undefined) {
      // latest attempt that wrote `name`, else that attempt's
      const all = a2 === "attempt" ? taskArtifacts(flow!, run!, step!, task!, t, Number(a3)) : taskArtifacts(flow!, run!, step!, task!, t)
      return all.find((x) => x["name"] === a1) ?? null
    }
    return undefined
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x")
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, "")
    if (path === "/__count") return send(res, 200, JSON.stringify(counts))
    if (path === "/__reset") {
      counts.requests = 0
      counts.byRoute = {}
      return send(res, 200, "{}")
    }
    counts.requests++
    const seg = path.split("/").filter((s) => s.length > 0)
    const route = seg.map((s, i) => (i % 2 === 1 ? "*" : s)).join("/")
    counts.byRoute[route] = (counts.byRoute[route] ?? 0) + 1
    if (req.method !== "GET") return send(res, 405, "405: Method Not Allowed")
    if (path === "/ping") return send(res, 200, "pong")
    if (path === "/version") return send(res, 200, VERSION)
    let body = memo.get(path)
    if (body === undefined) {
      const a = answer(seg)
      if (a === undefined) return send(res, 404, "404: Not Found")
      body = a === null ? null : JSON.stringify(a)
      memo.set(path, body)
    }
    return body === null ? send(res, 404, "{}") : send(res, 200, body)
  }
  return { handler, counts }
}

const send = (res: http.ServerResponse, status: number, body: string) => {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "METADATA_SERVICE_VERSION": VERSION,
    "Content-Length": Buffer.byteLength(body)
  })
  res.end(body)
}

export const start = (metaflowDir: string, port = 0): Promise<{ server: http.Server; port: number }> => {
  const { handler } = makeHandler(metaflowDir)
  const server = http.createServer({ keepAliveTimeout: 60_000 }, handler)
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port })))
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, "/"))) {
  const dir = process.argv[2]
  if (dir === undefined) throw new Error("usage: service.ts WORKLOAD_DIR")
  const { port } = await start(join(dir, ".metaflow"), Number(process.argv[3] ?? 0))
  console.log(JSON.stringify({ port }))
}
