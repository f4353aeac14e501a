/**
 * Request spans follow the application's tracer: an installed tracer gets the HTTP client's span of every
 * request (and the service gets its `traceparent`); under Effect's built-in tracer, whose spans go
 * nowhere, no request span is made and no `traceparent` is sent.
 */
import { assert, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { afterAll, beforeAll, describe } from "vitest"
import { type FaultServer, startFaultServer } from "./FaultServer.js"
import { transports, withProvider as withProviderOn } from "./support.js"

let server: FaultServer

const run = {
  flow_id: "F",
  run_number: 1,
  user_name: "alice",
  ts_epoch: 1795765002129,
  tags: [],
  system_tags: ["user:alice"],
  last_heartbeat_ts: 1795765026
}

/** Effect's built-in tracer, and a tracer of the application's own over it that records span names. */
const builtIn = Context.get(DefaultServices.liveServices, Tracer.Tracer)
const recordingTracer = () => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span: (name, ...rest) => {
      names.push(name)
      return builtIn.span(name, ...rest)
    },
    context: builtIn.context
  })
  return { names, tracer }
}

describe.each(transports)("over $name", (transport) => {
  beforeAll(async () => {
    server = await startFaultServer()
    server.script("/flows/F/runs/1", [{ kind: "json", body: run }])
  })
  afterAll(async () => {
    await server.close()
  })
  const ask = () => withProviderOn({ url: server.url }, (md) => md.getRun({ flow: "F", run: "1" }), transport.layer)
  const traceparents = () => server.hits.filter((h) => h.url === "/flows/F/runs/1").map((h) => h.headers["traceparent"])

  it.live("an installed tracer gets a span per request, and the service its traceparent", () =>
    Effect.gen(function*() {
      const { names, tracer } = recordingTracer()
      const before = traceparents().length
      const got = yield* Effect.withTracer(ask(), tracer)
      assert.strictEqual(Option.getOrThrow(got).runId, "1")
      assert.deepStrictEqual(names.filter((n) => n.startsWith("http.client")), ["http.client GET"])
      const sent = traceparents().slice(before)
      assert.strictEqual(sent.length, 1)
      assert.match(String(sent[0]), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    }))

  it.live("under Effect's built-in tracer: no traceparent is sent (the request made no span to send)", () =>
    Effect.gen(function*() {
      const before = traceparents().length
      const got = yield* ask()
      assert.strictEqual(Option.getOrThrow(got).runId, "1")
      assert.deepStrictEqual(traceparents().slice(before), [undefined])
    }))
})
