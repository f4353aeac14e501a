/**
 * Fuzzing every JSON record reader: the `Records` decoders (fed mutated `_self.json`, `sysmeta_*.json` and
 * `*_artifact_*.json` files of the local corpus and mutated metadata-service responses of the service
 * snapshot), the CAS sidecar reader (`Cas.unpack`), and `<attempt>.data.json` (through `Artifact.size`,
 * `Artifact.pythonType` and `Artifact.datastoreInfo` over in-memory backends).
 *
 * Pass condition: no exception and no defect; a record decodes exactly when an independent model of the
 * wire format accepts it, and then to exactly the model's value (no silently wrong field); otherwise the
 * error is a `CorruptRecord` naming the source given to the decoder.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { Cause, Context, Effect, Either, Exit, FastCheck as fc, Option, Stream } from "effect"
import { Artifact, Cas, Datastore, MetadataProvider, Namespace, Records } from "@metaflow-client/core"
import { corpusJson, fixturesRoot, fuzzRuns, fuzzTimeout, SEEDS, turnEventLoop } from "./support.js"

const RUNS = fuzzRuns()

type Kind = "flow" | "run" | "step" | "task" | "metadata" | "artifact"
type Json = null | boolean | number | string | Array<Json> | { [k: string]: Json }

const kindOf = (o: unknown): Kind | undefined => {
  if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined
  const has = (k: string) => Object.prototype.hasOwnProperty.call(o, k)
  if (has("field_name")) return "metadata"
  if (has("sha") && has("location")) return "artifact"
  if (has("task_id")) return "task"
  if (has("step_name")) return "step"
  if (has("run_number")) return "run"
  if (has("flow_id")) return "flow"
  return undefined
}

// ---------------------------------------------------------------------------------------------------------
// seeds: real records, local and service

/** A deterministic sample: at most `n` of each kind. */
const samplePerKind = <A>(xs: ReadonlyArray<A>, json: (a: A) => unknown, n: number): Array<A> => {
  const count = new Map<Kind | undefined, number>()
  return xs.filter((x) => {
    const k = kindOf(json(x))
    const c = count.get(k) ?? 0
    count.set(k, c + 1)
    return k !== undefined && c < n
  })
}
const localRecords = samplePerKind(
  corpusJson((n) => n === "_self.json" || n.startsWith("sysmeta_") || /^\d+_artifact_.+\.json$/.test(n)),
  (r) => r.json,
  40
)
const serviceRecords: ReadonlyArray<unknown> = fs.readFileSync(path.join(fixturesRoot, "service-snapshot", "responses.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .flatMap((l) => {
    const r = JSON.parse(l) as { status: number; body: unknown }
    if (r.status !== 200) return []
    return Array.isArray(r.body) ? r.body.slice(0, 3) : [r.body]
  })
const serviceSample = samplePerKind(serviceRecords, (b) => b, 40)

const seeds: ReadonlyArray<Json> = [...localRecords.map((r) => r.json as Json), ...serviceSample as Array<Json>]

// ---------------------------------------------------------------------------------------------------------
// an independent model of the wire format

type Model = { readonly ok: true; readonly value: unknown } | { readonly ok: false }
const own = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined
const isStr = (v: unknown): v is string => typeof v === "string"
const isNum = (v: unknown): v is number => typeof v === "number"
const isId = (v: unknown): v is string | number => isStr(v) || isNum(v)
const optNullStr = (o: Record<string, unknown>, k: string) => !own(o, k) || o[k] === null || isStr(o[k])
const optTags = (o: Record<string, unknown>, k: string) => !own(o, k) || o[k] === null || (Array.isArray(o[k]) && (o[k] as Array<unknown>).every(isStr))
const tagsOf = (o: Record<string, unknown>) => ({ tags: (o.tags as Array<string> | null | undefined) ?? [], systemTags: (o.system_tags as Array<string> | null | undefined) ?? [] })
const idStr = (v: string | number) => isStr(v) ? v : String(v)

const model = (kind: Kind, input: unknown): Model => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return { ok: false }
  const o = input as Record<string, unknown>
  const user = (o.user_name as string | null | undefined) ?? null
  // metadata records have no user_name / system_tags (they are ignored there)
  const userAndSystem = kind === "metadata" || (optNullStr(o, "user_name") && optTags(o, "system_tags"))
  const base = isStr(o.flow_id) && isNum(o.ts_epoch) && optTags(o, "tags") && userAndSystem
  if (!base) return { ok: false }
  if (kind === "flow") return { ok: true, value: { flowId: o.flow_id, tsEpoch: o.ts_epoch, userName: user, ...tagsOf(o) } }
  if (!isId(o.run_number)) return { ok: false }
  const runId = idStr(o.run_number)
  const heartbeatOk = !own(o, "last_heartbeat_ts") || o.last_heartbeat_ts === null || isNum(o.last_heartbeat_ts)
  if (kind === "run") {
    const statusOk = !own(o, "status") || o.status === "running" || o.status === "completed" || o.status === "failed"
    if (!heartbeatOk || !statusOk) return { ok: false }
    const value = { flowId: o.flow_id, runId, userName: user, tsEpoch: o.ts_epoch, lastHeartbeatTs: o.last_heartbeat_ts ?? null, ...tagsOf(o) }
    return { ok: true, value: own(o, "status") ? { ...value, status: o.status } : value }
  }
  if (!isStr(o.step_name)) return { ok: false }
  if (kind === "step") return { ok: true, value: { flowId: o.flow_id, runId, stepName: o.step_name, userName: user, tsEpoch: o.ts_epoch, ...tagsOf(o) } }
  if (!isId(o.task_id)) return { ok: false }
  const taskId = idStr(o.task_id)
  if (kind === "task") {
    if (!heartbeatOk) return { ok: false }
    return {
      ok: true,
      value: { flowId: o.flow_id, runId, stepName: o.step_name, taskId, userName: user, tsEpoch: o.ts_epoch, lastHeartbeatTs: o.last_heartbeat_ts ?? null, ...tagsOf(o) }
    }
  }
  if (kind === "metadata") {
    if (!isStr(o.field_name) || !optNullStr(o, "type")) return { ok: false }
    return {
      ok: true,
      value: { flowId: o.flow_id, runId, stepName: o.step_name, taskId, fieldName: o.field_name, value: o.value, type: (o.type as string | null | undefined) ?? o.field_name, tags: (o.tags as Array<string> | null | undefined) ?? [], tsEpoch: o.ts_epoch }
    }
  }
  // artifact
  if (!isStr(o.name) || !isStr(o.sha) || !isStr(o.ds_type) || !isStr(o.location)) return { ok: false }
  if (!optNullStr(o, "content_type") || !optNullStr(o, "type")) return { ok: false }
  if (own(o, "attempt_id") && o.attempt_id !== null && !isId(o.attempt_id)) return { ok: false }
  const attempt = o.attempt_id === undefined || o.attempt_id === null ? 0 : Number(o.attempt_id)
  if (!Number.isInteger(attempt) || attempt < 0) return { ok: false }
  return {
    ok: true,
    value: {
      flowId: o.flow_id, runId, stepName: o.step_name, taskId, name: o.name, sha: o.sha, dsType: o.ds_type, location: o.location,
      contentType: (o.content_type as string | null | undefined) ?? "gzip+pickle-v2", attemptId: attempt, tsEpoch: o.ts_epoch, ...tagsOf(o)
    }
  }
}

const decoders: Record<Kind, (input: unknown, path: string) => Either.Either<unknown, { readonly _tag: string; readonly path: string }>> = {
  flow: Records.decodeFlow,
  run: Records.decodeRun,
  step: Records.decodeStep,
  task: Records.decodeTask,
  metadata: Records.decodeMetadata,
  artifact: Records.decodeArtifact
}

// ---------------------------------------------------------------------------------------------------------
// JSON mutations

const clone = (j: Json): Json => JSON.parse(JSON.stringify(j)) as Json

/** Every (container, key) of a JSON value, outermost first. */
const slots = (j: Json): Array<[Array<Json> | { [k: string]: Json }, string | number]> => {
  const out: Array<[Array<Json> | { [k: string]: Json }, string | number]> = []
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); walk(x) })
    else if (typeof v === "object" && v !== null) for (const k of Object.keys(v)) { out.push([v, k]); walk(v[k]!) }
  }
  walk(j)
  return out
}

const specialValue = fc.constantFrom<Json>(
  null, "", "0", "-1", "1.5", " 1 ", "0x10", "1e3", "NaN", 0, -0, -1, 1.5, 1e300, -1e300, 2 ** 53 + 1, true, false, [], {}, [null], ["x", 1],
  "..", "../../etc/passwd", "/etc/passwd", "a/b", "\u0000", "\u2025", "\uff0f", "x".repeat(5000), "__proto__", "constructor"
)
const anyValue: fc.Arbitrary<Json> = fc.oneof(specialValue, fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>)
const keyName = fc.constantFrom("flow_id", "run_number", "step_name", "task_id", "ts_epoch", "user_name", "tags", "system_tags",
  "field_name", "value", "type", "name", "sha", "ds_type", "location", "content_type", "attempt_id", "last_heartbeat_ts", "status",
  "__proto__", "constructor", "extra")

type Op =
  | { readonly op: "replace"; readonly at: number; readonly value: Json }
  | { readonly op: "delete"; readonly at: number }
  | { readonly op: "set"; readonly key: string; readonly value: Json }
  | { readonly op: "stringify"; readonly at: number }
  | { readonly op: "whole"; readonly value: Json }
const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("replace" as const), at, value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("set" as const), key: keyName, value: anyValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("stringify" as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("whole" as const), value: anyValue }) }
)

const applyOp = (j: Json, o: Op): Json => {
  if (o.op === "whole") return o.value
  if (o.op === "set") {
    if (typeof j === "object" && j !== null && !Array.isArray(j)) Object.defineProperty(j, o.key, { value: clone(o.value), enumerable: true, writable: true, configurable: true })
    return j
  }
  const s = slots(j)
  if (s.length === 0) return j
  const [c, k] = s[Math.floor(o.at * s.length)]!
  const set = (v: Json) => { (c as Record<string | number, Json>)[k] = v }
  const cur = (c as Record<string | number, Json>)[k]!
  if (o.op === "replace") set(clone(o.value))
  else if (o.op === "stringify") set(typeof cur === "string" ? (Number.isNaN(Number(cur)) ? [cur] : Number(cur)) : JSON.stringify(cur))
  else if (Array.isArray(c)) c.splice(k as number, 1)
  else delete c[k as string]
  return j
}

const mutated = fc
  .record({ seed: fc.nat(), ops: fc.array(op, { minLength: 0, maxLength: 3 }), as: fc.constantFrom<Kind | undefined>(undefined, undefined, undefined, "flow", "run", "step", "task", "metadata", "artifact") })
  .map(({ seed, ops, as }) => {
    const original = seeds[seed % seeds.length]!
    const kind = as ?? kindOf(original)!
    return { kind, input: ops.reduce(applyOp, clone(original)) }
  })

// ---------------------------------------------------------------------------------------------------------

describe("Records fuzz", () => {
  it("has local and service records of every kind", () => {
    const kinds = (xs: ReadonlyArray<unknown>) => new Set(xs.map(kindOf))
    for (const k of ["flow", "run", "step", "task", "metadata", "artifact"] as const) {
      expect(kinds(localRecords.map((r) => r.json)).has(k), `local ${k}`).toBe(true)
      expect(kinds(serviceSample).has(k), `service ${k}`).toBe(true)
    }
  })

  it(`${RUNS} mutated records decode exactly as the wire model says, or fail with a CorruptRecord naming the source`, () => {
    const stats = { ok: 0, corrupt: 0 }
    fc.assert(
      fc.property(mutated, ({ kind, input }) => {
        const source = `fuzz/${kind}.json`
        const result = decoders[kind](input, source)
        const expected = model(kind, input)
        if (Either.isRight(result)) {
          stats.ok++
          if (!expected.ok) throw new Error(`${kind} decoder accepted what the model refuses: ${JSON.stringify(input)} → ${JSON.stringify(result.right)}`)
          expect(result.right).toStrictEqual(expected.value)
        } else {
          stats.corrupt++
          expect(result.left._tag).toBe("CorruptRecord")
          expect(result.left.path).toBe(source)
          if (expected.ok) throw new Error(`${kind} decoder refused what the model accepts: ${JSON.stringify(input)}: ${JSON.stringify(result.left)}`)
        }
      }),
      { numRuns: RUNS, seed: SEEDS.records }
    )
    console.log(`[fuzz] records: ${RUNS} cases (${seeds.length} seed records), ${stats.ok} decoded, ${stats.corrupt} CorruptRecord`)
  }, fuzzTimeout(0.5))

  it(`CAS sidecar: ${RUNS} random sidecars unpack as raw, as gzip, or fail with a CorruptBlob naming the blob`, () => {
    const payload = new TextEncoder().encode("payload")
    const gz = new Uint8Array(require("node:zlib").gzipSync(payload))
    const sidecar = fc.oneof(
      fc.constantFrom("{\"cas_raw\": true, \"cas_version\": 1}", "{\"cas_raw\": false, \"cas_version\": 1}", "{}", "null", "[]", "1", "", "{", "{\"cas_version\": \"1\"}", "{\"cas_raw\": \"true\"}"),
      fc.jsonValue({ maxDepth: 2 }).map((j) => JSON.stringify(j)),
      fc.record({ cas_raw: anyValue, cas_version: anyValue }, { requiredKeys: [] }).map((j) => JSON.stringify(j)),
      fc.string({ maxLength: 20 })
    )
    fc.assert(
      fc.property(fc.option(sidecar, { nil: undefined }), fc.boolean(), (text, isGz) => {
        const stored: Datastore.StoredObject = { bytes: isGz ? gz : payload, sidecar: Option.fromNullable(text) }
        const r = Cas.unpack(stored, "F/data/ab/abcdef")
        let meta: unknown = undefined
        try {
          meta = text === undefined ? undefined : JSON.parse(text)
        } catch {
          meta = Symbol.for("bad")
        }
        const m = meta as { cas_raw?: unknown; cas_version?: unknown } | null | undefined | symbol
        const raw = typeof m === "object" && m !== null && m.cas_raw === true
        const gzipExpected = text === undefined || (typeof m === "object" && m !== null && !raw && m.cas_version === 1)
        if (raw) expect(Either.getOrThrow(r)).toBe(stored.bytes)
        else if (gzipExpected && isGz) expect(Either.getOrThrow(r)).toEqual(payload)
        else {
          expect(Either.isLeft(r)).toBe(true)
          if (Either.isLeft(r)) {
            expect(r.left._tag).toBe("CorruptBlob")
            expect(r.left.path).toBe("F/data/ab/abcdef")
          }
        }
      }),
      { numRuns: RUNS, seed: SEEDS.sidecar }
    )
  }, fuzzTimeout(0.2))

  // BUG (Cas.ts, `unpack`): `String(m.cas_version)` throws a TypeError (a defect, not a CorruptBlob) when the
  // sidecar's cas_version is an object whose `toString` is not a function. Found by the fuzzer above.
  it("CAS sidecar with cas_version [{\"toString\": \"\"}] fails with a CorruptBlob", () => {
    const stored: Datastore.StoredObject = { bytes: new Uint8Array([1, 2, 3]), sidecar: Option.some("{\"cas_version\":[{\"toString\":\"\"}]}") }
    let r: Either.Either<Uint8Array, { readonly _tag: string }> | undefined
    expect(() => { r = Cas.unpack(stored, "F/data/ab/abcdef") }).not.toThrow()
    expect(r !== undefined && Either.isLeft(r) && r.left._tag).toBe("CorruptBlob")
  })
})

// ---------------------------------------------------------------------------------------------------------
// data.json, through the public Artifact API over in-memory backends

const TASK = { flow: "F", run: "1", step: "s", task: "2" }
const artifactRecord = (name: string): Records.ArtifactRecord => ({
  flowId: "F", runId: "1", stepName: "s", taskId: "2", name, sha: "ab" + "0".repeat(38), dsType: "local", location: ":root:/r",
  contentType: "gzip+pickle-v4", attemptId: 0, tsEpoch: 1, tags: [], systemTags: []
})

const memoryProvider = (name: () => string): MetadataProvider.Service => {
  const none = Effect.succeed(Option.none())
  return {
    describe: "memory",
    listFlows: Stream.empty,
    getFlow: () => none,
    listRuns: () => Stream.empty,
    getRun: () => none,
    listSteps: () => Effect.succeed([]),
    getStep: () => none,
    listTasks: () => Effect.succeed([]),
    getTask: () => Effect.succeed(Option.some({ flowId: "F", runId: "1", stepName: "s", taskId: "2", userName: null, tsEpoch: 1, lastHeartbeatTs: null, tags: [], systemTags: [] })),
    listMetadata: () => Effect.succeed([]),
    listArtifacts: () => Effect.sync(() => [artifactRecord(name())]),
    mutateRunTags: () => Effect.succeed([])
  }
}

const memoryStorage = (dataJson: () => Uint8Array): Datastore.Storage => ({
  dsType: "local",
  read: (_root, key) => Effect.sync(() => key === Datastore.taskFileKey(TASK, 0, "data.json") ? Option.some(dataJson()) : Option.none()),
  readWithSidecar: () => Effect.succeed(Option.none()),
  size: () => Effect.succeed(Option.none()),
  stream: () => Stream.empty,
  readUrl: () => Effect.succeed(Option.none())
})

const dataJsonSeeds: ReadonlyArray<Json> = corpusJson((n) => n.endsWith(".data.json")).filter((_, i) => i % 3 === 0).map((r) => r.json as Json)
const artifactName = fc.constantFrom("x", "name", "_task_ok", "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf")

const dataJsonCase = fc
  .record({ seed: fc.nat(), ops: fc.array(op, { maxLength: 3 }), name: artifactName, plantSize: fc.option(anyValue, { nil: undefined }), text: fc.option(fc.string({ maxLength: 30 }), { nil: undefined, freq: 10 }) })
  .map(({ seed, ops, name, plantSize, text }) => {
    const j = clone(dataJsonSeeds[seed % dataJsonSeeds.length]!)
    if (plantSize !== undefined && typeof j === "object" && j !== null && !Array.isArray(j) && typeof j.info === "object" && j.info !== null && !Array.isArray(j.info)) {
      Object.defineProperty(j.info, name, { value: { size: plantSize, type: "<class 'int'>", encoding: "gzip+pickle-v4" }, enumerable: true, writable: true, configurable: true })
    }
    const mutatedJson = ops.reduce(applyOp, j)
    return { name, text: text ?? JSON.stringify(mutatedJson) }
  })

/** What `info[name]` is in the text, by an own-property lookup (what Python's dict lookup does). */
const ownEntry = (text: string, name: string): { readonly parsed: boolean; readonly entry: unknown } => {
  let j: unknown
  try {
    j = JSON.parse(text)
  } catch {
    return { parsed: false, entry: undefined }
  }
  const info = typeof j === "object" && j !== null ? (j as { info?: unknown }).info : undefined
  if (typeof info !== "object" || info === null || Array.isArray(info)) return { parsed: true, entry: undefined }
  return { parsed: true, entry: Object.prototype.hasOwnProperty.call(info, name) ? (info as Record<string, unknown>)[name] : undefined }
}

describe("data.json fuzz", () => {
  it("has data.json seeds", () => {
    expect(dataJsonSeeds.length).toBeGreaterThan(10)
  })

  it(`${RUNS} mutated data.json files: Artifact.size/pythonType/datastoreInfo answer from info[name] or fail typed`, async () => {
    const cases = fc.sample(dataJsonCase, { numRuns: RUNS, seed: SEEDS.dataJson })
    const failures: Array<string> = []
    let prototypeLeaks = 0
    let done = 0
    for (const { name, text } of cases) {
      if (++done % 1000 === 0) await turnEventLoop()
      // fresh services per case: core may cache data.json per storage instance (files never change)
      const data = new TextEncoder().encode(text)
      const context = Context.empty().pipe(
        Context.add(MetadataProvider.MetadataProvider, memoryProvider(() => name)),
        Context.add(Datastore.LocalStorage, memoryStorage(() => data))
      )
      const program = Effect.gen(function*() {
        const a = yield* Artifact.get(`F/1/s/2/${name}`)
        const size = yield* Effect.exit(Artifact.size(a))
        const type = yield* Effect.exit(Artifact.pythonType(a))
        const info = yield* Effect.exit(Artifact.datastoreInfo(a))
        return { size, type, info }
      }).pipe(Namespace.withNamespace(null), Effect.provide(context))
      const exit = Effect.runSyncExit(program)
      if (Exit.isFailure(exit)) {
        failures.push(`${name} ${text.slice(0, 80)}: lookup failed ${Cause.pretty(exit.cause).slice(0, 200)}`)
        continue
      }
      const { size, type, info } = exit.value
      const { parsed, entry } = ownEntry(text, name)
      const e = entry as { size?: unknown; type?: unknown } | undefined
      const exits: ReadonlyArray<readonly [string, Exit.Exit<unknown, { readonly _tag: string }>]> = [["size", size], ["pythonType", type], ["datastoreInfo", info]]
      for (const [what, x] of exits) {
        if (Exit.isFailure(x)) {
          const err = Cause.failureOption(x.cause)
          if (Option.isNone(err) || err.value._tag !== "CorruptRecord") failures.push(`${name} ${text.slice(0, 80)}: ${what} died: ${Cause.pretty(x.cause).slice(0, 300)}`)
        }
      }
      if (!parsed) {
        if (Exit.isSuccess(size)) failures.push(`${name}: size of unparseable data.json answered ${String(size.value)}`)
        continue
      }
      const expectedSize = typeof e === "object" && e !== null && typeof e.size === "number" && e.type !== "<class 'metaflow.includefile.IncludedFile'>" ? e.size : undefined
      if (expectedSize !== undefined ? !(Exit.isSuccess(size) && size.value === expectedSize) : Exit.isSuccess(size)) {
        failures.push(`${name} ${text.slice(0, 120)}: size ${JSON.stringify(Exit.isSuccess(size) ? size.value : "error")}, expected ${String(expectedSize)}`)
      }
      const expectedType = typeof e === "object" && e !== null && e.type !== undefined && e.type !== null ? e.type : undefined
      if (Exit.isSuccess(type) && !(Option.isSome(type.value) ? type.value.value === expectedType : expectedType === undefined)) {
        failures.push(`${name} ${text.slice(0, 120)}: pythonType ${String(Option.getOrUndefined(type.value))}, expected ${String(expectedType)}`)
      }
      if (Exit.isSuccess(info)) {
        const got = Option.getOrUndefined(info.value) as unknown
        const expected = entry === null ? undefined : entry
        if (got !== undefined && expected === undefined && (typeof got === "function" || got === Object.prototype)) prototypeLeaks++ // known bug, pinned below
        else if (typeof got === "function" || JSON.stringify(got) !== JSON.stringify(expected)) {
          failures.push(`${name} ${text.slice(0, 120)}: datastoreInfo ${String(JSON.stringify(got))}, expected ${JSON.stringify(expected)}`)
        }
      }
    }
    console.log(`[fuzz] data.json: ${cases.length} cases, ${failures.length} failures, ${prototypeLeaks} prototype leaks (known bug)`)
    expect(failures.slice(0, 10), "data.json answers that differ from info[name]").toEqual([])
  }, fuzzTimeout(2))

  // BUG (Artifact.ts, `dataInfo`/`datastoreInfo`): `info[name]` is a plain-object lookup, so an artifact named
  // like an Object.prototype member (`constructor`, `toString`, `__proto__`, ... — valid Python attribute
  // names) whose data.json has no entry gets `Some(<function>)` / `Some(Object.prototype)` instead of None.
  it("datastoreInfo of an artifact named 'constructor' without a data.json entry is None", () => {
    const context = Context.empty().pipe(
      Context.add(MetadataProvider.MetadataProvider, memoryProvider(() => "constructor")),
      Context.add(Datastore.LocalStorage, memoryStorage(() => new TextEncoder().encode("{\"info\": {}}")))
    )
    const info = Effect.runSync(Effect.flatMap(Artifact.get("F/1/s/2/constructor"), Artifact.datastoreInfo).pipe(Namespace.withNamespace(null), Effect.provide(context)))
    expect(Option.isNone(info)).toBe(true)
  })
})
