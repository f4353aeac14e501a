/**
 * Cost of one HTTP GET against the loopback bench service (bench/service.ts, started by bench/micro.ts), 16
 * at a time, best of 6 rounds, in µs per request: `node:http` with keep-alive, `fetch`, and Effect's
 * `HttpClient` over undici (as the service provider uses it) with spans, without trace propagation and
 * without spans. The floor under every request the service provider sends.
 *
 *   node http-client.mjs SERVICE_URL
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
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
  "fetch": () =>
    sixteenAtATime(async () => {
      await (await fetch(url)).text()
    }),
  "Effect HttpClient (undici)": viaEffect((c) => c),
  "  without trace propagation": viaEffect((c) => HttpClient.withTracerPropagation(c, false)),
  "  without spans": viaEffect((c) => HttpClient.withTracerDisabledWhen(c, () => true)),
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
