import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Mflog from "../src/Mflog.js"

const ROOT = fileURLToPath(new URL("../../../", import.meta.url))
const FIXTURES = path.join(ROOT, "testdata/fixtures")
const enc = new TextEncoder()
const bytes = (s: string) => enc.encode(s)
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"))
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")
const concat = (...parts: ReadonlyArray<Uint8Array>) => new Uint8Array(Buffer.concat(parts))
const merge = (sources: ReadonlyArray<Uint8Array>, options?: Mflog.MergeOptions) =>
  Either.getOrThrow(Mflog.mergeLogs(sources, options))

// -------------------------------------------------------------------------------------------------
// oracle fixtures
// -------------------------------------------------------------------------------------------------

type Json = any

/** Every task view in an oracle flow file: task records and their `attempts` views. */
const taskViews = (flow: Json): Array<Json> => {
  const out: Array<Json> = []
  const visitTask = (t: Json) => {
    out.push(t)
    for (const v of Object.values(t.attempts ?? {})) if (v && typeof v === "object" && "stdout" in (v as Json)) out.push(v)
  }
  for (const run of flow.run_records ?? []) {
    for (const t of run.parameters_step?.task_records ?? []) visitTask(t)
    for (const step of run.step_records ?? []) for (const t of step.task_records ?? []) visitTask(t)
  }
  return out
}

const readOrEmpty = (file: string): Uint8Array => fs.existsSync(file) ? new Uint8Array(fs.readFileSync(file)) : new Uint8Array(0)

interface Provider {
  readonly name: string
  readonly oracleDir: string
  readonly taskDir: (pathspec: string) => string
}

const PROVIDERS: ReadonlyArray<Provider> = [
  {
    name: "local",
    oracleDir: path.join(FIXTURES, "oracle/local/flows"),
    taskDir: (p) => path.join(FIXTURES, "local/.metaflow", p)
  },
  {
    name: "s3",
    oracleDir: path.join(FIXTURES, "oracle/s3/flows"),
    taskDir: (p) => path.join(FIXTURES, "s3/bucket/metaflow", p)
  }
]

const checkStream = (view: Json, dir: string, attempt: number, stream: Mflog.LogStream) => {
  const sources = Mflog.LOG_SOURCES.map((src) => readOrEmpty(path.join(dir, Mflog.logFileName(attempt, src, stream))))
  const lines = merge(sources)
  const label = `${view.pathspec}#${attempt} ${stream}`
  assert.strictEqual(Mflog.totalSize(sources), view[`${stream}_size`], `${label} size`)
  const text = view[stream]
  const oracleLines = view[`${stream}_lines`]
  if (typeof text === "string") {
    assert.strictEqual(Mflog.toText(lines), text, `${label} text`)
    assert.deepStrictEqual(lines.map((l) => [l.timestampText, l.message]), oracleLines, `${label} lines`)
    return "text"
  }
  // Python raised UnicodeDecodeError: the oracle kept the lines, undecodable ones as {"$bytes": base64}
  assert.strictEqual(text.$error.type, "UnicodeDecodeError", label)
  const expected: Array<[string, Json]> = oracleLines.lines
  assert.strictEqual(lines.length, expected.length, `${label} count`)
  expected.forEach(([ts, msg], i) => {
    const line = lines[i]!
    assert.strictEqual(line.timestampText, ts, `${label} ts ${i}`)
    if (typeof msg === "string") {
      assert.strictEqual(line.message, msg)
      assert.strictEqual(hex(line.raw), hex(bytes(msg)))
    } else {
      assert.strictEqual(hex(line.raw), hex(b64(msg.$bytes)), `${label} bytes ${i}`)
      assert.isTrue(line.message.includes("\uFFFD"), `${label} replacement ${i}`)
    }
  })
  assert.isTrue(Mflog.toText(lines).includes("\uFFFD"))
  return "bytes"
}

describe("Mflog against the Python oracle", () => {
  for (const provider of PROVIDERS) {
    it(`${provider.name}: every task view's stdout/stderr`, () => {
      const counts = { text: 0, bytes: 0, noDatastore: 0, views: 0 }
      for (const file of fs.readdirSync(provider.oracleDir).filter((f) => f.endsWith(".json")).sort()) {
        const flow = JSON.parse(fs.readFileSync(path.join(provider.oracleDir, file), "utf8"))
        for (const view of taskViews(flow)) {
          counts.views++
          const md = view.metadata_dict ?? {}
          if (!Mflog.hasDatastore(md)) {
            counts.noDatastore++
            for (const stream of ["stdout", "stderr"] as const) {
              assert.strictEqual(Mflog.toText(Mflog.noDatastoreLines), view[stream])
              assert.deepStrictEqual(Mflog.noDatastoreLines.map((l) => [l.timestampText, l.message]), view[`${stream}_lines`])
              assert.strictEqual(view[`${stream}_size`], 0)
            }
            continue
          }
          const attempt = view.attempt_requested ?? Number(md.attempt)
          for (const stream of ["stdout", "stderr"] as const) {
            counts[checkStream(view, provider.taskDir(view.pathspec), attempt, stream)]++
          }
        }
      }
      assert.isAbove(counts.text, 10)
      assert.isAbove(counts.noDatastore, 0)
      if (provider.name === "local") assert.isAbove(counts.bytes, 0)
    })
  }
})

// -------------------------------------------------------------------------------------------------
// crafted example (local-format.md §9.3) and Python-generated cases
// -------------------------------------------------------------------------------------------------

const CRAFTED_RUNTIME = bytes(
  "[MFLOG|0|2026-11-27T07:34:50.000001Z|runtime|aaaa]start stdout line 1\n" +
    "zzz plain unstructured line\n" +
    "[MFLOG|0|2026-11-27T07:34:50.000004Z|runtime|bbbb]start stdout line 2\r\n" +
    "[MFLOG|0|2026-11-27T07:34:51Z|runtime|dddd]bad ts no micros\n" +
    "[![MFLOG|0|2026-11-27T07:34:50.000002Z|runtime|cccc]persist-marked line\n" +
    "[MFLOG|0|2026-11-27T07:34:49.500000Z|runtime|eeee]earlier line written later\n" +
    "[MFLOG|0|2026-11-27T07:34:50.000004Z|runtime|0000]same ts as line 2\n" +
    "[MFLOG|0|2026-11-27T07:34:50.000005Z|runtime|ffff]last line no newline"
)
const CRAFTED_TASK = bytes(
  "aaa another plain line\n" +
    "[MFLOG|0|2026-11-27T07:34:50.000003Z|task|1111]task-source line\n" +
    "[MFLOG|0|2026-11-27T07:34:49.000000Z|task|2222]task early\n"
)
const CRAFTED_STDOUT = "task early\nearlier line written later\nstart stdout line 1\npersist-marked line\ntask-source line\n" +
  "same ts as line 2\nstart stdout line 2\r\nlast line no newline\n" +
  "[MFLOG|0|2026-11-27T07:34:51Z|runtime|dddd]bad ts no micros\n\naaa another plain line\n\nzzz plain unstructured line\n\n"

describe("Mflog merge", () => {
  it("reproduces the crafted example of local-format.md §9.3", () => {
    for (const sources of [[CRAFTED_RUNTIME, CRAFTED_TASK], [CRAFTED_TASK, CRAFTED_RUNTIME]]) {
      const lines = merge(sources)
      assert.strictEqual(Mflog.toText(lines), CRAFTED_STDOUT)
      assert.deepStrictEqual(lines.map((l) => l.timestampText), [
        "2026-11-27T07:34:49",
        "2026-11-27T07:34:49.500000",
        "2026-11-27T07:34:50.000001",
        "2026-11-27T07:34:50.000002",
        "2026-11-27T07:34:50.000003",
        "2026-11-27T07:34:50.000004",
        "2026-11-27T07:34:50.000004",
        "2026-11-27T07:34:50.000005",
        "3000-01-01T00:00:00",
        "3000-01-01T00:00:00",
        "3000-01-01T00:00:00"
      ])
      assert.strictEqual(Mflog.totalSize(sources), 661)
      const persisted = lines[3]!
      assert.isTrue(persisted.persist)
      assert.strictEqual(persisted.source, "runtime")
      assert.strictEqual(persisted.id, "cccc")
      assert.strictEqual(lines[4]!.source, "task")
      assert.strictEqual(lines[8]!.source, null)
      assert.strictEqual(lines[8]!.timestamp!.toISOString(), "3000-01-01T00:00:00.000Z")
      assert.strictEqual(lines[1]!.timestamp!.toISOString(), "2026-11-27T07:34:49.500Z")
      assert.strictEqual(lines[2]!.microsecond, 1)
    }
  })

  it("matches metaflow's merge_logs on generated cases", () => {
    for (const [sources, timestamps, stdout] of PYTHON_MERGE_CASES) {
      const lines = merge(sources.map(b64))
      assert.strictEqual(lines.map((l) => l.timestampText).join(" "), timestamps)
      assert.strictEqual(hex(Mflog.toBytes(lines)), hex(b64(stdout)))
    }
  })

  it("empty and missing files give no lines; no ds-* metadata gives (None, '')", () => {
    assert.deepStrictEqual(merge([]), [])
    assert.deepStrictEqual(merge([new Uint8Array(0), new Uint8Array(0)]), [])
    assert.strictEqual(Mflog.toText(merge([])), "")
    assert.strictEqual(Mflog.toText(Mflog.noDatastoreLines), "\n")
    assert.isFalse(Mflog.hasDatastore({ "ds-type": "local" }))
    assert.isTrue(Mflog.hasDatastore({ "ds-type": "local", "ds-root": "/x" }))
    assert.strictEqual(Mflog.logFileName(1, "task", "stderr"), "1.task_stderr.log")
    assert.strictEqual(Mflog.legacyLogFileName(0, "stdout"), "0.stdout.log")
    assert.strictEqual(Mflog.legacyLogLocationKey("stderr"), "log_location_stderr")
  })

  it("decodes invalid UTF-8 with replacement and keeps the bytes", () => {
    const bad = concat(bytes("[MFLOG|0|2026-11-27T07:34:50.000001Z|runtime|a]x "), Uint8Array.of(0xff, 0xfe, 0xc3), bytes(" y\n"))
    const plain = concat(Uint8Array.of(0xef, 0xbb, 0xbf, 0xed, 0xa0, 0x80), bytes("\n"))
    const badTs = concat(bytes("[MFLOG|0|2026-11-27T07:34:5"), Uint8Array.of(0xff), bytes(".1Z|r|a]m\n"))
    const lines = merge([bad, plain, badTs])
    assert.strictEqual(lines[0]!.message, "x \uFFFD\uFFFD\uFFFD y")
    assert.strictEqual(hex(lines[0]!.raw), "7820fffec32079")
    // both unparseable, ordered by raw bytes: "[MFLOG…" (0x5b) before the BOM (0xef)
    assert.strictEqual(lines[1]!.source, null) // timestamp not UTF-8 ⇒ unparseable
    assert.strictEqual(hex(lines[1]!.raw), hex(badTs))
    assert.strictEqual(lines[2]!.source, null)
    assert.strictEqual(lines[2]!.message, "\uFEFF\uFFFD\uFFFD\uFFFD\n") // BOM kept, surrogate bytes replaced
    assert.strictEqual(Mflog.legacyText(Uint8Array.of(0x61, 0xff)), "a\uFFFD")
  })

  it("orders ties Python cannot compare (persist marker, year-3000 header) deterministically", () => {
    const a = bytes("[![MFLOG|0|2026-11-27T07:34:50.000001Z|runtime|a]marked\n")
    const b = bytes("[MFLOG|0|2026-11-27T07:34:50.000001Z|runtime|z]unmarked\n")
    const c = bytes("[MFLOG|0|3000-01-01T00:00:00.000000Z|runtime|z]header in year 3000\n")
    const d = bytes("unparseable\n")
    for (const sources of [[a, b, c, d], [d, c, b, a]]) {
      assert.deepStrictEqual(merge(sources).map((l) => l.message), ["unmarked", "marked", "header in year 3000", "unparseable\n"])
    }
  })

  it.effect("fails with a typed MflogError beyond the limits", () =>
    Effect.gen(function*() {
      const log = bytes("short\n" + "x".repeat(11) + "\nshort")
      const ok = yield* Mflog.mergeLogs([log], { maxLineBytes: 11 })
      assert.strictEqual(ok.length, 3)
      const err = yield* Effect.flip(Mflog.mergeLogs([new Uint8Array(0), log], { maxLineBytes: 10 }))
      assert.strictEqual(err._tag, "MflogError")
      assert.strictEqual(err.reason, "LineTooLong")
      assert.strictEqual(err.sourceIndex, 1)
      assert.strictEqual(err.lineNumber, 2)
      assert.strictEqual(err.size, 11)
      assert.include(err.message, "limit 10")
      const big = yield* Effect.flip(Mflog.mergeLogs([log, log], { maxTotalBytes: log.length }))
      assert.strictEqual(big.reason, "LogTooLarge")
      assert.strictEqual(big.size, 2 * log.length)
      assert.strictEqual(Mflog.DEFAULT_MAX_LINE_BYTES, 1024 * 1024)
    }))
})

// -------------------------------------------------------------------------------------------------
// parsing
// -------------------------------------------------------------------------------------------------

describe("Mflog.parseLine", () => {
  it("parses the documented header", () => {
    const p = Mflog.parseLine(bytes("[MFLOG|0|2026-11-27T07:29:41.326834Z|runtime|201f84e0-c4c1-44fb-a08c-4945caf17dd0]hello from start\r\n"))
    assert.isNotNull(p)
    assert.strictEqual(p!.message, "hello from start\r")
    assert.strictEqual(p!.source, "runtime")
    assert.strictEqual(p!.id, "201f84e0-c4c1-44fb-a08c-4945caf17dd0")
    assert.strictEqual(p!.timestampRaw, "2026-11-27T07:29:41.326834")
    assert.strictEqual(p!.timestampText, "2026-11-27T07:29:41.326834")
    assert.strictEqual(p!.microsecond, 326834)
    assert.strictEqual(p!.timestamp.toISOString(), "2026-11-27T07:29:41.326Z")
    assert.isFalse(p!.persist)
    assert.isTrue(Mflog.parseLine(bytes("[![MFLOG|0|2026-11-27T07:29:41.3Z|r|i]"))!.persist)
    assert.isTrue(Mflog.isStructured(bytes("[![MFLOG|")))
    assert.isTrue(Mflog.isStructured(bytes("[MFLOG|x")))
    assert.isFalse(Mflog.isStructured(bytes("[!MFLOG|")))
    assert.isFalse(Mflog.isStructured(bytes("[MFLOG")))
  })

  it("accepts exactly what datetime.strptime('%Y-%m-%dT%H:%M:%S.%f') accepts (CPython 3.11)", () => {
    // [timestamp, Python's isoformat() or null for ValueError]
    const cases: ReadonlyArray<readonly [string, string | null]> = [
      ["2026-1-5t1:2:3.4", "2026-01-05T01:02:03.400000"],
      ["2026-01-05T01:02:60.1", null],
      ["\u0662\u0660\u0662\u0666-01-05T01:02:03.1", "2026-01-05T01:02:03.100000"],
      ["2026-01- 5T01:02:03.1", "2026-01-05T01:02:03.100000"],
      ["2026-02-29T00:00:00.0", null],
      ["2024-02-29T00:00:00.0", "2024-02-29T00:00:00"],
      ["0000-01-01T00:00:00.0", null],
      ["0001-01-01T00:00:00.0", "0001-01-01T00:00:00"],
      ["2026-01-05T01:02:03.1234567", null],
      ["2026-01-05T01:02:3.5", "2026-01-05T01:02:03.500000"],
      ["2026-01-05T01:02:03.", null],
      ["2026-01-05T24:02:03.1", null],
      ["2026-01-05T01:02:03.1 ", null],
      [" 2026-01-05T01:02:03.1", null],
      ["2026-01-05T01:02:0\u0663.1", "2026-01-05T01:02:03.100000"],
      ["2026-01-05T01:02:03.000000", "2026-01-05T01:02:03"],
      ["2026-11-27T07:34:51", null],
      ["9999-12-31T23:59:59.999999", "9999-12-31T23:59:59.999999"],
      ["\uD835\uDFEE\uD835\uDFEC\uD835\uDFEE\uD835\uDFF2-01-05T01:02:03.1", "2026-01-05T01:02:03.100000"]
    ]
    for (const [ts, iso] of cases) {
      const p = Mflog.parseLine(bytes(`[MFLOG|0|${ts}Z|runtime|id]m`))
      assert.strictEqual(p === null ? null : p.timestampText, iso, ts)
    }
    assert.strictEqual(Mflog.parseLine(bytes("[MFLOG|0|0001-01-01T00:00:00.0Z|r|i]"))!.timestamp.toISOString(), "0001-01-01T00:00:00.000Z")
  })

  it("splits the header like Python's lazy regex", () => {
    const p = Mflog.parseLine(bytes("[MFLOG|0|2026-11-27T07:29:41.3Z|src|id|x]msg ] | Z| end"))!
    assert.deepStrictEqual([p.source, p.id, p.message], ["src", "id|x", "msg ] | Z| end"])
    // version must be 0, fields non-empty, '.' stops at '\n'
    assert.isNull(Mflog.parseLine(bytes("[MFLOG|1|2026-11-27T07:29:41.3Z|r|i]m")))
    assert.isNull(Mflog.parseLine(bytes("[MFLOG|0|2026-11-27T07:29:41.3Z||i]m")))
    assert.isNull(Mflog.parseLine(bytes("[MFLOG|0|2026-11-27T07:29:41.3Z|r|]m")))
    assert.isNull(Mflog.parseLine(bytes("[MFLOG|0|2026-11-27T07:29:41.3Z|r|i\n]m")))
    assert.strictEqual(Mflog.parseLine(bytes("[MFLOG|0|2026-11-27T07:29:41.3Z|r|i]m\nrest"))!.message, "m")
  })
})

// -------------------------------------------------------------------------------------------------
// properties
// -------------------------------------------------------------------------------------------------

const SEED = 20261127
const runs = { seed: SEED, numRuns: 300 }

/** Python's regex, transcribed for a latin-1 view of the bytes ('.' = anything but '\n'). */
const PY_RE = /^(\[!)?\[MFLOG\|(0)\|([^\n]+?)Z\|([^\n]+?)\|([^\n]+?)\]([^\n]*)/
const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1")

const timestampArb = FastCheck.tuple(
  FastCheck.date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }),
  FastCheck.integer({ min: 0, max: 999 })
).map(([d, us]) => ({ date: d, microsecond: d.getUTCMilliseconds() * 1000 + us }))

const fieldArb = (forbidden: RegExp, chars?: ReadonlyArray<string>) =>
  (chars === undefined ? FastCheck.string({ unit: "binary", minLength: 1, maxLength: 12 }) :
    FastCheck.string({ unit: FastCheck.constantFrom(...chars), minLength: 1, maxLength: 8 }))
    .map((s) => s.replace(forbidden, "_"))

const headerFieldsArb = FastCheck.record({
  persist: FastCheck.boolean(),
  ts: FastCheck.oneof(timestampArb, FastCheck.constantFrom(...["a", "b"].map((s) => ({ date: new Date(Date.UTC(2026, 10, 27)), microsecond: s === "a" ? 1 : 2 })))),
  source: FastCheck.oneof(fieldArb(/[|\n]/g), fieldArb(/[|\n]/g, ["r", "t", "]", "Z"])),
  id: FastCheck.oneof(fieldArb(/[\]\n]/g), fieldArb(/[\]\n]/g, ["0", "b", "|", "Z"])),
  message: FastCheck.oneof(
    FastCheck.string({ unit: "binary", maxLength: 20 }).map((s) => s.replace(/\n/g, "\r")),
    FastCheck.string({ unit: FastCheck.constantFrom("a", "]", "|", "Z", "\r", "é"), maxLength: 6 })
  )
})

const structuredLineArb = headerFieldsArb.map((f) =>
  Mflog.formatLine({
    persist: f.persist,
    timestampRaw: Mflog.formatTimestamp(f.ts.date, f.ts.microsecond),
    source: f.source,
    id: f.id,
    message: f.message
  })
)

/** Lines: structured, structured with corrupted bytes, arbitrary bytes; never containing '\n'. */
const lineArb = FastCheck.oneof(
  { arbitrary: structuredLineArb, weight: 5 },
  {
    arbitrary: FastCheck.tuple(structuredLineArb, FastCheck.nat(), FastCheck.integer({ min: 0, max: 255 })).map(([l, i, b]) => {
      const c = l.slice()
      c[i % c.length] = b === 10 ? 0x5d : b
      return c
    }),
    weight: 2
  },
  { arbitrary: FastCheck.uint8Array({ maxLength: 30 }).map((a) => a.map((b) => (b === 10 ? 0x7c : b))), weight: 2 }
)

const sourceArb = FastCheck.tuple(FastCheck.array(lineArb, { maxLength: 12 }), FastCheck.boolean()).map(([lines, trailing]) => {
  const parts: Array<Uint8Array> = []
  lines.forEach((l, i) => {
    parts.push(l)
    if (i < lines.length - 1 || trailing) parts.push(Uint8Array.of(10))
  })
  return concat(...parts)
})
const sourcesArb = FastCheck.array(sourceArb, { maxLength: 3 })

const multiset = (lines: ReadonlyArray<Uint8Array>) => lines.map(hex).sort()

describe("Mflog properties", () => {
  it("merge is a permutation of the input lines", () => {
    FastCheck.assert(
      FastCheck.property(sourcesArb, (sources) => {
        const out = merge(sources)
        assert.deepStrictEqual(multiset(out.map((l) => l.line)), multiset(sources.flatMap(Mflog.splitLines)))
      }),
      runs
    )
  })

  it("output is sorted by the merge key, unparseable lines sorted by content", () => {
    FastCheck.assert(
      FastCheck.property(sourcesArb, (sources) => {
        const out = merge(sources)
        for (let i = 1; i < out.length; i++) assert.isAtMost(Mflog.LogLineOrder(out[i - 1]!, out[i]!), 0)
        // each message is the parsed message or the whole raw line
        for (const l of out) assert.strictEqual(hex(l.raw), hex(l.source === null ? l.line : Mflog.parseLine(l.line)!.raw))
      }),
      runs
    )
  })

  it("merging does not depend on the order of the source files", () => {
    FastCheck.assert(
      FastCheck.property(sourcesArb, FastCheck.nat(), (sources, rot) => {
        const shuffled = sources.map((_, i) => sources[(i + rot) % sources.length]!).reverse()
        const a = merge(sources)
        const b = merge(shuffled)
        assert.deepStrictEqual(a.map((l) => hex(l.line)), b.map((l) => hex(l.line)))
        assert.strictEqual(Mflog.toText(a), Mflog.toText(b))
      }),
      runs
    )
  })

  it("format/parse round trip", () => {
    FastCheck.assert(
      FastCheck.property(headerFieldsArb, (f) => {
        const timestampRaw = Mflog.formatTimestamp(f.ts.date, f.ts.microsecond)
        const p = Mflog.parseLine(Mflog.formatLine({ persist: f.persist, timestampRaw, source: f.source, id: f.id, message: f.message }))
        assert.isNotNull(p)
        assert.deepStrictEqual(
          [p!.persist, p!.timestampRaw, p!.source, p!.id, p!.message, p!.microsecond, p!.timestamp.getTime()],
          [f.persist, timestampRaw, f.source, f.id, f.message, f.ts.microsecond, f.ts.date.getTime()]
        )
        const base = timestampRaw.slice(0, 19)
        assert.strictEqual(p!.timestampText, f.ts.microsecond === 0 ? base : timestampRaw)
      }),
      { ...runs, numRuns: 1000 }
    )
  })

  it("the header split agrees with Python's regex", () => {
    FastCheck.assert(
      FastCheck.property(lineArb, (line) => {
        const m = PY_RE.exec(latin1(line))
        const p = Mflog.parseLine(line)
        if (m === null) return assert.isNull(p)
        if (p === null) return
        assert.strictEqual(p.persist, m[1] !== undefined)
        assert.strictEqual(latin1(enc.encode(p.timestampRaw)), m[3])
        assert.strictEqual(latin1(p.raw), m[6])
      }),
      { ...runs, numRuns: 2000 }
    )
  })

  it("canonical timestamps parse like the general strptime path", () => {
    const d = (max: number, w = 2) => FastCheck.integer({ min: 0, max }).map((n) => String(n).padStart(w, "0"))
    FastCheck.assert(
      FastCheck.property(FastCheck.tuple(d(9999, 4), d(13), d(32), d(24), d(60), d(61), d(999999, 6)), ([y, mo, dd, h, mi, sec, f]) => {
        const canonical = Mflog.parseLine(bytes(`[MFLOG|0|${y}-${mo}-${dd}T${h}:${mi}:${sec}.${f}Z|r|i]m`))
        const general = Mflog.parseLine(bytes(`[MFLOG|0|${y}-${mo}-${dd}t${h}:${mi}:${sec}.${f}Z|r|i]m`)) // 't': regex path
        assert.strictEqual(canonical?.timestampText ?? null, general?.timestampText ?? null)
        assert.strictEqual(canonical?.timestamp.getTime() ?? null, general?.timestamp.getTime() ?? null)
      }),
      { ...runs, numRuns: 2000 }
    )
  })

  it("arbitrary bytes never throw", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.array(FastCheck.uint8Array({ maxLength: 200 }), { maxLength: 4 }), (sources) => {
        const r = Mflog.mergeLogs(sources)
        assert.isTrue(Either.isRight(r))
        for (const s of sources) Mflog.parseLine(s)
        Mflog.toText(Either.getOrThrow(r))
      }),
      runs
    )
  })
})

/** Cases generated with metaflow 2.19.38's `merge_logs` (random headers, ties, bad timestamps, invalid UTF-8): [sources (base64), timestamps, stdout bytes (base64)]. */
const PYTHON_MERGE_CASES: ReadonlyArray<readonly [ReadonlyArray<string>, string, string]> = [
  [["", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafFp8YlpdbQ0KW01GTE9HfDB8CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8XXwwXQ0KW01GTE9HfDB8WnxdfHx8MGJdWnxxCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnx8cnJdfDAwMDBdWnxxClshW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8fHx0fDB8MHxdw6kK"], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00", "bQ0KWnxxCsOpCg0KW01GTE9HfDB8CgpbTUZMT0d8MHxafF18fHwwYl1afHEKCg=="],
  [["YWFhCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8fFp8Ynxdw6kKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnx8fHxdfF1oZWxsbwpbTUZMT0d8MHwzMDAwLTEtMDBUMjQ6NjA6NjAuMTJafFp8fF0KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHRhc2t8Yl3DqQo=", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8Wl18WlpdDcMo"], "2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00", "w6kKDcMoCnxdaGVsbG8Kw6kKW01GTE9HfDB8MzAwMC0xLTAwVDI0OjYwOjYwLjEyWnxafHxdCgphYWEKCg=="],
  [["", "", "WyFbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAxWnxaclp8XV1aWl1bTUZMT0d8MHwKW01GTE9HfDB8Wlp8Wlp8XV3DqQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMlp8WnxaMGFdWnxxCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnx8fGEwfDBdeHx5CnBsYWluIGxpbmUKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafF18XVp8Wl1oZWxsbwo="], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00", "aGVsbG8KWnxxCnh8eQpaWl1bTUZMT0d8MHwKW01GTE9HfDB8Wlp8Wlp8XV3DqQoKcGxhaW4gbGluZQoK"],
  [["enp6CgpbTUZMT0d8MHwyMDI2LTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnx0YXNrfGFdaGVsbG8=", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8WnxdXWhlbGxvCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8dHxdfF1hXWIKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHR8YmFdDQpwbGFpbiBsaW5lCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnxyfFphXQ0=", ""], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "aGVsbG8KDQoNCmhlbGxvCmFdYgoKCnBsYWluIGxpbmUKCnp6egoK"],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnx0YXNrfDAwMDBdWnxxCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8fHwwXVtNRkxPR3wwfA==", "/yBiYWQKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHx8fFphXXh8eQpbTUZMT0d8MHwwMDAwLTAyLTAwVDI0OjYwOjQxLjMyNjgzNFp8cnxhfFpdDQoKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnxydW50aW1lfFpiWjBdWnxxCg=="], "2026-11-27T07:34:50.000002 2026-11-27T07:34:50.100000 2026-11-27T07:34:50.100000 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "eHx5Clp8cQpafHEKW01GTE9HfDB8CgoKW01GTE9HfDB8MDAwMC0wMi0wMFQyNDo2MDo0MS4zMjY4MzRafHJ8YXxaXQ0KCv8gYmFkCgo="],
  [["WyFbTUZMT0d8MHwyMDI2LTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnx0cnJdfGJhXQ0KcGxhaW4gbGluZQpbTUZMT0d8MHwwMDAxLTAxLTI3IDA3Ojk6NTkuMDAwMDA3Wnx0fGJdCg==", "", "WyFbTUZMT0d8MHwyMDI2LTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxdfDBdCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafF10cnxhWlpd//4KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8cnJydHxaXVowXVtNRkxPR3wwfAo="], "2026-01-27T07:34:50.000001 2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00", "Cg0K//4KWjBdW01GTE9HfDB8CltNRkxPR3wwfDAwMDEtMDEtMjcgMDc6OTo1OS4wMDAwMDdafHR8Yl0KCnBsYWluIGxpbmUKCg=="],
  [["WyFbTUZMT0d8MHwyMDI2LTEzLTAwIDI0OjU5OjQxLjFafFp0cnx8Yl3//gpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAxWnxdcl18MDAwMF1afHEKcGxhaW4gbGluZQo=", "/yBiYWQKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHR8Wlp8Xf/+CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnxydW50aW1lfHx8XQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjFafF18cnxdWnxdXW0N"], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "//4KClp8cQpafF1dbQ0KWyFbTUZMT0d8MHwyMDI2LTEzLTAwIDI0OjU5OjQxLjFafFp0cnx8Yl3//goKcGxhaW4gbGluZQoK/yBiYWQKCg=="],
  [["W01GTE9HfDB82aLZoNmi2aYtMTEtIDVUNzo5OjYwLjAwMDAwN1p8cnVudGltZXxaYl1afHEKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8cnRyfHxaXW0NwygKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHxadHJ8MDAwMF1tDQpbIVtNRkxPR3wxfHgK", "cGxhaW4gbGluZQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAxWnx8fHx8XXh8eQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAxWnx8dHxafHwwYl1bTUZMT0d8MHw="], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "bQ0KbQ3DKAp4fHkKW01GTE9HfDB8ClshW01GTE9HfDF8eAoKW01GTE9HfDB82aLZoNmi2aYtMTEtIDVUNzo5OjYwLjAwMDAwN1p8cnVudGltZXxaYl1afHEKCnBsYWluIGxpbmUKCg=="],
  [["/yBiYWQKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzoyOTo0MS4zWnx4Wnx8Wnxd//4KW01GTE9HfDB8MzAwMC0xMy0wNXQyMzo5OjQuMDAwMDAwWnxdfDBdbQ0KW01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8cnRyfGFdYV1iCltNRkxPR3wwfDIwMjYtMDEtMzJ0MDc6NjA6MNmjLlp8cnVudGltZXxdYV1hXVp8cQoKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8fHJ8YV1iXVp8cQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAxWnx0YXNrfF1aMF0N", ""], "2026-01-27T07:34:50.000001 2026-11-27T07:29:41.300000 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "YV1iCv/+Cg0KYl1afHEKCgpbTUZMT0d8MHwyMDI2LTAxLTMydDA3OjYwOjDZoy5afHJ1bnRpbWV8XWFdYV1afHEKCltNRkxPR3wwfDMwMDAtMTMtMDV0MjM6OTo0LjAwMDAwMFp8XXwwXW0NCgr/IGJhZAoK"],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHxafFpd//4K", "YWFhCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnxafHx8fGJdW01GTE9HfDB8CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8cnR8YmFaXf/+CltNRkxPR3wxfDAwMDEtMTEtMDBUMDc6NjA6NDEuMTJafHJyfHwwMDAwXXh8eQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMlp8dGFza3xhYWFdDQpbIVtNRkxPR3wwfDIwMjYtMTEtMjdUMDc6Mjk6NDEuM1p8eFp8fGJdw6k="], "2026-11-27T07:29:41.300000 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00", "w6kKW01GTE9HfDB8Cg0K//4K//4KW01GTE9HfDF8MDAwMS0xMS0wMFQwNzo2MDo0MS4xMlp8cnJ8fDAwMDBdeHx5CgphYWEKCg=="],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8XVp8fHxdfF1bTUZMT0d8MHw=", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnxycnxhXWFdYgpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjFafHRdfGFhXQ0K", "W01GTE9HfDB8MzAwMC0xMy01VDI0Ojk6NjAuMTIzNDU2N1p8fF1dfHxiXV1daGVsbG8KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHRhc2t8YXxhXQ0KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHJ1bnRpbWV8Xf/+Cg=="], "2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00", "DQp8XVtNRkxPR3wwfAphXWIKDQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8cnVudGltZXxd//4KCltNRkxPR3wwfDMwMDAtMTMtNVQyNDo5OjYwLjEyMzQ1NjdafHxdXXx8Yl1dXWhlbGxvCgo="],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnxdWnxdXV3//go=", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHxacl18YlpdeHx5CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxdWnJ8XWJhYV3//goKW01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8cnVudGltZXx8YjBdw6kKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafF10fDB8MF1oZWxsbwpbTUZMT0d8MXwwMDAwLTAtMzFUMDc6NjA6NC4zMjY4MzRafF1yfF14fHk=", ""], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00", "w6kK//4KaGVsbG8KeHx5Cl3//goKCltNRkxPR3wxfDAwMDAtMC0zMVQwNzo2MDo0LjMyNjgzNFp8XXJ8XXh8eQo="],
  [["WyFbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8cnxdW01GTE9HfDB8", "", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHJdXVp8YXxdCmFhYQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8fGJdYl1hXWIKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8fHx8XQpbTUZMT0d8MHwyMDI2LTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxydFp8MDBdeHx5CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxydW50aW1lfFpdYV1iCg=="], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "eHx5CmFdYgoKClshW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHJ8XVtNRkxPR3wwfApbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8fGJdYl1hXWIKCmFhYQoK"],
  [["CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8fHx8WjBdXWFdYgo=", "W01GTE9HfDF8MjAyNi0xMS0yN1QwNzoyOTo0MS4zWnx4WnxyWnJ8fF1oZWxsbwpbTUZMT0d8MXwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMlp8cnVudGltZXxafF1bTUZMT0d8MHwKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8XVpyfGJiYmJdWnxxCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8dHxyWnxdWl14fHkKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafF1afDBifGFdYV1iCnp6ego="], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "YV1iClp8cQpaXXh8eQpdYV1iCgoKW01GTE9HfDF8MjAyNi0xMS0yN1QwNzoyOTo0MS4zWnx4WnxyWnJ8fF1oZWxsbwoKW01GTE9HfDF8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHJ1bnRpbWV8WnxdW01GTE9HfDB8Cgp6enoKCg=="],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnxaWlpafDBdw6kKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafF10fGF8XXh8eQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8WnJ8fGJiYmJdCltNRkxPR3wwfDIwMjYtMTMtMDVUNzo5OjQuMTJafFpdfGF8YVpdW01GTE9HfDB8CnBsYWluIGxpbmUKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHR0fFp8YV3//sMoCltNRkxPR3wxfDIwMjYtMC0wNVQyMzo2MDow2aMuWnx0dHxiXWFdbQ0K/yBiYWQK", "YWFhCg=="], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "Cnh8eQr//sMoCsOpCltNRkxPR3wwfDIwMjYtMTMtMDVUNzo5OjQuMTJafFpdfGF8YVpdW01GTE9HfDB8CgpbTUZMT0d8MXwyMDI2LTAtMDVUMjM6NjA6MNmjLlp8dHR8Yl1hXW0NCgphYWEKCnBsYWluIGxpbmUKCv8gYmFkCgo="],
  [["WyFbTUZMT0d8MXwzMDAwLTAxLTAxVDAwOjAwOjAwLjAwMDAwMFp8fHRycnx8YV3DqQ==", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnxafHxdXcMoCltNRkxPR3wwfDMwMDAtMDEtNVQwNzoyOTo2MS4xMjM0NTY3Wnx8Wnx8YlpdXQ0KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzoyOTo0MS4zWnx4WnxadHRafF1daGVsbG8KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHx8MF1dMF3DqcMoClshW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHRafFp8YmJiYl1tDcMoCnBsYWluIGxpbmU="], "2026-11-27T07:29:41.300000 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "XWhlbGxvCm0NwygKXTBdw6nDKApdwygKWyFbTUZMT0d8MXwzMDAwLTAxLTAxVDAwOjAwOjAwLjAwMDAwMFp8fHRycnx8YV3DqQpbTUZMT0d8MHwzMDAwLTAxLTVUMDc6Mjk6NjEuMTIzNDU2N1p8fFp8fGJaXV0NCgpwbGFpbiBsaW5lCg=="],
  [["cGxhaW4gbGluZQpbTUZMT0d8MHw5OTk5LTExLTVUMjM6OTo0MS4xMlp8XV18WmJdW01GTE9HfDB8CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafF10XXwwYV0NCnp6egpbTUZMT0d8MHzZotmg2aLZpi0wMi0gNSAyMzo1OTo0LjFafF18MGJdYV1iCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnxyfF18MDAwXXh8eQ==", "W01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8dHxhWnwwXcOpCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8cnVudGltZXxiYl1bTUZMT0d8MHw="], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 9999-11-05T23:09:41.120000", "w6kKeHx5Cg0KW01GTE9HfDB8CltNRkxPR3wwfNmi2aDZotmmLTAyLSA1IDIzOjU5OjQuMVp8XXwwYl1hXWIKCnBsYWluIGxpbmUKCnp6egoKW01GTE9HfDB8Cg=="],
  [["W01GTE9HfDB8MjAyNi0xLTMyVDA3OjYwOjU5LjEyWnxacnwwMDAwXcOpCltNRkxPR3wxfNmi2aDZotmmLTEtMjkgNzoyOTo2MC4xMjM0NTY3WnxaXXJdfGFhXTBdw6kK/yBiYWQKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHx8fHxaYnxdXWFdYgpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjFafFpaclp8fHx8XcOpCg==", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHxafGJaXXh8ecMoCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafHJ1bnRpbWV8MFphMF1tDQo=", ""], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "XWFdYgp4fHnDKAptDQrDqQpbTUZMT0d8MHwyMDI2LTEtMzJUMDc6NjA6NTkuMTJafFpyfDAwMDBdw6kKCltNRkxPR3wxfNmi2aDZotmmLTEtMjkgNzoyOTo2MC4xMjM0NTY3WnxaXXJdfGFhXTBdw6kKCv8gYmFkCgo="],
  [["W01GTE9HfDF8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHJ1bnRpbWV8Yl0NCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnx0YXNrfFowYWJdbQ0K", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnx0YXNrfF0wYmFd//4K/yBiYWQKYWFhCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxddHxaXTBdXWFdYgpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMlp8XXwwMHx8XWhlbGxvCltNRkxPR3wwfDAwMDEtMS01VDIzOjk6NC4xMjM0NTY3Wnx0XXwwMDAwXWhlbGxvCg=="], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "MF1dYV1iCmhlbGxvCm0NCv/+CltNRkxPR3wwfDAwMDEtMS01VDIzOjk6NC4xMjM0NTY3Wnx0XXwwMDAwXWhlbGxvCgpbTUZMT0d8MXwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8cnVudGltZXxiXQ0KCmFhYQoK/yBiYWQKCg=="],
  [["WyFbTUZMT0d8MXx4CnBsYWluIGxpbmUK", "W01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8fFpdYWJd//4KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHxdfF1hXWIKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafF1dWnxhXW0NCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMVp8dGFza3x8fF1afHEKW01GTE9HfDF8OTk5OS0xMy0yOVQyNDoyOTo1OS4xMjM0NTY3WnxadHxdCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafF1ydF18WmJhYV1bTUZMT0d8MHwK"], "2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "bQ0KYgpbTUZMT0d8MHwKWnxxClshW01GTE9HfDF8eAoKW01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8fFpdYWJd//4KCltNRkxPR3wxfDk5OTktMTMtMjlUMjQ6Mjk6NTkuMTIzNDU2N1p8WnR8XQoKcGxhaW4gbGluZQoK"],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnx0WnxifF1dXQpbTUZMT0d8MXwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8XVpdfHx8Wl1dWnxxCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnxafFpiWmFdYV1iCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafFp8fGJhWnxdbQ0K", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHRaWnx8fF1tDQpbTUZMT0d8MHwKW01GTE9HfDF8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHJadHwwYl1tDQpbIVtNRkxPR3wxfHgK"], "2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "YV1iCm0NCm0NCl1dClshW01GTE9HfDF8eAoKW01GTE9HfDB8CgpbTUZMT0d8MXwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8XVpdfHx8Wl1dWnxxCgpbTUZMT0d8MXwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMlp8clp0fDBiXW0NCgo="],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafF1yfF1dfGJdbQ0KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8fHwwYXxiXWFdYgpbIVtNRkxPR3wxfHgK", "W01GTE9HfDB8MjAyNi0xMy0zMlQwNzoyOTo2MS4zMjY4MzRafHJ0cnwwMDAwXVp8cQpbTUZMT0d8MHwK", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHRafHxiXV1bTUZMT0d8MHwKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8XXx8YV3DqQpbTUZMT0d8MHwyMDI2LTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxdfHxdfF0K"], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "fF0KXVtNRkxPR3wwfAp8Yl1tDQrDqQphXWIKWyFbTUZMT0d8MXx4CgpbTUZMT0d8MHwKCltNRkxPR3wwfDIwMjYtMTMtMzJUMDc6Mjk6NjEuMzI2ODM0WnxydHJ8MDAwMF1afHEKCg=="],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnx0XVpyfF18XVtNRkxPR3wwfMMoClshW01GTE9HfDF8eAphYWEK", "", "W01GTE9HfDB8MjAyNi0wLTMwVDI0Ojk6MNmjLjEyWnxdcnJyfGJiYXxdbQ0KW01GTE9HfDF8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8cnVudGltZXxifGJdCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafHx8YV0NCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafFp0cl18fGJafF1bTUZMT0d8MHwKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnxycl18YXxafF1bTUZMT0d8MHwK"], "2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "W01GTE9HfDB8Cg0KW01GTE9HfDB8CltNRkxPR3wwfMMoClshW01GTE9HfDF8eAoKW01GTE9HfDB8MjAyNi0wLTMwVDI0Ojk6MNmjLjEyWnxdcnJyfGJiYXxdbQ0KCltNRkxPR3wxfDIwMjYtMS0yN1QwNzozNDo1MC4wMDAwMDFafHJ1bnRpbWV8YnxiXQoKYWFhCgo="],
  [["W01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8cnVudGltZXxhYTB8XXh8eQp6enoKW01GTE9HfDF8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHRyXXx8YmJiYl1bTUZMT0d8MHwKWyFbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMVp8dGFza3xaXcOpCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnx8XV14fHkK", "cGxhaW4gbGluZQphYWEKWyFbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjFafHxaWnx8fF1dYV1iCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnx8cl18fF14fHnDKAo="], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "eHx5CsOpCnh8ecMoCl1hXWIKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHxdXXh8eQoKW01GTE9HfDF8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHRyXXx8YmJiYl1bTUZMT0d8MHwKCmFhYQoKcGxhaW4gbGluZQoKenp6Cgo="],
  [["W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8fF10fFphXcOpCltNRkxPR3wxfDIwMjYtMDItMzIgNzo5OjQxLjFafHwwMDAwXW0NCltNRkxPR3wwfNmi2aDZotmmLTExLSA1IDA3Ojk6NDEuMVp8dGFza3xiMHxdDQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMlp8fFpdfGF8Wl1dw6kKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4xWnxycnxdXTBdWnxxCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxacl18fGJiXVtNRkxPR3wwfAo=", "", "W01GTE9HfDB8OTk5OS0wMS0wMFQ3OjU5OjYxLjFafHRhc2t8MDBdbQ0="], "2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "W01GTE9HfDB8Cl3DqQrDqQowXVp8cQpbTUZMT0d8MHw5OTk5LTAxLTAwVDc6NTk6NjEuMVp8dGFza3wwMF1tDQpbTUZMT0d8MHzZotmg2aLZpi0xMS0gNSAwNzo5OjQxLjFafHRhc2t8YjB8XQ0KCltNRkxPR3wxfDIwMjYtMDItMzIgNzo5OjQxLjFafHwwMDAwXW0NCgo="],
  [["W01GTE9HfDB8MDAwMC0wLTI3IDc6Mjk6NTkuMDAwMDAwWnx0XV18WlpifF0NwygKWyFbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjFafF1yWl18YmJiYl3//g==", "W01GTE9HfDB8OTk5OS0xMS0yOXQyMzo2MDo2MC4xWnxaWnJ8XcOpCltNRkxPR3wwfDIwMjYtMTEtNVQyMzo5OjQuMzI2ODM0WnxydW50aW1lfGFaWl0NCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnxyclp8XV3//gpbTUZMT0d8MHw5OTk5LTEtMDBUMjQ6NTk6NC5afFpadHxhMF1dW01GTE9HfDB8CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafF1aclp8Ylpd//4K"], "2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.100000 2026-11-05T23:09:04.326834 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "//4K//4K//4KDQpbTUZMT0d8MHwwMDAwLTAtMjcgNzoyOTo1OS4wMDAwMDBafHRdXXxaWmJ8XQ3DKAoKW01GTE9HfDB8OTk5OS0xLTAwVDI0OjU5OjQuWnxaWnR8YTBdXVtNRkxPR3wwfAoKW01GTE9HfDB8OTk5OS0xMS0yOXQyMzo2MDo2MC4xWnxaWnJ8XcOpCgo="],
  [["W01GTE9HfDF8MzAwMC0xLTA1VDA3OjYwOjYxLjEyWnxdfF1tDQp6enoKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDFafHx8MDAwMF1afHEKW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8dGFza3xiWjBdCltNRkxPR3wxfDIwMjYtMTEtMzFUMjQ6NTk6NjEuWnxafGJdYmJdw6kKW01GTE9HfDB8MjAyNi0wMS0gNXQ3OjYwOjQxLjEyMzQ1NjdafF18WmJhXWhlbGxvCg==", "", "W01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8dHR0fHx8YVpd//4KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8cl18fHxdaGVsbG8K"], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "//4KWnxxCmhlbGxvCgpbTUZMT0d8MHwyMDI2LTAxLSA1dDc6NjA6NDEuMTIzNDU2N1p8XXxaYmFdaGVsbG8KCltNRkxPR3wxfDIwMjYtMTEtMzFUMjQ6NTk6NjEuWnxafGJdYmJdw6kKCltNRkxPR3wxfDMwMDAtMS0wNVQwNzo2MDo2MS4xMlp8XXxdbQ0KCnp6egoK"],
  [["", "YWFhCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnx0fGJiWmFdeHx5CltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxaXXR8fGJiYmJd//4K", "W01GTE9HfDB8Wnx0YXNrfGJdeHx5CnBsYWluIGxpbmUKW01GTE9HfDB82aLZoNmi2aYtMTMtNVQ3OjU5OjYwLlp8fHxafDAwMDBd//4KW01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMDJafHJ0cnxdfGJdaGVsbG8KW01GTE9HfDB8OTk5OS0xMS0zMSA3Ojk6MNmjLjEyMzQ1NjdafHJddHwwYl1tDQpbTUZMT0d8MHwyMDI2LTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnx8fDBdW01GTE9HfDB8Cg=="], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "W01GTE9HfDB8Cv/+CmhlbGxvCnh8eQpbTUZMT0d8MHw5OTk5LTExLTMxIDc6OTow2aMuMTIzNDU2N1p8cl10fDBiXW0NCgpbTUZMT0d8MHxafHRhc2t8Yl14fHkKCltNRkxPR3wwfNmi2aDZotmmLTEzLTVUNzo1OTo2MC5afHx8WnwwMDAwXf/+CgphYWEKCnBsYWluIGxpbmUKCg=="],
  [["", "W01GTE9HfDB8MzAwMC0xMS0zMVQyNDo1OTo1OS4wMDAwMDdafHRhc2t8MDAwMF0NCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAyWnx0dHJ8YmFdClshW01GTE9HfDB8MjAyNi0xLTI3VDA3OjM0OjUwLjAwMDAwMVp8fHxafGJiYmJdbQ0KW01GTE9HfDB82aLZoNmi2aYtMC0zMlQwNzo2MDo2MS4zMjY4MzRafF18YWFdw6nDKApbTUZMT0d8MHwwMDAxLTEtMDVUNzoyOTow2aMuMDAwMDA3WnxyfGF8fDBdCltNRkxPR3wxfDIwMjYtMS0yN1QwNzozNDo1MC4wMDAwMDFafHJdfHxhXVp8cQpbTUZMT0d8MHwyMDI2LTExLTI3VDA3OjM0OjUwLjAwMDAwMlp8fHJ8YWIwYV1tDQo="], "0001-01-05T07:29:03.000007 2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000002 2026-11-27T07:34:50.000002 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "Cm0NCgptDQpbTUZMT0d8MHwzMDAwLTExLTMxVDI0OjU5OjU5LjAwMDAwN1p8dGFza3wwMDAwXQ0KCltNRkxPR3wwfNmi2aDZotmmLTAtMzJUMDc6NjA6NjEuMzI2ODM0WnxdfGFhXcOpwygKCltNRkxPR3wxfDIwMjYtMS0yN1QwNzozNDo1MC4wMDAwMDFafHJdfHxhXVp8cQoK"],
  [["W01GTE9HfDB8MjAyNi0xMy0wNVQwNzo5OjYwLjAwMDAwMFp8dHx8XXh8eQo=", "W01GTE9HfDB8MjAwMS0xMS0zMnQ3OjYwOjQuMzI2ODM0WnxydW50aW1lfF1dbQ0KW01GTE9HfDF8MjAyNi0xLTAwVDI0Ojk6NjAuMVp8dGFza3wwXV3DqQpbTUZMT0d8MHwyMDI2LTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnxdXXR8fDBdCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDFafHJ1bnRpbWV8fHxdWnxxCltNRkxPR3wwfDIwMjYtMTEtMjdUMDc6MzQ6NTAuMDAwMDAxWnx0cnx0fGFhMF1oZWxsb8Mo", "W01GTE9HfDB8MjAyNi0xMS0yN1QwNzozNDo1MC4wMDAwMVp8cnJyfHxiYXxaXWhlbGxv"], "2026-01-27T07:34:50.000001 2026-11-27T07:34:50.000001 2026-11-27T07:34:50.000010 2026-11-27T07:34:50.000010 3000-01-01T00:00:00 3000-01-01T00:00:00 3000-01-01T00:00:00", "CmhlbGxvwygKaGVsbG8KWnxxCltNRkxPR3wwfDIwMDEtMTEtMzJ0Nzo2MDo0LjMyNjgzNFp8cnVudGltZXxdXW0NCgpbTUZMT0d8MHwyMDI2LTEzLTA1VDA3Ojk6NjAuMDAwMDAwWnx0fHxdeHx5CgpbTUZMT0d8MXwyMDI2LTEtMDBUMjQ6OTo2MC4xWnx0YXNrfDBdXcOpCgo="],
]
