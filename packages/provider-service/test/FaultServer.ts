/**
 * A loopback HTTP server that misbehaves on cue: per path, a script of behaviours served in order (the
 * last one repeating): slow answers, error statuses, truncated bodies, connection resets.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** What to do with one request. */
export type Behaviour =
  | { readonly kind: "json"; readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly kind: "text"; readonly status: number; readonly body: string }
  /** Answer only after `ms` (or never, when omitted): beyond the client's timeout. */
  | { readonly kind: "slow"; readonly ms?: number; readonly body?: unknown }
  /** Headers with a Content-Length larger than the body, half the body, then the socket is destroyed. */
  | { readonly kind: "truncate"; readonly body: unknown }
  /** Headers and half the body, then nothing more (the socket stays open): a body that never completes. */
  | { readonly kind: "stall"; readonly body: unknown }
  /** The connection is reset before any answer. */
  | { readonly kind: "reset" }

/** One request as seen by the server. */
export interface Hit {
  readonly method: string
  readonly url: string
  readonly body: string
  readonly headers: Http.IncomingHttpHeaders
  readonly at: number
}

/** A running fault server. */
export interface FaultServer {
  readonly url: string
  readonly hits: Array<Hit>
  /** Paths of never-answered requests whose connection the client closed. */
  readonly abandoned: Array<string>
  /** Sets the script of a path (`/flows/F/runs/1`, query excluded). */
  readonly script: (path: string, behaviours: ReadonlyArray<Behaviour>) => void
  readonly close: () => Promise<void>
}

const json = (res: Http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const buf = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": buf.length, ...headers })
  res.end(buf)
}

/** Starts a fault server on 127.0.0.1, port 0. Unscripted paths answer 599 (a test must not hit them). */
export const startFaultServer = async (): Promise<FaultServer> => {
  const scripts = new Map<string, { list: ReadonlyArray<Behaviour>; n: number }>()
  const hits: Array<Hit> = []
  const abandoned: Array<string> = []
  const timers = new Set<NodeJS.Timeout>()
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fault")
      hits.push({ method: req.method ?? "GET", url: req.url ?? "/", body: Buffer.concat(chunks).toString("utf8"), headers: req.headers, at: Date.now() })
      const script = scripts.get(url.pathname)
      if (script === undefined) return json(res, 599, `unscripted ${req.url}`)
      const b = script.list[Math.min(script.n++, script.list.length - 1)]!
      switch (b.kind) {
        case "json":
          return json(res, b.status ?? 200, b.body, b.headers)
        case "text": {
          res.writeHead(b.status, { "Content-Type": "text/plain; charset=utf-8" })
          return res.end(b.body)
        }
        case "slow": {
          if (b.ms === undefined) {
            // never answers; the socket closes when the client gives up
            res.on("close", () => abandoned.push(url.pathname))
            return
          }
          const t = setTimeout(() => {
            timers.delete(t)
            if (!res.destroyed) json(res, 200, b.body ?? {})
          }, b.ms)
          timers.add(t)
          return
        }
        case "truncate": {
          const buf = Buffer.from(JSON.stringify(b.body))
          res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": buf.length })
          res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => setTimeout(() => req.socket.destroy(), 5))
          return
        }
        case "stall": {
          const buf = Buffer.from(JSON.stringify(b.body))
          res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": buf.length })
          res.write(buf.subarray(0, Math.floor(buf.length / 2)))
          return
        }
        case "reset":
          return req.socket.resetAndDestroy()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    abandoned,
    script: (path, list) => {
      scripts.set(path, { list, n: 0 })
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t)
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
