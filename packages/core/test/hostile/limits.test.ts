/**
 * Every resource limit triggers its typed error: the pickle decoder's `Limits` (nesting depth, decoded
 * bytes, memo entries, container length), mflog's `MergeOptions` (line length, total log size; also through
 * `Logs.loglines` on a real task) and the CAS unpacker's `maxBytes` (declared gzip size). The defaults are
 * checked so that the README's table stays true.
 */
import * as zlib from "node:zlib"
import { describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { Cas, Logs, Mflog, Pickle, Task } from "@metaflow-client/core"
import { failureOf, runLocal, tempCorpus } from "./support.js"

const pickleError = (bytes: Uint8Array, options?: Pickle.Options) => {
  try {
    Pickle.decodeSync(bytes, options)
  } catch (e) {
    if (e instanceof Pickle.PickleError) return e
    throw e
  }
  return undefined
}

/** `[[[...]]]` nested n deep, protocol 2. */
const nestedLists = (n: number) => Uint8Array.from([0x80, 2, ...Array(n).fill(0x5d), ...Array(n - 1).fill(0x61), 0x2e])
/** A list of n Nones: EMPTY_LIST MARK None*n APPENDS. */
const longList = (n: number) => Uint8Array.from([0x80, 2, 0x5d, 0x28, ...Array(n).fill(0x4e), 0x65, 0x2e])
/** A str of n bytes. */
const bigStr = (n: number) => Uint8Array.from([0x80, 2, 0x58, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, 0, ...Array(n).fill(0x61), 0x2e])
/** n memoized Nones: (None MEMOIZE POP)*n, then None. */
const manyMemo = (n: number) => Uint8Array.from([0x80, 4, ...Array.from({ length: n }, () => [0x4e, 0x94, 0x30]).flat(), 0x4e, 0x2e])

describe("defaults", () => {
  it("are the documented values", () => {
    expect(Pickle.defaultLimits).toEqual({ maxDepth: 10_000, maxBytes: 1024 ** 3, maxMemo: 16 * 1024 * 1024, maxContainerLength: 50_000_000 })
    expect(Mflog.DEFAULT_MAX_LINE_BYTES).toBe(1024 * 1024)
    expect(Mflog.DEFAULT_MAX_TOTAL_BYTES).toBe(256 * 1024 * 1024)
    expect(Cas.defaultMaxBlobBytes).toBe(1024 ** 3)
  })
})

describe("Pickle.Limits", () => {
  it("maxDepth: nesting deeper than the limit is LimitExceeded, at the limit decodes", () => {
    expect(pickleError(nestedLists(50), { maxDepth: 50 })).toBeUndefined()
    expect(pickleError(nestedLists(51), { maxDepth: 50 })?.reason).toBe("LimitExceeded")
  })

  it("maxDepth default: 100,000 nested lists fail typed, without a stack overflow", () => {
    expect(pickleError(nestedLists(100_000))?.reason).toBe("LimitExceeded")
  })

  it("maxBytes: a str larger than the limit is LimitExceeded", () => {
    expect(pickleError(bigStr(1000), { maxBytes: 10_000 })).toBeUndefined()
    expect(pickleError(bigStr(20_000), { maxBytes: 10_000 })?.reason).toBe("LimitExceeded")
  })

  it("maxBytes: a declared length beyond the input is Truncated or LimitExceeded, never an allocation", () => {
    const lie = Uint8Array.from([0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x2e]) // BINBYTES8 of 2^48-1 bytes
    expect(["Truncated", "LimitExceeded"]).toContain(pickleError(lie)?.reason)
  })

  it("maxMemo: more memo entries than the limit is LimitExceeded", () => {
    expect(pickleError(manyMemo(100), { maxMemo: 100 })).toBeUndefined()
    expect(pickleError(manyMemo(101), { maxMemo: 100 })?.reason).toBe("LimitExceeded")
  })

  it("maxContainerLength: a longer list is LimitExceeded", () => {
    // the VM stack counts too: the list, its MARK'ed items
    expect(pickleError(longList(90), { maxContainerLength: 100 })).toBeUndefined()
    expect(pickleError(longList(150), { maxContainerLength: 100 })?.reason).toBe("LimitExceeded")
  })

  it("Pickle.decode (Effect) fails with the same typed error", () => {
    const exit = Effect.runSyncExit(Pickle.decode(nestedLists(20), { maxDepth: 5 }))
    const err = failureOf(exit)
    expect(err?._tag).toBe("PickleError")
    expect((err as Pickle.PickleError).reason).toBe("LimitExceeded")
  })
})

describe("Mflog.MergeOptions", () => {
  const line = (msg: string) => new TextEncoder().encode(`[MFLOG|0|2026-11-27T08:00:00.000000Z|task|id]${msg}\n`)

  it("maxLineBytes: a longer line is LineTooLong naming source and line", () => {
    const src = Uint8Array.from([...line("short"), ...line("x".repeat(200))])
    const r = Mflog.mergeLogs([new Uint8Array(), src], { maxLineBytes: 100 })
    expect(Either.isLeft(r) && r.left).toMatchObject({ _tag: "MflogError", reason: "LineTooLong", sourceIndex: 1, lineNumber: 2 })
    expect(Either.isRight(Mflog.mergeLogs([src], { maxLineBytes: 1000 }))).toBe(true)
  })

  it("maxTotalBytes: larger sources are LogTooLarge", () => {
    const src = line("y".repeat(100))
    const r = Mflog.mergeLogs([src, src], { maxTotalBytes: src.length * 2 - 1 })
    expect(Either.isLeft(r) && r.left).toMatchObject({ _tag: "MflogError", reason: "LogTooLarge", size: src.length * 2 })
    expect(Either.isRight(Mflog.mergeLogs([src, src], { maxTotalBytes: src.length * 2 }))).toBe(true)
  })

  it("default line limit: a 2 MiB line is LineTooLong", () => {
    const r = Mflog.mergeLogs([line("z".repeat(2 * 1024 * 1024))])
    expect(Either.isLeft(r) && r.left.reason).toBe("LineTooLong")
  })

  it("Logs.loglines passes the options: a real task's log fails typed with tiny limits", async () => {
    const t = tempCorpus(["LogsFlow"])
    try {
      const program = Effect.gen(function*() {
        const flowRuns = (yield* Effect.promise(() => import("node:fs"))).readdirSync(`${t.root}/LogsFlow`).filter((n) => /^\d+$/.test(n))
        const task = yield* Task.get(`LogsFlow/${flowRuns[0]}/start/1`).pipe(Effect.orElse(() => Task.get(`LogsFlow/${flowRuns[0]}/start/2`)))
        return yield* Logs.loglines(task, "stdout", { maxTotalBytes: 10 })
      })
      const err = failureOf(await runLocal(t.base, program))
      expect(err?._tag).toBe("MflogError")
    } finally {
      t.remove()
    }
  })
})

describe("Cas maxBytes", () => {
  it("a blob declaring more than maxBytes is refused before inflating (CorruptBlob)", () => {
    const gz = new Uint8Array(zlib.gzipSync(new Uint8Array(10_000)))
    const r = Cas.gunzip(gz, "F/data/ab/x", 1000)
    expect(Either.isLeft(r) && r.left).toMatchObject({ _tag: "CorruptBlob", path: "F/data/ab/x" })
    expect(Either.isLeft(r) && r.left.message).toContain("exceeds the limit of 1000 bytes")
    expect(Either.isRight(Cas.gunzip(gz, "F/data/ab/x", 10_000))).toBe(true)
  })

  it("Cas.unpack honours maxBytes", () => {
    const gz = new Uint8Array(zlib.gzipSync(new Uint8Array(5000)))
    const r = Cas.unpack({ bytes: gz, sidecar: { _tag: "None" } as never }, "p", { maxBytes: 100 })
    expect(Either.isLeft(r) && r.left._tag).toBe("CorruptBlob")
  })

  // Found in review of an early version (on fflate's gunzipSync, which sized its output from the trailer's
  // ISIZE): a blob whose ISIZE is smaller than its real content came back silently TRUNCATED to ISIZE
  // bytes, its CRC-32 unchecked: gzip("hello world, ...") with ISIZE patched to 5 → Right("hello").
  it("a blob whose gzip trailer lies about its size fails typed (CorruptBlob), not with a truncated value", () => {
    const gz = new Uint8Array(zlib.gzipSync(new TextEncoder().encode("hello world, this is the real content of the blob")))
    gz.set([5, 0, 0, 0], gz.length - 4) // ISIZE says 5 bytes
    const r = Cas.gunzip(gz, "F/data/ab/x", 1000)
    expect(Either.isLeft(r) && r.left._tag).toBe("CorruptBlob")
  })

  it("a blob whose gzip trailer claims MORE than its content fails typed", () => {
    const gz = new Uint8Array(zlib.gzipSync(new Uint8Array(1000)))
    gz.set([0, 0, 1, 0], gz.length - 4) // ISIZE says 65536 bytes
    const r = Cas.gunzip(gz, "F/data/ab/x")
    expect(Either.isLeft(r) && r.left._tag).toBe("CorruptBlob")
  })
})
