/**
 * A replay server for recorded metadata-service exchanges: a real HTTP server on 127.0.0.1 (port 0)
 * that answers requests from
 *
 * - `testdata/fixtures/service-snapshot/responses.jsonl` (one line per distinct GET: `method`, `path`,
 *   `query`, `status`, `headers`, `body`, `body_format`), and
 * - `testdata/fixtures/service-transcripts/*.jsonl` (client sessions: `method`, `path`, `query`, `status`,
 *   `request_body`, `response_body`, `response_headers`).
 *
 * Requests are matched on method + URL-decoded path + form-decoded query (keys sorted), and for
 * non-GET requests also the JSON request body. A key recorded several times (a transcript that reads a
 * run before and after a tag change) is answered in recorded order, the last answer repeating. A request
 * that matches nothing is answered `501` and kept in `unknownRequests`: tests assert it stays empty.
 * No answer is invented; one is derived: the task listing of a step recorded as missing (`GET …/steps/S`
 * → 404, e.g. the end step of a failed run) is the recorded listing of the same run's `no_such_step`
 * (`200 []`): the service answers every missing step alike (service-api.md §4.5), and the snapshot records
 * that answer for one missing step per run. Asked for a page (`_limit` alone), it is that empty answer
 * with the page header every recorded empty page carries (`X-Limit`, no cursor: service-api.md §5).
 *
 * `legacy: true` emulates a service older than cursor pagination: it ignores query parameters (except
 * on `filtered_tasks`) and sends no `X-Limit` / `X-Next-Cursor` headers, which is exactly how such a
 * service answers a request carrying `_limit`.
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** Root of the repository's test data. */
export const fixturesDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../../testdata/fixtures")
/** The snapshot's `responses.jsonl`. */
export const snapshotResponses = Path.join(fixturesDir, "service-snapshot", "responses.jsonl")
/** The snapshot's datastore root (what `<DS_ROOT>` stands for). */
export const snapshotDsRoot = Path.join(fixturesDir, "service-snapshot", "datastore", ".metaflow")
/** A transcript file by name (`"tag-mutation"` → `.../service-transcripts/tag-mutation.jsonl`). */
export const transcript = (name: string): string => Path.join(fixturesDir, "service-transcripts", `${name}.jsonl`)

/** A request the server saw. */
export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: unknown
}

/** Options of {@link startReplayServer}. */
export interface ReplayOptions {
  /** Replaces `<DS_ROOT>` in bodies; defaults to the snapshot's datastore for the snapshot file. */
  readonly dsRoot?: string
  /** Emulate a service without cursor pagination (see the module comment). */
  readonly legacy?: boolean
}

/** A running replay server. */
export interface ReplayServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly close: () => Promise<void>
  /** Requests that matched no recording (answered 501). */
  readonly unknownRequests: Array<SeenRequest>
  /** Every request, in arrival order. */
  readonly requests: Array<SeenRequest>
}

interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
}

const sortedJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v)

const keyOf = (method: string, path: string, query: object, body: unknown): string =>
  `${method} ${path} ${sortedJson(query)}${method === "GET" || body === null || body === undefined ? "" : ` ${sortedJson(body)}`}`

/** Transcripts keep text bodies as strings too: `pong`, `2.5.1` and aiohttp's `404: Not Found` are text. */
const transcriptIsText = (path: string, body: unknown): boolean =>
  typeof body === "string" && (path === "/ping" || path === "/version" || /^\d{3}: /.test(body))

const loadAnswers = (files: ReadonlyArray<string>, options: ReplayOptions): Map<string, Array<Answer>> => {
  const answers = new Map<string, Array<Answer>>()
  for (const file of files) {
    const dsRoot = options.dsRoot ?? (Path.resolve(file) === snapshotResponses ? snapshotDsRoot : undefined)
    const dsEscaped = dsRoot === undefined ? undefined : JSON.stringify(dsRoot).slice(1, -1)
    for (const line of Fs.readFileSync(file, "utf8").split("\n")) {
      if (line.trim() === "") continue
      const r = JSON.parse(line) as Record<string, unknown>
      const method = r["method"] as string
      const path = r["path"] as string
      const query = (r["query"] ?? {}) as Record<string, unknown>
      const isSnapshot = "body_format" in r
      const body = isSnapshot ? r["body"] : r["response_body"]
      const headers = ((isSnapshot ? r["headers"] : r["response_headers"]) ?? {}) as Record<string, string>
      const text = isSnapshot ? r["body_format"] === "text" : transcriptIsText(path, body)
      let payload = text ? String(body) : JSON.stringify(body)
      if (dsEscaped !== undefined) payload = payload.split("<DS_ROOT>").join(dsEscaped)
      const key = keyOf(method, path, query, isSnapshot ? undefined : r["request_body"])
      const list = answers.get(key) ?? []
      list.push({ status: r["status"] as number, headers, body: Buffer.from(payload, "utf8") })
      answers.set(key, list)
    }
  }
  return answers
}

const decodePath = (raw: string): string =>
  raw.split("/").map((s) => {
    try {
      return decodeURIComponent(s)
    } catch {
      return s
    }
  }).join("/")

/** The derived answer for the task listing of a step recorded as missing (see the module comment). */
const missingStepTasks = (
  answers: Map<string, Array<Answer>>,
  method: string,
  path: string,
  query: object,
  body: unknown
): Array<Answer> | undefined => {
  const m = /^(\/flows\/[^/]+\/runs\/[^/]+\/steps)\/([^/]+)\/tasks$/.exec(path)
  if (method !== "GET" || m === null || body !== null) return undefined
  const keys = Object.keys(query)
  const limit = (query as Record<string, unknown>)["_limit"]
  const paged = keys.length === 1 && typeof limit === "string" && /^[1-9]\d*$/.test(limit)
  if (keys.length > 0 && !paged) return undefined
  const step = answers.get(keyOf("GET", `${m[1]}/${m[2]}`, {}, null))
  if (step === undefined || step.some((a) => a.status !== 404)) return undefined
  const missing = answers.get(keyOf("GET", `${m[1]}/no_such_step/tasks`, {}, null))
  if (missing === undefined || !paged) return missing
  return missing.map((a) => ({ ...a, headers: { ...a.headers, "X-Limit": String(Math.min(Number(limit), 500)) } }))
}

/**
 * Starts a replay server over recorded files (snapshot `responses.jsonl` and/or transcripts).
 */
export const startReplayServer = async (files: ReadonlyArray<string>, options: ReplayOptions = {}): Promise<ReplayServer> => {
  const answers = loadAnswers(files, options)
  const served = new Map<string, number>()
  const unknownRequests: Array<SeenRequest> = []
  const requests: Array<SeenRequest> = []
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://replay")
      const path = decodePath(url.pathname)
      const query: Record<string, string | Array<string>> = {}
      for (const [k, v] of url.searchParams) {
        const prev = query[k]
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
      }
      const rawBody = Buffer.concat(chunks).toString("utf8")
      let body: unknown = null
      if (rawBody !== "") {
        try {
          body = JSON.parse(rawBody)
        } catch {
          body = rawBody
        }
      }
      const method = req.method ?? "GET"
      const seen: SeenRequest = { method, path, query, headers: req.headers, body }
      requests.push(seen)
      const lookupQuery = options.legacy === true && !path.endsWith("/filtered_tasks") ? {} : query
      const key = keyOf(method, path, lookupQuery, body)
      const list = answers.get(key) ?? missingStepTasks(answers, method, path, lookupQuery, body)
      if (list === undefined) {
        unknownRequests.push(seen)
        const msg = Buffer.from(`replay: no recorded response for ${method} ${req.url}`)
        res.writeHead(501, { "Content-Type": "text/plain", "Content-Length": msg.length })
        res.end(msg)
        return
      }
      const n = served.get(key) ?? 0
      served.set(key, n + 1)
      const answer = list[Math.min(n, list.length - 1)]!
      const headers: Record<string, string | number> = {}
      for (const [k, v] of Object.entries(answer.headers)) {
        if (options.legacy === true && (k.toLowerCase() === "x-limit" || k.toLowerCase() === "x-next-cursor")) continue
        headers[k] = v
      }
      headers["Content-Length"] = answer.body.length
      res.writeHead(answer.status, headers)
      res.end(answer.body)
    })
  })
  server.on("connection", (socket) => socket.setNoDelay(true))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    unknownRequests,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((e) => (e ? reject(e) : resolve()))
      })
  }
}
