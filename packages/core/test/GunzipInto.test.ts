/**
 * `Gunzip.gunzipInto` (the allocation-free gzip reader of `internal/inflate.ts`) and what is built on it:
 * `Cas.unpackInto`, `Datastore.openObject` (the storage's `open`, or its `stream` copied into the caller's
 * buffers) and `Artifact.writeTo`. Checked: any gzip `node:zlib` writes (every level and strategy) under any
 * read sizes gives the original bytes, as `Gunzip.portable` does; the chunks handed to `write` are views of
 * one reused window; corrupt input (random damage, truncation, trailing bytes, a bad trailer, hand-made
 * hostile DEFLATE) fails with a `CorruptBlob` naming the path, never a defect, and never succeeds where
 * `Gunzip.portable` or `node:zlib` would not give the same bytes; optional gzip header fields are skipped,
 * and the fields Python does not check (reserved flags, the header CRC) are ignored; `Artifact.writeTo`
 * writes `Artifact.bytes` for every artifact of the fixture runs through either way of opening an object.
 * (What follows a member, several members and padding: the gzip rule, in GzipRule.test.ts.)
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Context, Effect, Either, Exit, FastCheck, Layer, Option, Stream } from "effect"
import * as zlib from "node:zlib"
import { Artifact, Bytes, Cas, Datastore, Errors, Gunzip, MetadataProvider, Namespace } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { assertSameBytes, data, failuresOfDoctoredBlob, fixtures, forEachFixtureArtifact, sidecarCases, storeRaw, u32le, withDoctoredCopy, zooArtifact } from "./blobs.js"
import { cutAt } from "./pieces.js"

const concat = Bytes.concat

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

const strategies = {
  default: zlib.constants.Z_DEFAULT_STRATEGY,
  filtered: zlib.constants.Z_FILTERED,
  huffmanOnly: zlib.constants.Z_HUFFMAN_ONLY,
  rle: zlib.constants.Z_RLE,
  fixed: zlib.constants.Z_FIXED
} as const
type StrategyName = keyof typeof strategies

const gzip = (plain: Uint8Array, level = 6, strategy: StrategyName = "default") =>
  new Uint8Array(zlib.gzipSync(plain, { level, strategy: strategies[strategy] }))

/**
 * A `read` over `bytes`: each call fills a prefix of `into` of the next size from `sizes` (cycled; 0 means
 * all of `into`), at least one byte while input remains, 0 at the end. Fails the test on an empty `into`.
 */
const readerOf = (bytes: Uint8Array, sizes: ReadonlyArray<number> = [0]) => {
  let at = 0
  let k = 0
  return (into: Uint8Array): Effect.Effect<number> =>
    Effect.sync(() => {
      if (into.length === 0) assert.fail("read into an empty buffer")
      const want = sizes.length === 0 ? 0 : sizes[k++ % sizes.length]!
      const n = Math.min(want <= 0 ? into.length : want, into.length, bytes.length - at)
      into.set(bytes.subarray(at, at + n))
      at += n
      return n
    })
}

/** gunzipInto over `bytes`, each chunk copied: the bytes written, the count returned and the chunks seen. */
const gunzipAll = (bytes: Uint8Array, sizes: ReadonlyArray<number> = [0], where = "the/blob", maxBytes?: number) =>
  Effect.gen(function*() {
    const parts: Array<Uint8Array> = []
    const n = yield* Gunzip.gunzipInto(readerOf(bytes, sizes), (c) => Effect.sync(() => void parts.push(c.slice())), where, maxBytes)
    return { n, out: concat(parts), chunks: parts.length }
  })

/**
 * gunzipInto's outcome: the bytes, or the `CorruptBlob` it failed with (checked to name `where`); anything
 * else (a defect, an interruption, another error) fails the test.
 */
const outcome = (bytes: Uint8Array, sizes: ReadonlyArray<number> = [0], where = "the/blob", maxBytes?: number) =>
  Effect.map(Effect.exit(gunzipAll(bytes, sizes, where, maxBytes)), (exit): Either.Either<Uint8Array, Errors.CorruptBlob> => {
    if (Exit.isSuccess(exit)) {
      assert.strictEqual(exit.value.n, exit.value.out.length, "the count returned is the bytes written")
      return Either.right(exit.value.out)
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure) || Cause.isDie(exit.cause)) assert.fail(`not a typed failure: ${Cause.pretty(exit.cause)}`)
    assert.instanceOf(failure.value, Errors.CorruptBlob)
    assert.strictEqual(failure.value.path, where)
    return Either.left(failure.value)
  })

/** The reason gunzipInto fails with (the test fails if it succeeds). */
const reasonOf = (bytes: Uint8Array, sizes: ReadonlyArray<number> = [0], maxBytes?: number) =>
  Effect.map(outcome(bytes, sizes, "the/blob", maxBytes), (r) => {
    if (Either.isRight(r)) assert.fail(`succeeded with ${r.right.length} bytes`)
    return r.left.reason
  })

const zlibGunzip = (bytes: Uint8Array): Either.Either<Uint8Array, unknown> => {
  try {
    return Either.right(new Uint8Array(zlib.gunzipSync(bytes)))
  } catch (e) {
    return Either.left(e)
  }
}

/** The plainest gzip header: deflate, no flags, no mtime, unknown OS. */
const plainHeader = new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff])

/** Raw DEFLATE wrapped as one gzip member whose trailer is that of `plain`. */
const member = (deflate: Uint8Array, plain: Uint8Array, header: Uint8Array = plainHeader) =>
  concat([header, deflate, u32le(Gunzip.crc32(plain)), u32le(plain.length)])

/** Writes DEFLATE bit by bit (RFC 1951 §3.1.1): values least significant bit first, Huffman codes most significant first. */
class BitWriter {
  private readonly out: Array<number> = []
  private acc = 0
  private n = 0
  bits(value: number, count: number): this {
    for (let i = 0; i < count; i++) {
      this.acc |= ((value >>> i) & 1) << this.n
      if (++this.n === 8) this.flush()
    }
    return this
  }
  code(value: number, length: number): this {
    for (let i = length - 1; i >= 0; i--) this.bits((value >>> i) & 1, 1)
    return this
  }
  /** A literal/length symbol of the fixed Huffman code (§3.2.6). */
  lit(sym: number): this {
    return sym < 144
      ? this.code(0x30 + sym, 8)
      : sym < 256
      ? this.code(0x190 + sym - 144, 9)
      : sym < 280
      ? this.code(sym - 256, 7)
      : this.code(0xc0 + sym - 280, 8)
  }
  /** A distance symbol of the fixed code (5 bits). */
  dist(sym: number): this {
    return this.code(sym, 5)
  }
  /** A block header: BFINAL, then BTYPE. */
  block(final: boolean, type: number): this {
    return this.bits(final ? 1 : 0, 1).bits(type, 2)
  }
  /** A stored block: header, alignment, LEN, NLEN (given, or the complement), the bytes. */
  stored(final: boolean, bytes: Uint8Array, nlen = bytes.length ^ 0xffff): this {
    this.block(final, 0)
    if (this.n > 0) this.flush()
    this.out.push(bytes.length & 0xff, bytes.length >>> 8, nlen & 0xff, nlen >>> 8)
    for (const b of bytes) this.out.push(b)
    return this
  }
  raw(...bytes: Array<number>): this {
    if (this.n > 0) this.flush()
    this.out.push(...bytes)
    return this
  }
  finish(): Uint8Array {
    if (this.n > 0) this.flush()
    return new Uint8Array(this.out)
  }
  private flush() {
    this.out.push(this.acc)
    this.acc = 0
    this.n = 0
  }
}

/**
 * A final dynamic block whose only literal/length code is end-of-block, `eobLength` bits long (so an
 * incomplete code unless it is one bit), without distance codes, holding just that end-of-block.
 */
const eobOnlyDynamicBlock = (eobLength: 1 | 2) => {
  const w = new BitWriter().block(true, 2).bits(257 - 257, 5).bits(1 - 1, 5).bits(19 - 4, 4)
  // the code-length code: 18 is "0", 0 is "10", `eobLength` is "11"
  const clLengths = new Map([[18, 1], [0, 2], [eobLength, 2]])
  for (const sym of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]) w.bits(clLengths.get(sym) ?? 0, 3)
  w.code(0, 1).bits(138 - 11, 7).code(0, 1).bits(118 - 11, 7) // literals 0..255: no code
  w.code(3, 2) // end-of-block: `eobLength`
  w.code(2, 2) // the one distance: no code
  return w.code(0, eobLength).finish()
}

// ---------------------------------------------------------------------------------------------------

const dataArb = FastCheck.record({
  kind: FastCheck.constantFrom("random" as const, "text" as const, "runs" as const),
  size: FastCheck.oneof(FastCheck.integer({ min: 0, max: 300 }), FastCheck.integer({ min: 0, max: 300_000 })),
  seed: FastCheck.nat(),
  level: FastCheck.constantFrom(0, 1, 6, 9),
  strategy: FastCheck.constantFrom<StrategyName>("default", "filtered", "huffmanOnly", "rle", "fixed")
})

/** Read sizes, cycled: tiny, medium, beyond the reader's buffer, or 0 (all of `into`). */
const readsArb = FastCheck.array(
  FastCheck.oneof(
    FastCheck.integer({ min: 1, max: 16 }),
    FastCheck.integer({ min: 1, max: 5_000 }),
    FastCheck.integer({ min: 1, max: 300_000 }),
    FastCheck.constant(0)
  ),
  { minLength: 1, maxLength: 12 }
)

describe("Gunzip.gunzipInto", () => {
  it.effect.prop(
    "gives the original bytes for any level, strategy and read sizes, as Gunzip.portable does",
    [dataArb, readsArb],
    ([d, reads]) =>
      Effect.gen(function*() {
        const plain = data(d.kind, d.size, d.seed)
        const gz = gzip(plain, d.level, d.strategy)
        const { n, out } = yield* gunzipAll(gz, reads)
        assertSameBytes(out, plain, "gunzipInto vs input")
        assert.strictEqual(n, plain.length)
        assertSameBytes(out, Either.getOrThrow(Gunzip.portable.gunzip(gz, "b", Cas.defaultMaxBlobBytes)), "gunzipInto vs portable")
      }),
    { timeout: 60_000, fastCheck: { numRuns: 120 } }
  )

  it.effect("hands out views of one reused window: kept without copying, a large output is overwritten", () =>
    Effect.gen(function*() {
      const plain = concat([data("random", 400 * 1024, 5), data("text", 300 * 1024, 6)])
      const gz = gzip(plain)
      const views: Array<Uint8Array> = []
      const copies: Array<Uint8Array> = []
      const n = yield* Gunzip.gunzipInto(readerOf(gz, [10_000]), (c) =>
        Effect.sync(() => {
          views.push(c)
          copies.push(c.slice())
        }), "b")
      assert.strictEqual(n, plain.length)
      assertSameBytes(concat(copies), plain, "copied chunks")
      assert.isAtLeast(views.length, 3, "a multi-window output")
      const buffers = new Set(views.map((v) => v.buffer))
      assert.isBelow(buffers.size, views.length, "at least two views share their ArrayBuffer")
      assert.isFalse(sameBytes(concat(views), plain), "views kept without copying are overwritten")
    }))

  it.effect.prop(
    "corrupt input fails with a CorruptBlob naming the path, or gives the bytes Gunzip.portable and node:zlib give",
    [
      FastCheck.record({
        kind: FastCheck.constantFrom("random" as const, "text" as const, "runs" as const),
        size: FastCheck.oneof(FastCheck.integer({ min: 0, max: 200 }), FastCheck.integer({ min: 0, max: 40_000 })),
        seed: FastCheck.nat(),
        level: FastCheck.constantFrom(0, 1, 6, 9),
        strategy: FastCheck.constantFrom<StrategyName>("default", "filtered", "huffmanOnly", "rle", "fixed")
      }),
      FastCheck.oneof(
        FastCheck.record({
          op: FastCheck.constant("flip" as const),
          flips: FastCheck.array(FastCheck.record({ at: FastCheck.nat(), mask: FastCheck.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 6 })
        }),
        FastCheck.record({ op: FastCheck.constant("truncate" as const), at: FastCheck.nat() }),
        FastCheck.record({ op: FastCheck.constant("append" as const), extra: FastCheck.uint8Array({ minLength: 1, maxLength: 8 }) })
      ),
      readsArb
    ],
    ([d, m, reads]) =>
      Effect.gen(function*() {
        const gz = gzip(data(d.kind, d.size, d.seed), d.level, d.strategy)
        let bad: Uint8Array
        if (m.op === "flip") {
          bad = gz.slice()
          for (const f of m.flips) bad[f.at % bad.length] ^= f.mask
        } else if (m.op === "truncate") {
          bad = gz.subarray(0, m.at % gz.length)
        } else {
          bad = concat([gz, m.extra])
        }
        const got = yield* outcome(bad, reads, "the/blob")
        if (Either.isRight(got)) {
          const padding = m.op === "append" && m.extra.every((b) => b === 0)
          assert.isTrue(m.op === "flip" || padding, "truncated or extended input never succeeds, but for zero padding")
          const portable = Gunzip.portable.gunzip(bad, "the/blob", Cas.defaultMaxBlobBytes)
          if (Either.isLeft(portable)) assert.fail(`succeeded where Gunzip.portable failed: ${portable.left.reason}`)
          assertSameBytes(got.right, portable.right, "vs portable")
          const native = zlibGunzip(bad)
          if (Either.isRight(native)) assertSameBytes(got.right, native.right, "vs node:zlib")
          else if (!/^(unknown header flags set|header crc mismatch)$/.test(String((native.left as Error).message))) {
            // zlib checks two header fields that Python (and so ours) ignores; nothing else
            assert.fail(`succeeded where node:zlib failed: ${String(native.left)}`)
          }
        }
      }),
    { timeout: 60_000, fastCheck: { numRuns: 400 } }
  )

  describe("fails with the reason", () => {
    const plain = concat([data("text", 300_000, 7), data("random", 60_000, 8)])
    const gz = gzip(plain)
    const readSizes = [1, 2, 100, 5000, 0, 65_536, 3]

    it.effect("not gzip data: garbage, an empty or one-byte input", () =>
      Effect.gen(function*() {
        assert.strictEqual(yield* reasonOf(new TextEncoder().encode("hello, not gzip")), "not gzip data")
        assert.strictEqual(yield* reasonOf(new TextEncoder().encode("hello, not gzip"), [1]), "not gzip data")
        assert.strictEqual(yield* reasonOf(new Uint8Array(0)), "not gzip data")
        assert.strictEqual(yield* reasonOf(new Uint8Array([0x1f])), "not gzip data")
        assert.strictEqual(yield* reasonOf(new Uint8Array([0x1f, 0x8c, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0])), "not gzip data")
        const method = gz.slice()
        method[2] = 7
        assert.strictEqual(yield* reasonOf(method), "invalid gzip data: unknown compression method")
      }))

    it.effect("truncated gzip data: a ~100 KB blob cut at every 997th byte, and one byte short", () =>
      Effect.gen(function*() {
        assert.isAbove(gz.length, 80_000)
        for (let n = 997; n < gz.length; n += 997) {
          assert.strictEqual(yield* reasonOf(gz.subarray(0, n), readSizes), "truncated gzip data", `cut at ${n}`)
        }
        assert.strictEqual(yield* reasonOf(gz.subarray(0, gz.length - 1)), "truncated gzip data")
        assert.strictEqual(yield* reasonOf(gz.subarray(0, gz.length - 1), [1]), "truncated gzip data")
        assert.strictEqual(yield* reasonOf(gz.subarray(0, 2)), "truncated gzip data")
        assertSameBytes((yield* gunzipAll(gz, readSizes)).out, plain, "the whole blob")
        // the shortest member, cut by one byte (its last eight bytes are zeros, like the trailer of nothing)
        const empty = gzip(new Uint8Array(0))
        assert.strictEqual((yield* gunzipAll(empty)).n, 0)
        assert.strictEqual(yield* reasonOf(empty.subarray(0, empty.length - 1)), "truncated gzip data")
      }))

    it.effect("gzip checksum mismatch, after writing every byte", () =>
      Effect.gen(function*() {
        const bad = gz.slice()
        bad[bad.length - 8] ^= 0x01
        const parts: Array<Uint8Array> = []
        const err = yield* Gunzip.gunzipInto(readerOf(bad, readSizes), (c) => Effect.sync(() => void parts.push(c.slice())), "the/blob")
          .pipe(Effect.flip)
        assert.deepInclude(err, { _tag: "CorruptBlob", path: "the/blob", reason: "gzip checksum mismatch" })
        assertSameBytes(concat(parts), plain, "written before the failure")
      }))

    it.effect("truncated gzip data (…): a tampered ISIZE", () =>
      Effect.gen(function*() {
        const bad = gz.slice()
        bad[bad.length - 4] ^= 0x01
        const reason = yield* reasonOf(bad, readSizes)
        assert.isTrue(reason.startsWith("truncated gzip data ("), reason)
        assert.strictEqual(reason, `truncated gzip data (${plain.length} bytes, trailer says ${plain.length ^ 1})`)
      }))

    it.effect("invalid gzip data: bytes after the gzip member, unless zero padding or another member (Python's rule)", () =>
      Effect.gen(function*() {
        const after = "invalid gzip data: bytes after the gzip member"
        assert.strictEqual(yield* reasonOf(concat([gz, new Uint8Array([1, 2, 3])]), readSizes), after)
        assert.strictEqual(yield* reasonOf(concat([gz, new Uint8Array([0, 0, 9])]), readSizes), after)
        const small = gzip(data("text", 50, 1))
        assert.strictEqual(yield* reasonOf(concat([small, new Uint8Array(30).fill(0x41)])), after)
        // across the reader's 64 KiB input buffer: padding, then a member
        const padded = concat([gz, new Uint8Array(200_000), small])
        for (const sizes of [[0], readSizes]) {
          assertSameBytes((yield* gunzipAll(padded, sizes)).out, concat([plain, data("text", 50, 1)]), `reads of ${sizes.join(",")}`)
        }
      }))

    it.effect("unpacked size exceeds the limit of N bytes", () =>
      Effect.gen(function*() {
        assert.strictEqual(yield* reasonOf(gz, [0], 50_000), "unpacked size exceeds the limit of 50000 bytes")
        assert.strictEqual(yield* reasonOf(gz, [0], plain.length - 1), `unpacked size exceeds the limit of ${plain.length - 1} bytes`)
        assertSameBytes((yield* gunzipAll(gz, [0], "b", plain.length)).out, plain, "exactly at the limit")
        // a bomb lying about its size: 64 MiB of zeros declaring 10 bytes stops at the limit
        const bomb = gzip(new Uint8Array(64 * 1024 * 1024), 9)
        bomb.set(u32le(10), bomb.length - 4)
        assert.strictEqual(yield* reasonOf(bomb, [0], 1_000_000), "unpacked size exceeds the limit of 1000000 bytes")
      }))

    /** Hand-made DEFLATE: the reason expected from gunzipInto; node:zlib and Gunzip.portable refuse it too. */
    const hostile: ReadonlyArray<readonly [string, Uint8Array, string]> = [
      ["a block of type 3", new BitWriter().block(true, 3).raw(0, 0, 0, 0).finish(), "invalid gzip data: invalid block type"],
      [
        "a stored block whose NLEN is not LEN's complement",
        new BitWriter().stored(true, new Uint8Array([1, 2, 3]), 0x1234).finish(),
        "invalid gzip data: invalid stored block lengths"
      ],
      [
        "a fixed block whose first symbol is a match",
        new BitWriter().block(true, 1).lit(257).dist(0).lit(256).finish(),
        "invalid gzip data: invalid distance too far back"
      ],
      [
        "a match of distance 2 after one literal",
        new BitWriter().block(true, 1).lit(97).lit(257).dist(1).lit(256).finish(),
        "invalid gzip data: invalid distance too far back"
      ],
      [
        "a fixed-code length symbol 286",
        new BitWriter().block(true, 1).lit(97).lit(286).dist(0).lit(256).finish(),
        "invalid gzip data: invalid literal/length code"
      ],
      [
        "a fixed-code distance symbol 30",
        new BitWriter().block(true, 1).lit(97).lit(257).dist(30).lit(256).finish(),
        "invalid gzip data: invalid distance code"
      ],
      [
        "an incomplete literal/length code (a lone two-bit end-of-block)",
        eobOnlyDynamicBlock(2),
        "invalid gzip data: invalid literal/lengths set"
      ],
      [
        "a dynamic block declaring 287 literal/length codes",
        new BitWriter().block(true, 2).bits(30, 5).bits(0, 5).bits(0, 4).raw(0, 0, 0, 0, 0, 0, 0, 0).finish(),
        "invalid gzip data: too many length or distance symbols"
      ]
    ]
    for (const [name, deflate, reason] of hostile) {
      it.effect(`${reason}: ${name}`, () =>
        Effect.gen(function*() {
          const gz = member(deflate, new TextEncoder().encode("aaaa"))
          assert.strictEqual(yield* reasonOf(gz), reason)
          assert.strictEqual(yield* reasonOf(gz, [1]), reason, "read byte by byte")
          assert.isTrue(Either.isLeft(zlibGunzip(gz)), "node:zlib refuses it too")
          assert.isTrue(Either.isLeft(Gunzip.portable.gunzip(gz, "b", Cas.defaultMaxBlobBytes)), "Gunzip.portable refuses it too")
        }))
    }

    it.effect("(the bit writer above makes valid DEFLATE: fixed, stored, and dynamic with a lone one-bit code)", () =>
      Effect.gen(function*() {
        const plain4 = new TextEncoder().encode("aaaa")
        const gz = member(new BitWriter().block(true, 1).lit(97).lit(257).dist(0).lit(256).finish(), plain4)
        assertSameBytes((yield* gunzipAll(gz, [1])).out, plain4)
        assertSameBytes(Either.getOrThrow(zlibGunzip(gz)), plain4)
        const stored = member(new BitWriter().stored(true, plain4).finish(), plain4)
        assertSameBytes((yield* gunzipAll(stored)).out, plain4)
        assertSameBytes(Either.getOrThrow(zlibGunzip(stored)), plain4)
        // a lone one-bit code is the one incomplete code allowed, as in zlib
        const oneBit = member(eobOnlyDynamicBlock(1), new Uint8Array(0))
        assert.strictEqual((yield* gunzipAll(oneBit, [1])).n, 0)
        assert.strictEqual(Either.getOrThrow(zlibGunzip(oneBit)).length, 0)
      }))
  })

  it.effect("matches reaching the full 32 KiB back, across the slides of its output window", () =>
    Effect.gen(function*() {
      // stored blocks up to just short of the window's end, then matches of distance 32768 (code 29 + 8191)
      const w = new BitWriter()
      const prefix = data("random", 288 * 1024 - 1000, 11)
      for (let at = 0; at < prefix.length; at += 65_535) w.stored(false, prefix.subarray(at, Math.min(prefix.length, at + 65_535)))
      w.block(true, 1)
      const matches = 2000
      for (let i = 0; i < matches; i++) w.lit(285).dist(29).bits(8191, 13) // length 258, distance 32768
      w.lit(256)
      const deflate = w.finish()
      const expected = new Uint8Array(prefix.length + matches * 258)
      expected.set(prefix)
      for (let i = prefix.length; i < expected.length; i++) expected[i] = expected[i - 32768]!
      const gz = member(deflate, expected)
      assertSameBytes(Either.getOrThrow(zlibGunzip(gz)), expected, "node:zlib")
      for (const sizes of [[0], [1, 7, 300], [65_536]]) {
        assertSameBytes((yield* gunzipAll(gz, sizes)).out, expected, `reads of ${sizes.join(",")}`)
      }
    }))

  describe("gzip header fields", () => {
    const plain = data("text", 70_000, 21)
    const deflate = new Uint8Array(zlib.deflateRawSync(plain))
    const fullHeader = (nameBytes: number) => {
      const enc = new TextEncoder()
      const extra = new Uint8Array(300).map((_, i) => (i * 7) & 0xff)
      const head = concat([
        new Uint8Array([0x1f, 0x8b, 0x08, 0x1e, 1, 2, 3, 4, 0x02, 0x03]), // FEXTRA | FNAME | FCOMMENT | FHCRC
        new Uint8Array([extra.length & 0xff, extra.length >>> 8]),
        extra,
        nameBytes > 0 ? new Uint8Array(nameBytes).fill(0x6e) : enc.encode("artifact.pickle"),
        new Uint8Array([0]),
        enc.encode("a comment, with a \u00e9"),
        new Uint8Array([0])
      ])
      const hcrc = Gunzip.crc32(head) & 0xffff
      return concat([head, new Uint8Array([hcrc & 0xff, hcrc >>> 8])])
    }

    it.effect("FEXTRA, FNAME, FCOMMENT and FHCRC are skipped, under any read sizes", () =>
      Effect.gen(function*() {
        const gz = member(deflate, plain, fullHeader(0))
        assertSameBytes(Either.getOrThrow(zlibGunzip(gz)), plain, "node:zlib (which checks the header CRC)")
        assertSameBytes(Either.getOrThrow(Gunzip.portable.gunzip(gz, "b", Cas.defaultMaxBlobBytes)), plain, "portable")
        for (const sizes of [[0], [1], [3, 11, 1, 400], [9, 10, 11]]) {
          const { n, out } = yield* gunzipAll(gz, sizes)
          assertSameBytes(out, plain, `reads of ${sizes.join(",")}`)
          assert.strictEqual(n, plain.length)
        }
      }))

    it.effect("a wrong header CRC (FHCRC) is skipped, as Python does (node:zlib refuses it)", () =>
      Effect.gen(function*() {
        const header = fullHeader(0)
        header[header.length - 1] ^= 0x40
        const gz = member(deflate, plain, header)
        assert.isTrue(Either.isLeft(zlibGunzip(gz)), "node:zlib refuses it")
        for (const sizes of [[0], [1], [11, 3]]) assertSameBytes((yield* gunzipAll(gz, sizes)).out, plain, `reads of ${sizes.join(",")}`)
      }))

    it.effect("a header longer than the reader's input buffer (a 300 KB file name)", () =>
      Effect.gen(function*() {
        const gz = member(deflate, plain, fullHeader(300_000))
        assertSameBytes(Either.getOrThrow(zlibGunzip(gz)), plain, "node:zlib")
        assertSameBytes((yield* gunzipAll(gz, [0])).out, plain)
        assertSameBytes((yield* gunzipAll(gz, [4096, 1])).out, plain)
      }))

    it.effect("a header cut anywhere is truncated gzip data", () =>
      Effect.gen(function*() {
        const header = fullHeader(0)
        const gz = member(deflate, plain, header)
        for (let n = 2; n <= header.length + 1; n++) {
          assert.strictEqual(yield* reasonOf(gz.subarray(0, n)), "truncated gzip data", `cut at ${n}`)
        }
      }))

    it.effect("reserved flag bits are ignored, as Python does (node:zlib refuses them)", () =>
      Effect.gen(function*() {
        for (const flag of [0x20, 0x40, 0x80, 0xe0, 0x01]) {
          const gz = member(deflate, plain)
          gz[3] = flag
          if (flag !== 0x01) assert.isTrue(Either.isLeft(zlibGunzip(gz)), `node:zlib refuses flags ${flag}`)
          assertSameBytes((yield* gunzipAll(gz, [1, 9])).out, plain, `flags ${flag}`)
        }
      }))
  })
})

// ---------------------------------------------------------------------------------------------------

/** A storage that only streams (every other operation is a defect): what `openObject` adapts. */
const streamOnly = (stream: (key: string) => Stream.Stream<Uint8Array, Errors.StorageError>): Datastore.Storage => ({
  dsType: "test",
  read: () => Effect.die("read: not in this test"),
  readWithSidecar: () => Effect.die("readWithSidecar: not in this test"),
  size: () => Effect.die("size: not in this test"),
  stream: (_root, key) => stream(key),
  readUrl: () => Effect.die("readUrl: not in this test")
})

/** Reads `reader` to its end, into buffers of the given sizes (cycled); then checks it keeps answering 0. */
const readToEnd = (reader: Datastore.ObjectReader, intoSizes: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const parts: Array<Uint8Array> = []
    for (let k = 0; ; k++) {
      const into = new Uint8Array(intoSizes[k % intoSizes.length]!).fill(0xee)
      const n = yield* reader.read(into)
      assert.isAtMost(n, into.length)
      if (n === 0) break
      parts.push(into.slice(0, n))
      assert.isTrue(into.subarray(n).every((b) => b === 0xee), "nothing written beyond the count")
    }
    for (let i = 0; i < 3; i++) assert.strictEqual(yield* reader.read(new Uint8Array(10)), 0, "0 again after the end")
    return concat(parts)
  })

describe("Datastore.openObject", () => {
  it.effect.prop(
    "over a storage without open: a stream of assorted chunks (empty ones too) read into assorted buffers gives its bytes, then 0",
    [
      FastCheck.uint8Array({ maxLength: 3000, size: "max" }),
      FastCheck.array(FastCheck.nat(), { maxLength: 30 }),
      FastCheck.array(FastCheck.nat({ max: 4 }), { maxLength: 30 }),
      FastCheck.array(FastCheck.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 10 })
    ],
    ([bytes, cuts, grouping, intoSizes]) =>
      Effect.gen(function*() {
        // pieces (empty ones where a cut repeats an offset), grouped into Stream chunks of 0..4 pieces
        const pieces = cutAt(bytes, cuts)
        pieces.splice(Math.min(1, pieces.length), 0, new Uint8Array(0))
        // (a group size of 0 is an empty Stream chunk, followed by a group of one piece)
        const groups: Array<Chunk.Chunk<Uint8Array>> = []
        for (let i = 0, g = 0; i < pieces.length; g++) {
          let size = grouping.length === 0 ? 1 : grouping[g % grouping.length]!
          if (size === 0) {
            groups.push(Chunk.empty())
            size = 1
          }
          groups.push(Chunk.fromIterable(pieces.slice(i, i + size)))
          i += size
        }
        const storage = streamOnly(() => Stream.fromChunks(...groups))
        assert.isUndefined(storage.open)
        const got = yield* Effect.scoped(Effect.flatMap(Datastore.openObject(storage, "root", "key"), (r) => readToEnd(r, intoSizes)))
        assertSameBytes(got, concat(groups.flatMap((g) => Chunk.toReadonlyArray(g))))
        assertSameBytes(got, bytes)
      }),
    { fastCheck: { numRuns: 200 } }
  )

  it.effect("over a storage without open: deterministic chunking, and a failing stream fails the read", () =>
    Effect.gen(function*() {
      const bytes = data("random", 10_000, 3)
      const storage = streamOnly(() =>
        Stream.fromChunks(
          Chunk.make(bytes.subarray(0, 0), bytes.subarray(0, 1)),
          Chunk.empty(),
          Chunk.make(bytes.subarray(1, 4000)),
          Chunk.make(bytes.subarray(4000, 4000), bytes.subarray(4000, 9999), bytes.subarray(9999))
        )
      )
      for (const sizes of [[1], [3, 5000], [10_000], [20_000], [7, 1, 4096]]) {
        const got = yield* Effect.scoped(Effect.flatMap(Datastore.openObject(storage, "r", "k"), (r) => readToEnd(r, sizes)))
        assertSameBytes(got, bytes, `into ${sizes.join(",")}`)
      }
      const failing = streamOnly((key) =>
        Stream.concat(Stream.make(bytes.subarray(0, 100)), Stream.fail(new Errors.BackendError({ target: key, reason: "gone", status: 404 })))
      )
      const err = yield* Effect.scoped(Effect.gen(function*() {
        const r = yield* Datastore.openObject(failing, "r", "k")
        assert.strictEqual(yield* r.read(new Uint8Array(1000)), 100)
        return yield* r.read(new Uint8Array(1000))
      })).pipe(Effect.flip)
      assert.deepInclude(err, { _tag: "BackendError", target: "k", status: 404 })
    }))

  it.effect("uses the storage's own open where there is one", () =>
    Effect.gen(function*() {
      let opened = 0
      const storage: Datastore.Storage = {
        ...streamOnly(() => Stream.die("stream: not used where open exists")),
        open: (_root, key) =>
          Effect.sync(() => {
            opened++
            return { read: readerOf(new TextEncoder().encode(key)) }
          })
      }
      const got = yield* Effect.scoped(Effect.flatMap(Datastore.openObject(storage, "r", "the-key"), (r) => readToEnd(r, [2])))
      assert.strictEqual(new TextDecoder().decode(got), "the-key")
      assert.strictEqual(opened, 1)
    }))
})

describe("Cas.unpackInto", () => {
  it.effect("decides raw or gzip from the sidecar as Cas.unpack does; raw blobs are copied as stored", () =>
    Effect.gen(function*() {
      const text = data("text", 600_000, 3)
      const gz = gzip(text)
      for (const sidecar of sidecarCases) {
        for (const bytes of [gz, text]) {
          const whole = Cas.unpack({ bytes, sidecar }, "p", { maxBytes: Infinity })
          const parts: Array<Uint8Array> = []
          const into = yield* Effect.either(
            Cas.unpackInto({ read: readerOf(bytes, [1000, 0, 77]) }, sidecar, "p", (c) => Effect.sync(() => void parts.push(c.slice())))
          )
          const label = `${Option.getOrElse(sidecar, () => "no sidecar")}, ${bytes === gz ? "gzip" : "plain"} bytes`
          if (Either.isRight(whole)) {
            if (Either.isLeft(into)) assert.fail(`${label}: failed where Cas.unpack did not: ${into.left.message}`)
            assertSameBytes(concat(parts), whole.right, label)
            assert.strictEqual(into.right, whole.right.length, label)
          } else {
            if (Either.isRight(into)) assert.fail(`${label}: succeeded where Cas.unpack failed`)
            assert.deepStrictEqual(into.left, whole.left, label)
          }
        }
      }
      const forced: Array<Uint8Array> = []
      const n = yield* Cas.unpackInto({ read: readerOf(gz) }, Option.none(), "p", (c) => Effect.sync(() => void forced.push(c.slice())), {
        forceRaw: true
      })
      assert.strictEqual(n, gz.length)
      assertSameBytes(concat(forced), gz, "forceRaw")
      const limited = yield* Cas.unpackInto({ read: readerOf(gz) }, Option.none(), "p", () => Effect.void, { maxBytes: 1000 }).pipe(Effect.flip)
      assert.deepInclude(limited, { _tag: "CorruptBlob", reason: "unpacked size exceeds the limit of 1000 bytes" })
    }))
})

// ---------------------------------------------------------------------------------------------------

/** How often the storage was asked to open or stream an object. */
interface Calls {
  open: number
  stream: number
}

/**
 * The local provider over `root` (FileSystem reads), its storage wrapped to count `open` and `stream`
 * calls, with or without its `open`.
 */
const localLayer = (root: string, withOpen: boolean, calls: Calls) =>
  Layer.effectContext(Effect.map(LocalProvider.make({ root }), ({ metadata, storage }) => {
    const { open, ...rest } = storage
    assert.isDefined(open, "LocalStorage has open")
    const counted: Datastore.Storage = {
      ...rest,
      stream: (r, key) => Stream.suspend(() => (calls.stream++, rest.stream(r, key)))
    }
    const wrapped: Datastore.Storage = withOpen && open !== undefined
      ? { ...counted, open: (r, key) => Effect.suspend(() => (calls.open++, open(r, key))) }
      : counted
    return Context.make(MetadataProvider.MetadataProvider, metadata).pipe(Context.add(Datastore.LocalStorage, wrapped))
  })).pipe(Layer.provideMerge(NodeContext.layer))

describe.each([["LocalStorage.open", true], ["the stream adapter (a storage without open)", false]] as const)(
  "Artifact.writeTo through %s",
  (_name, withOpen) => {
    it.effect("writes Artifact.bytes for every artifact of the fixture tasks", () => {
      const calls: Calls = { open: 0, stream: 0 }
      return Effect.gen(function*() {
        assert.strictEqual((yield* Datastore.LocalStorage).open === undefined, !withOpen)
        let compared = 0
        let multiChunk = 0
        yield* forEachFixtureArtifact((a) =>
          Effect.gen(function*() {
            const whole = yield* Artifact.bytes(a)
            const before = { ...calls }
            const parts: Array<Uint8Array> = []
            const n = yield* Artifact.writeTo(a, (c) => Effect.sync(() => void parts.push(c.slice())))
            assertSameBytes(concat(parts), whole, a.pathspec)
            assert.strictEqual(n, whole.length, a.pathspec)
            if (withOpen) assert.deepStrictEqual(calls, { open: before.open + 1, stream: before.stream }, a.pathspec)
            else assert.deepStrictEqual(calls, { open: 0, stream: before.stream + 1 }, a.pathspec)
            if (parts.length > 1) multiChunk++
            compared++
          }))
        assert.isAbove(compared, 500)
        assert.isAbove(multiChunk, 0)
      }).pipe(Namespace.withNamespace(null), Effect.provide(localLayer(fixtures, withOpen, calls)))
    }, 120_000)

    describe("on a copied datastore with doctored blobs", () => {
      const pathspecOf = zooArtifact
      const withCopy = <A, E>(body: (blobOf: (sha: string) => string) => Effect.Effect<A, E, any>) =>
        withDoctoredCopy((dir) => localLayer(dir, withOpen, { open: 0, stream: 0 }), body)

      it.effect("writes a raw (cas_raw) blob as stored", () =>
        withCopy((blobOf) =>
          Effect.gen(function*() {
            const a = yield* Artifact.get(pathspecOf("large_bytes"))
            const pickle = yield* Artifact.bytes(a)
            storeRaw(blobOf, a.record.sha, pickle)
            const parts: Array<Uint8Array> = []
            const n = yield* Artifact.writeTo(a, (c) => Effect.sync(() => void parts.push(c.slice())))
            assert.strictEqual(n, pickle.length)
            assertSameBytes(concat(parts), pickle)
          })), 60_000)

      it.effect("fails with CorruptBlob on a truncated blob, a bad CRC, and a missing blob", () =>
        withCopy((blobOf) =>
          Effect.gen(function*() {
            const big = yield* Artifact.get(pathspecOf("large_bytes"))
            const { truncated, mismatch, missing } = yield* failuresOfDoctoredBlob(blobOf, big.record.sha, Artifact.writeTo(big, () => Effect.void))
            assert.deepInclude(truncated, { _tag: "CorruptBlob", reason: "truncated gzip data" })
            assert.include(truncated.message, big.record.sha)
            assert.deepInclude(mismatch, { _tag: "CorruptBlob", reason: "gzip checksum mismatch" })
            // (not deepInclude: given the BackendError that comes instead, chai overflowed the stack)
            assert.strictEqual(missing._tag === "CorruptBlob" ? missing.reason : `${missing._tag}: ${missing.message}`, "blob is missing")
            assert.include(missing.message, big.record.sha)
          })), 60_000)
    })
  }
)
