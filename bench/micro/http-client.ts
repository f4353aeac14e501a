/**
 * Cost of one HTTP GET against the loopback bench service (bench/service.ts, started by bench/micro.ts), 16
 * at a time, best of 6 rounds, in µs per request: `node:http` with keep-alive, `fetch`, and Effect's
 * `HttpClient` over undici with spans, without trace propagation, without spans, and as the service provider
 * sends it under Effect's built-in tracer (no span, a scope per request for its timeout); undici without
 * Effect. The floor under every request the service provider sends.
 *
 *   node http-client.mjs SERVICE_URL
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import Undici from "@effect/platform-node/Undici"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as http from "node:http"

const base = process.argv[2]!
const url = `${base}/flows/ScaleFlow/runs/1795000000000499/steps/end`
const N = 4000
const CONCURRENCY = 16

const sixteenAtATime = async (one: () => Promise<unknown>) => {
  let i = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (i++ < N) await one()
  }))
}
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
const undiciAgent = new Undici.Agent()
const runtime = ManagedRuntime.make(NodeHttpClient.layerUndici)
const nodeRuntime = ManagedRuntime.make(NodeHttpClient.layerWithoutAgent.pipe(Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true }))))
const fetchRuntime = ManagedRuntime.make(FetchHttpClient.layer)
const viaEffect = (variant: (c: HttpClient.HttpClient) => HttpClient.HttpClient, rt: ManagedRuntime.ManagedRuntime<HttpClient.HttpClient, never> = runtime) => () =>
  rt.runPromise(Effect.gen(function*() {
    const client = variant(yield* HttpClient.HttpClient)
    yield* Effect.forEach(Array.from({ length: N }), () => Effect.flatMap(client.get(url), (r) => r.text), {
      concurrency: CONCURRENCY,
      discard: true
    })
  }).pipe(Effect.scoped))

const clients: Record<string, () => Promise<unknown>> = {
  "node:http (keep-alive)": () =>
    sixteenAtATime(() =>
      new Promise<void>((resolve, reject) =>
        http.get(url, { agent: httpAgent }, (r) => {
          r.resume()
          r.on("end", resolve)
        }).on("error", reject)
      )),
  "undici (Agent.request)": () =>
    sixteenAtATime(async () => {
      await (await undiciAgent.request({ origin: new URL(url).origin, path: new URL(url).pathname, method: "GET" })).body.text()
    }),
  "fetch": () =>
    sixteenAtATime(async () => {
      await (await fetch(url)).text()
    }),
  "Effect HttpClient (undici)": viaEffect((c) => c),
  "  without trace propagation": viaEffect((c) => HttpClient.withTracerPropagation(c, false)),
  "  without spans": viaEffect((c) => HttpClient.withTracerDisabledWhen(c, () => true)),
  // as the service provider sends under Effect's built-in tracer: no span, the request's AbortController
  // in a scope of its own (its timeout), which a complete answer leaves open
  "  scoped, without spans": () =>
    runtime.runPromise(Effect.gen(function*() {
      const client = HttpClient.withTracerDisabledWhen(HttpClient.withScope(yield* HttpClient.HttpClient), () => true)
      yield* Effect.forEach(
        Array.from({ length: N }),
        () => Effect.flatMap(Scope.make(), (scope) => Scope.extend(Effect.flatMap(client.get(url), (r) => r.text), scope)),
        { concurrency: CONCURRENCY, discard: true }
      )
    })),
  "Effect HttpClient (node:http, keep-alive)": viaEffect((c) => c, nodeRuntime),
  "Effect HttpClient (fetch)": viaEffect((c) => c, fetchRuntime)
}
const best: Record<string, number> = {}
// rounds interleave the clients, so that a noisy moment does not land on one of them only
for (let round = 0; round < 6; round++) {
  for (const [name, run] of Object.entries(clients)) {
    const t0 = performance.now()
    await run()
    best[name] = Math.min(best[name] ?? Infinity, (performance.now() - t0) / N * 1000)
  }
}
for (const [name, us] of Object.entries(best)) console.log(`${name.padEnd(30)} ${us.toFixed(1).padStart(7)} µs per request`)
await runtime.dispose()
await nodeRuntime.dispose()
await fetchRuntime.dispose()
httpAgent.destroy()
await undiciAgent.close()
