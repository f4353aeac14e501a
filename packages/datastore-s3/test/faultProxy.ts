/**
 * A loopback HTTP proxy in front of an S3 endpoint that injects faults, per request, before forwarding:
 * 503 SlowDown, 500, 403, connection resets, truncated bodies (full `content-length`, half the bytes,
 * then the socket is destroyed), and stalls (headers and a few bytes, then silence).
 */
import * as http from "node:http"
import type * as net from "node:net"

/** A fault to inject into one request. */
export type Fault = "slowdown" | "500" | "403" | "reset" | "truncate" | "stall" | "delay"

/** A request the proxy saw. */
export interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly fault: Fault | undefined
}

/** A running proxy. */
export interface FaultProxy {
  readonly endpoint: string
  readonly seen: Array<Seen>
  /** Most requests that were open at the same time. */
  readonly maxInFlight: () => number
  /** Forgets the requests seen and the per-path counters, and forwards everything again. */
  readonly reset: () => void
  /** Decides the fault for the `n`-th (0-based) request to `path`; `undefined` forwards it unchanged. */
  plan: (req: { readonly method: string; readonly path: string; readonly n: number }) => Fault | undefined
  readonly close: () => Promise<void>
}

const xmlError = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`

/** Starts the proxy on a free loopback port, forwarding to `target` (e.g. moto's endpoint). */
export const startFaultProxy = async (target: string): Promise<FaultProxy> => {
  const counts = new Map<string, number>()
  const sockets = new Set<net.Socket>()
  const seen: Array<Seen> = []
  let inFlight = 0
  let max = 0
  const proxy: FaultProxy = {
    endpoint: "",
    seen,
    maxInFlight: () => max,
    reset: () => {
      counts.clear()
      seen.length = 0
      max = 0
      proxy.plan = () => undefined
    },
    plan: () => undefined,
    close: () => Promise.resolve()
  }
  const forward = (
    req: http.IncomingMessage,
    onResponse: (upstream: http.IncomingMessage) => void,
    onError: (e: Error) => void
  ) => {
    const up = http.request(`${target}${req.url}`, { method: req.method ?? "GET", headers: req.headers }, onResponse)
    up.on("error", onError)
    req.pipe(up)
  }
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET"
    const path = (req.url ?? "/").split("?")[0]!
    const id = `${method} ${path}`
    const n = counts.get(id) ?? 0
    counts.set(id, n + 1)
    const fault = proxy.plan({ method, path, n })
    seen.push({ method, path, headers: req.headers, fault })
    inFlight++
    max = Math.max(max, inFlight)
    res.on("close", () => inFlight--)
    const fail = (status: number, code: string, message: string) => {
      req.resume()
      const body = method === "HEAD" ? "" : xmlError(code, message)
      res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) })
      res.end(body)
    }
    switch (fault) {
      case "slowdown":
        return fail(503, "SlowDown", "Please reduce your request rate.")
      case "500":
        return fail(500, "InternalError", "We encountered an internal error. Please try again.")
      case "403":
        return fail(403, "AccessDenied", "Access Denied")
      case "reset":
        return req.socket.destroy()
      case "delay":
        return setTimeout(() =>
          forward(req, (up) => {
            res.writeHead(up.statusCode ?? 500, up.headers)
            up.pipe(res)
          }, () => res.socket?.destroy()), 100)
      case "truncate":
      case "stall":
        return forward(req, (up) => {
          const chunks: Array<Buffer> = []
          up.on("data", (c: Buffer) => chunks.push(c))
          up.on("end", () => {
            const body = Buffer.concat(chunks)
            res.writeHead(up.statusCode ?? 500, up.headers)
            res.write(body.subarray(0, fault === "stall" ? Math.min(16, body.length >> 1) : body.length >> 1))
            if (fault === "truncate") setTimeout(() => res.socket?.destroy(), 10)
            // "stall": leave the connection open and silent; closed when the proxy closes
          })
        }, () => res.socket?.destroy())
      default:
        return forward(req, (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers)
          up.pipe(res)
        }, () => res.socket?.destroy())
    }
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as net.AddressInfo).port
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  })
}
