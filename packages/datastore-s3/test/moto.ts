/**
 * A real S3 server on loopback for tests (and for the conformance runner): moto's standalone server.
 *
 * - `startMoto()` starts `python3 -m moto.server` on a free loopback port and waits until it answers, or
 *   reuses `MFC_S3_ENDPOINT` when set (then `stop` does nothing).
 * - `uploadCorpus(endpoint, dir, manifest)` creates the manifest's bucket and PUTs every object with its
 *   user metadata, signed by this package's own SigV4 code.
 * - `motoAvailable()` tells whether python3 + moto can run here; tests skip only when it is false and
 *   `CI` is not set (in CI a missing moto must fail, not skip).
 */
import { spawn, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { encodeKey } from "../src/internal/location.js"
import { sign } from "../src/internal/sign.js"

/** Credentials moto accepts (it does not check them unless auth is enabled). */
export const testCredentials = { accessKeyId: "testing", secretAccessKey: "testing" } as const

/** One object of `testdata/fixtures/s3/manifest.json`. */
export interface ManifestObject {
  readonly key: string
  /** Path of the object's bytes relative to the fixture directory. */
  readonly file: string
  readonly size: number
  readonly sha256: string
  readonly content_type: string
  readonly metadata: Readonly<Record<string, string>>
}

/** `testdata/fixtures/s3/manifest.json`. */
export interface Manifest {
  readonly bucket: string
  readonly ds_root: string
  readonly object_count: number
  readonly total_bytes: number
  readonly objects: ReadonlyArray<ManifestObject>
}

/** A running (or external) S3 endpoint. */
export interface MotoServer {
  readonly endpoint: string
  readonly stop: () => Promise<void>
}

/** Reads and parses a manifest file. */
export const readManifest = (file: string): Manifest => JSON.parse(readFileSync(file, "utf8")) as Manifest

let available: boolean | undefined
/** Whether `python3 -m moto.server` can run here. */
export const motoAvailable = (): boolean => {
  if (process.env["MFC_S3_ENDPOINT"]) return true
  if (available === undefined) {
    const r = spawnSync("python3", ["-c", "import moto.server, werkzeug"], { stdio: "ignore", timeout: 30_000 })
    available = r.status === 0
  }
  return available
}

/** True when S3 tests must be skipped: no moto and not in CI. Prints why. */
export const skipS3 = (): boolean => {
  if (motoAvailable()) return false
  if (process.env["CI"]) return false // fail loudly in CI
  console.warn("datastore-s3: python3 + moto not available; skipping S3 server tests (pip install \"moto[server]\")")
  return true
}

/** A free TCP port on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })

const ping = (endpoint: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = http.get(`${endpoint}/moto-api/`, (res) => {
      res.resume()
      resolve((res.statusCode ?? 500) < 500)
    })
    req.on("error", () => resolve(false))
    req.setTimeout(1000, () => {
      req.destroy()
      resolve(false)
    })
  })

/**
 * Starts moto on a free loopback port (or returns `MFC_S3_ENDPOINT`). Rejects when it does not answer
 * within `timeoutMs`. `env` adds environment variables (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`).
 */
export const startMoto = async (
  options: { readonly timeoutMs?: number; readonly env?: Readonly<Record<string, string>>; readonly fresh?: boolean } =
    {}
): Promise<MotoServer> => {
  const external = process.env["MFC_S3_ENDPOINT"]
  if (external && !options.fresh) return { endpoint: external.replace(/\/+$/, ""), stop: async () => {} }
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...options.env }
  })
  let stderr = ""
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  let exited = false
  child.on("exit", () => {
    exited = true
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
      setTimeout(() => {
        if (!exited) child.kill("SIGKILL")
      }, 3000).unref()
    })
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  while (Date.now() < deadline) {
    if (exited) throw new Error(`moto exited before it was ready:\n${stderr}`)
    if (await ping(endpoint)) return { endpoint, stop }
    await new Promise((r) => setTimeout(r, 100))
  }
  await stop()
  throw new Error(`moto did not answer on ${endpoint} within ${options.timeoutMs ?? 30_000} ms:\n${stderr}`)
}

/** A signed request to the endpoint (path-style), body from a buffer or an async iterable of chunks. */
export const s3Request = async (
  endpoint: string,
  method: "PUT" | "GET" | "HEAD" | "DELETE",
  bucket: string,
  key: string,
  options: {
    readonly headers?: Readonly<Record<string, string>>
    readonly body?: Uint8Array | AsyncIterable<Uint8Array>
    readonly contentLength?: number
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string }
  } = {}
): Promise<{ readonly status: number; readonly body: Buffer; readonly headers: http.IncomingHttpHeaders }> => {
  const url = `${endpoint}/${bucket}${key === "" ? "" : `/${encodeKey(key)}`}`
  const signed = await Effect.runPromise(
    sign({
      method,
      url,
      headers: options.headers ?? {},
      credentials: options.credentials ?? testCredentials,
      region: "us-east-1"
    })
  )
  const body = options.body
  const length = body instanceof Uint8Array ? body.length : options.contentLength
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      headers: { ...signed, ...(length === undefined ? {} : { "content-length": String(length) }) }
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }))
      res.on("error", reject)
    })
    req.on("error", reject)
    if (body === undefined) req.end()
    else if (body instanceof Uint8Array) req.end(body)
    else {
      ;(async () => {
        for await (const chunk of body) {
          if (!req.write(chunk)) await new Promise((r) => req.once("drain", r))
        }
        req.end()
      })().catch((e) => req.destroy(e as Error))
    }
  })
}

/** Creates a bucket (an existing one is fine). */
export const createBucket = async (endpoint: string, bucket: string): Promise<void> => {
  const res = await s3Request(endpoint, "PUT", bucket, "")
  if (res.status !== 200 && res.status !== 409) {
    throw new Error(`create bucket ${bucket}: ${res.status} ${res.body.toString()}`)
  }
}

/** PUTs one object with user metadata (`x-amz-meta-<name>`). */
export const putObject = async (
  endpoint: string,
  bucket: string,
  key: string,
  body: Uint8Array | AsyncIterable<Uint8Array>,
  options: {
    readonly metadata?: Readonly<Record<string, string>>
    readonly contentType?: string
    readonly contentLength?: number
  } = {}
): Promise<void> => {
  const headers: Record<string, string> = { "content-type": options.contentType ?? "binary/octet-stream" }
  for (const [k, v] of Object.entries(options.metadata ?? {})) headers[`x-amz-meta-${k}`] = v
  const res = await s3Request(endpoint, "PUT", bucket, key, {
    headers,
    body,
    ...(options.contentLength === undefined ? {} : { contentLength: options.contentLength })
  })
  if (res.status !== 200) throw new Error(`PUT s3://${bucket}/${key}: ${res.status} ${res.body.toString()}`)
}

/**
 * Uploads a corpus: creates `manifest.bucket` and PUTs each object from `<dir>/<object.file>` with its
 * content type and user metadata. `manifest` is the parsed manifest or the path of `manifest.json`.
 */
export const uploadCorpus = async (endpoint: string, dir: string, manifest: Manifest | string): Promise<Manifest> => {
  const m = typeof manifest === "string" ? readManifest(manifest) : manifest
  await createBucket(endpoint, m.bucket)
  const queue = [...m.objects]
  const worker = async () => {
    for (let o = queue.shift(); o !== undefined; o = queue.shift()) {
      await putObject(endpoint, m.bucket, o.key, readFileSync(path.join(dir, o.file)), {
        metadata: o.metadata,
        contentType: o.content_type
      })
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  return m
}

/** The shared S3 corpus shipped with the repository. */
export const corpusDir = path.resolve(import.meta.dirname, "../../../testdata/fixtures/s3")
