/**
 * Faults injected by a loopback server: slow answers beyond the timeout, 500/503, truncated bodies,
 * connection resets. The provider either retries to the right answer or fails with a typed
 * `BackendError` naming the URL and status — and never hangs (short timeouts and delays here).
 */
import { assert, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { afterAll, beforeAll, describe } from "vitest"
import { Errors } from "@metaflow-client/core"
import { Auth, Observe, type ServiceMetadataProvider } from "@metaflow-client/provider-service"
import { type FaultServer, startFaultServer } from "./FaultServer.js"
import { collect, transports, withProvider as withProviderOn } from "./support.js"

const run = (runNumber: number | string, tags: ReadonlyArray<string> = []) => ({
  flow_id: "F",
  run_number: runNumber,
  user_name: "alice",
  ts_epoch: 1795765002129,
  tags,
  system_tags: ["user:alice"],
  last_heartbeat_ts: 1795765026
})

let server: FaultServer

const fast = (extra: Partial<ServiceMetadataProvider.Options> = {}): ServiceMetadataProvider.Options => ({
  url: server.url,
  timeout: "300 millis",
  retries: 3,
  retryDelay: "2 millis",
  retryMaxDelay: "10 millis",
  tagMutationDelay: "2 millis",
  ...extra
})

const hitsOf = (path: string) => server.hits.filter((h) => h.url.split("?")[0] === path).length

const flip = <A, E>(eff: Effect.Effect<A, E>) => Effect.flip(eff)

describe.each(transports)("over $name", (transport) => {
const withProvider: typeof withProviderOn = (options, f) => withProviderOn(options, f, transport.layer)
beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(async () => {
  await server.close()
})

describe("faults", () => {
  it.live("a slow answer beyond the timeout is retried", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/1", [{ kind: "slow", ms: 2000, body: run(1) }, { kind: "json", body: run(1) }])
      const got = yield* withProvider(fast(), (md) => md.getRun({ flow: "F", run: "1" }))
      assert.strictEqual(Option.getOrThrow(got).runId, "1")
      assert.strictEqual(hitsOf("/flows/F/runs/1"), 2)
    }))

  it.live("500 then 503 then 200 is retried to the answer", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/2", [
        { kind: "json", status: 500, body: { detail: "db down", status: 500 } },
        { kind: "json", status: 503, body: "busy" },
        { kind: "json", body: run(2) }
      ])
      const counter = Observe.requestCounter()
      const got = yield* withProvider(fast({ onRequest: counter.onRequest }), (md) => md.getRun({ flow: "F", run: "2" }))
      assert.strictEqual(Option.getOrThrow(got).runId, "2")
      assert.deepStrictEqual(counter.events().map((e) => [e.status, e.attempt]), [[500, 1], [503, 2], [200, 3]])
    }))

  it.live("a truncated body and a connection reset are retried", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/3", [{ kind: "truncate", body: run(3) }, { kind: "json", body: run(3) }])
      server.script("/flows/F/runs/4", [{ kind: "reset" }, { kind: "reset" }, { kind: "json", body: run(4) }])
      const [a, b] = yield* withProvider(fast(), (md) =>
        Effect.all([md.getRun({ flow: "F", run: "3" }), md.getRun({ flow: "F", run: "4" })]))
      assert.strictEqual(Option.getOrThrow(a).runId, "3")
      assert.strictEqual(Option.getOrThrow(b).runId, "4")
      assert.strictEqual(hitsOf("/flows/F/runs/3"), 2)
      assert.strictEqual(hitsOf("/flows/F/runs/4"), 3)
    }))

  it.live("persistent 500: BackendError with the URL and status after retries+1 attempts", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/5", [{ kind: "json", status: 500, body: { detail: "boom", status: 500 } }])
      const e = yield* flip(withProvider(fast(), (md) => md.getRun({ flow: "F", run: "5" })))
      assert.instanceOf(e, Errors.BackendError)
      assert.strictEqual(e._tag, "BackendError")
      assert.strictEqual(e.target, `${server.url}/flows/F/runs/5`)
      assert.strictEqual(e.status, 500)
      assert.include(e.reason, "boom")
      assert.strictEqual(hitsOf("/flows/F/runs/5"), 4)
    }))

  it.live("a service that never answers: BackendError naming the URL, bounded in time", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/6", [{ kind: "slow" }])
      const started = Date.now()
      const e = yield* flip(withProvider(fast({ retries: 2 }), (md) => md.getRun({ flow: "F", run: "6" })))
      const elapsed = Date.now() - started
      assert.strictEqual(e._tag, "BackendError")
      assert.strictEqual((e as Errors.BackendError).target, `${server.url}/flows/F/runs/6`)
      assert.include((e as Errors.BackendError).reason, "no complete answer within")
      assert.strictEqual(hitsOf("/flows/F/runs/6"), 3)
      assert.isBelow(elapsed, 3 * 300 + 1500, "never hangs")
    }))

  it.live("a body that stops halfway: the timeout ends it, the attempt is retried", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/19", [{ kind: "stall", body: run(19) }, { kind: "json", body: run(19) }])
      server.script("/flows/F/runs/20", [{ kind: "stall", body: run(20) }])
      const counter = Observe.requestCounter()
      const started = Date.now()
      const [got, e] = yield* withProvider(fast({ retries: 1, onRequest: counter.onRequest }), (md) =>
        Effect.all([md.getRun({ flow: "F", run: "19" }), flip(md.getRun({ flow: "F", run: "20" }))], { concurrency: 2 }))
      assert.strictEqual(Option.getOrThrow(got).runId, "19")
      assert.strictEqual(e._tag, "BackendError")
      assert.strictEqual((e as Errors.BackendError).target, `${server.url}/flows/F/runs/20`)
      assert.strictEqual((e as Errors.BackendError).status, 200, "the status had come")
      assert.include((e as Errors.BackendError).reason, "no complete answer within")
      assert.strictEqual(hitsOf("/flows/F/runs/20"), 2)
      assert.isBelow(Date.now() - started, 2 * 300 + 1500, "never hangs")
    }))

  it.live("a retry's deadline starts when it is sent, not before its delay", () =>
    Effect.gen(function*() {
      // attempt 1 times out; attempt 2 is sent 200-300 ms later and answers in 150 ms, within its own 300 ms
      server.script("/flows/F/runs/23", [{ kind: "slow", ms: 2000, body: run(23) }, { kind: "slow", ms: 150, body: run(23) }])
      const got = yield* withProvider(fast({ retries: 1, retryDelay: "250 millis", retryMaxDelay: "250 millis" }), (md) =>
        md.getRun({ flow: "F", run: "23" }))
      assert.strictEqual(Option.getOrThrow(got).runId, "23")
      assert.strictEqual(hitsOf("/flows/F/runs/23"), 2)
    }))

  it.live("an auth step that never answers: the attempt's timeout, nothing sent", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/24", [{ kind: "json", body: run(24) }])
      const started = Date.now()
      const e = yield* flip(withProvider(fast({ retries: 1, auth: Effect.never }), (md) => md.getRun({ flow: "F", run: "24" })))
      assert.strictEqual(e._tag, "BackendError")
      assert.strictEqual((e as Errors.BackendError).target, `${server.url}/flows/F/runs/24`)
      assert.include((e as Errors.BackendError).reason, "no complete answer within")
      assert.strictEqual(hitsOf("/flows/F/runs/24"), 0)
      assert.isBelow(Date.now() - started, 2 * 300 + 1500, "never hangs")
    }))

  it.live("an interrupted caller aborts its request (the connection is closed)", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/21", [{ kind: "slow" }])
      yield* withProvider(fast({ timeout: "60 seconds" }), (md) =>
        Effect.gen(function*() {
          const caller = yield* Effect.fork(md.getRun({ flow: "F", run: "21" }))
          while (hitsOf("/flows/F/runs/21") === 0) yield* Effect.sleep("5 millis")
          yield* Fiber.interrupt(caller)
          // checked while the client lives: closing it would close its connections anyway
          for (let i = 0; i < 200 && !server.abandoned.includes("/flows/F/runs/21"); i++) yield* Effect.sleep("5 millis")
          assert.include(server.abandoned, "/flows/F/runs/21")
        }))
      assert.strictEqual(hitsOf("/flows/F/runs/21"), 1)
    }))

  it.live("persistent resets and truncations: BackendError (with the status when one came)", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/7", [{ kind: "reset" }])
      server.script("/flows/F/runs/8", [{ kind: "truncate", body: run(8) }])
      const [reset, truncated] = yield* withProvider(fast({ retries: 1 }), (md) =>
        Effect.all([flip(md.getRun({ flow: "F", run: "7" })), flip(md.getRun({ flow: "F", run: "8" }))]))
      assert.strictEqual(reset._tag, "BackendError")
      assert.strictEqual((reset as Errors.BackendError).target, `${server.url}/flows/F/runs/7`)
      assert.strictEqual((reset as Errors.BackendError).status, undefined)
      assert.strictEqual(truncated._tag, "BackendError")
      assert.strictEqual((truncated as Errors.BackendError).target, `${server.url}/flows/F/runs/8`)
      assert.strictEqual((truncated as Errors.BackendError).status, 200)
    }))

  it.live("4xx other than 404 fails at once with the service's message", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs", [{ kind: "json", status: 400, body: "Invalid cursor" }])
      const e = yield* flip(withProvider(fast(), (md) => collect(md.listRuns({ flow: "F" }))))
      assert.strictEqual(e._tag, "BackendError")
      assert.strictEqual((e as Errors.BackendError).status, 400)
      assert.include((e as Errors.BackendError).reason, "Invalid cursor")
      assert.strictEqual((e as Errors.BackendError).target, `${server.url}/flows/F/runs?_limit=100`)
      assert.strictEqual(hitsOf("/flows/F/runs"), 1)
    }))

  it.live("a fault on the second page is retried and the cursor followed", () =>
    Effect.gen(function*() {
      const task = (id: number) => ({ ...run(1), step_name: "s", task_id: id })
      server.script("/flows/G/runs/1/steps/s/tasks", [
        { kind: "json", body: [task(1), task(2)], headers: { "X-Limit": "2", "X-Next-Cursor": "abc=" } },
        { kind: "json", status: 503, body: "busy" },
        { kind: "json", body: [task(3)], headers: { "X-Limit": "2" } }
      ])
      const tasks = yield* withProvider(fast({ pageSize: 2 }), (md) => md.listTasks({ flow: "G", run: "1", step: "s" }))
      assert.deepStrictEqual(tasks.map((t) => t.taskId), ["1", "2", "3"])
      const urls = server.hits.filter((h) => h.url.startsWith("/flows/G/")).map((h) => h.url)
      assert.deepStrictEqual(urls, [
        "/flows/G/runs/1/steps/s/tasks?_limit=2",
        "/flows/G/runs/1/steps/s/tasks?_limit=2&_cursor=abc%3D",
        "/flows/G/runs/1/steps/s/tasks?_limit=2&_cursor=abc%3D"
      ])
    }))

  it.live("a wrong-shaped record is a CorruptRecord naming the URL", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/9", [{ kind: "json", body: { flow_id: "F" } }])
      const e = yield* flip(withProvider(fast(), (md) => md.getRun({ flow: "F", run: "9" })))
      assert.strictEqual(e._tag, "CorruptRecord")
      assert.strictEqual((e as Errors.CorruptRecord).path, `${server.url}/flows/F/runs/9`)
    }))

  it.live("401 with a refreshable auth step: the token is acquired again and the request retried", () =>
    Effect.gen(function*() {
      server.script("/flows/F/runs/10", [{ kind: "json", status: 401, body: "expired" }, { kind: "json", body: run(10) }])
      let n = 0
      const auth = yield* Auth.cached(Effect.sync(() => ({ authorization: `Bearer t${++n}` })), Duration.minutes(5))
      const got = yield* withProvider(fast({ auth }), (md) => md.getRun({ flow: "F", run: "10" }))
      assert.strictEqual(Option.getOrThrow(got).runId, "10")
      const sent = server.hits.filter((h) => h.url === "/flows/F/runs/10").map((h) => h.headers["authorization"])
      assert.deepStrictEqual(sent, ["Bearer t1", "Bearer t2"])
    }))
})

describe("tag mutation faults", () => {
  const path = { flow: "T", run: "1" }
  const url = "/flows/T/runs/1/tag/mutate"

  it.live("409 then 200, and 503 then 200, are retried", () =>
    Effect.gen(function*() {
      server.script(url, [
        { kind: "json", status: 409, body: "Conflicting concurrent tag mutation, please retry" },
        { kind: "json", status: 503, body: "busy" },
        { kind: "json", body: { tags: ["a", "b"] } }
      ])
      const tags = yield* withProvider(fast(), (md) => md.mutateRunTags(path, { add: ["b"], remove: ["c"] }))
      assert.deepStrictEqual(tags, ["a", "b"])
      const patches = server.hits.filter((h) => h.url === url)
      assert.strictEqual(patches.length, 3)
      assert.isTrue(patches.every((h) => h.method === "PATCH" && h.headers["content-type"] === "application/json"))
      assert.deepStrictEqual(JSON.parse(patches[0]!.body), { tags_to_add: ["b"], tags_to_remove: ["c"] })
    }))

  it.live("422 fails at once with the service's message as a TaggingError", () =>
    Effect.gen(function*() {
      const before = server.hits.length
      server.script(url, [{ kind: "json", status: 422, body: "Cannot remove tags that are existing system tags {'user:alice'}" }])
      const e = yield* flip(withProvider(fast(), (md) => md.mutateRunTags(path, { add: [], remove: ["user:alice"] })))
      assert.instanceOf(e, Errors.TaggingError)
      assert.strictEqual(e.message, "Cannot remove tags that are existing system tags {'user:alice'}")
      assert.strictEqual(server.hits.length - before, 1)
    }))

  it.live("endless 409s: TaggingError after the configured attempts", () =>
    Effect.gen(function*() {
      server.script("/flows/T/runs/2/tag/mutate", [{ kind: "json", status: 409, body: "Conflicting concurrent tag mutation, please retry" }])
      const e = yield* flip(withProvider(fast({ tagMutationAttempts: 4 }), (md) => md.mutateRunTags({ flow: "T", run: "2" }, { add: ["x"], remove: [] })))
      assert.strictEqual(e._tag, "TaggingError")
      assert.include(e.message, "too many conflicting updates")
      assert.strictEqual(hitsOf("/flows/T/runs/2/tag/mutate"), 4)
    }))

  it.live("endless 503s / resets: BackendError after the configured attempts; 404 is a TaggingError", () =>
    Effect.gen(function*() {
      server.script("/flows/T/runs/3/tag/mutate", [{ kind: "json", status: 503, body: "busy" }, { kind: "reset" }])
      server.script("/flows/T/runs/4/tag/mutate", [{ kind: "json", status: 404, body: {} }])
      const [busy, missing] = yield* withProvider(fast({ tagMutationAttempts: 3 }), (md) =>
        Effect.all([
          flip(md.mutateRunTags({ flow: "T", run: "3" }, { add: ["x"], remove: [] })),
          flip(md.mutateRunTags({ flow: "T", run: "4" }, { add: ["x"], remove: [] }))
        ]))
      assert.strictEqual(busy._tag, "BackendError")
      assert.strictEqual((busy as Errors.BackendError).target, `${server.url}/flows/T/runs/3/tag/mutate`)
      assert.strictEqual(hitsOf("/flows/T/runs/3/tag/mutate"), 3)
      assert.strictEqual(missing._tag, "TaggingError")
      assert.strictEqual(hitsOf("/flows/T/runs/4/tag/mutate"), 1)
    }))
})
})
