/**
 * The gzip rule every gunzip of this project follows, as cases: what Metaflow's own reader (Python's
 * `gzip.GzipFile`, the content-addressed store's `_unpack_v1`) makes of several members, zero padding,
 * bytes after a member, members that reach back past their start, and the header fields Python does not
 * check. Each case states the rule's answer (the bytes, computed from the plain inputs, or our reason);
 * `GzipRule.test.ts` checks the answers against Python itself and core's readers, and
 * `NodeGunzip.test.ts` the `node:zlib` one. Shared by both.
 */
import * as zlib from "node:zlib"
import { Bytes, Gunzip } from "@metaflow-client/core"
import { data, u32le } from "./blobs.js"

/** One input and the rule's answer: the unpacked bytes, or the `CorruptBlob` reason. */
export interface RuleCase {
  readonly name: string
  readonly input: Uint8Array
  readonly expect: { readonly bytes: Uint8Array } | { readonly reason: string }
  /** Where Python answers otherwise, on purpose: why. */
  readonly unlikePython?: string
  /** A member after the first whose header zlib refuses: `NodeGunzip`'s streaming form refuses it too. */
  readonly laterHeaderZlibRefuses?: true
  /** `NodeGunzip`'s streaming form refuses it with this reason (zlib's reading of it). */
  readonly zlibStreamedReason?: string
}

const concat = Bytes.concat

/** Sets bits of a member's header flags (byte 3). */
const withFlags = (member: Uint8Array, flags: number): Uint8Array => member.map((b, i) => (i === 3 ? b | flags : b))

/** A member with FHCRC set and a header CRC that is wrong (zlib checks it; Python skips it). */
const withWrongHeaderCrc = (member: Uint8Array): Uint8Array => {
  const header = withFlags(member.subarray(0, 10), 0x02)
  const crc = (Gunzip.crc32(header) & 0xffff) ^ 0x5a5a
  return concat([header, new Uint8Array([crc & 0xff, crc >>> 8]), member.subarray(10)])
}

/** A member of `plain` whose DEFLATE refers to `dictionary`: bytes before its own start. */
const reachingBack = (plain: Uint8Array, dictionary: Uint8Array): Uint8Array =>
  concat([
    new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]),
    new Uint8Array(zlib.deflateRawSync(plain, { dictionary })),
    u32le(Gunzip.crc32(plain)),
    u32le(plain.length)
  ])

const after = "invalid gzip data: bytes after the gzip member"

/**
 * The reason a whole-buffer read gives for a refused case: it refuses early when the last four bytes, read
 * as the trailer's size, exceed the limit (`Gunzip.precheck`), as they do after some garbage.
 */
export const wholeReason = (input: Uint8Array, reason: string, maxBytes: number): string => {
  const n = input.length
  const declared = n >= Gunzip.minMemberBytes && Gunzip.isGzip(input) ? Gunzip.readU32(input, n - 4) : 0
  return declared > maxBytes ? `declared size ${declared} exceeds the limit of ${maxBytes} bytes` : reason
}

/** The cases (built fresh: callers may not share buffers across tests). */
export const ruleCases = (): ReadonlyArray<RuleCase> => {
  const a = data("text", 5000, 1)
  const b = data("random", 3000, 2)
  const A = new Uint8Array(zlib.gzipSync(a))
  const B = new Uint8Array(zlib.gzipSync(b, { level: 1 }))
  const E = new Uint8Array(zlib.gzipSync(new Uint8Array(0)))
  const badCrc = B.map((x, i) => (i === B.length - 8 ? x ^ 1 : x))
  const lyingSize = concat([B.subarray(0, B.length - 4), u32le(b.length + 1)])
  return [
    { name: "one member", input: A, expect: { bytes: a } },
    { name: "an empty member", input: E, expect: { bytes: new Uint8Array(0) } },
    { name: "two members", input: concat([A, B]), expect: { bytes: concat([a, b]) } },
    { name: "three members, one empty", input: concat([A, E, B]), expect: { bytes: concat([a, b]) } },
    { name: "one zero byte after", input: concat([A, new Uint8Array(1)]), expect: { bytes: a } },
    { name: "seven zero bytes after", input: concat([A, new Uint8Array(7)]), expect: { bytes: a } },
    { name: "70,000 zero bytes after", input: concat([A, new Uint8Array(70_000)]), expect: { bytes: a } },
    { name: "an empty member and three zeros", input: concat([E, new Uint8Array(3)]), expect: { bytes: new Uint8Array(0) } },
    { name: "a member after zero padding", input: concat([A, new Uint8Array(5), B]), expect: { bytes: concat([a, b]) } },
    {
      name: "padding between and after members",
      input: concat([A, new Uint8Array(1), B, new Uint8Array(3), E, new Uint8Array(2)]),
      expect: { bytes: concat([a, b]) }
    },
    { name: "garbage after", input: concat([A, new Uint8Array([1, 2, 3])]), expect: { reason: after } },
    { name: "garbage after zero padding", input: concat([A, new Uint8Array([0, 0, 0x41])]), expect: { reason: after } },
    { name: "30 × 'A' after", input: concat([A, new Uint8Array(30).fill(0x41)]), expect: { reason: after } },
    {
      name: "one 0x1f after",
      input: concat([A, new Uint8Array([0x1f])]),
      expect: { reason: after },
      zlibStreamedReason: "truncated gzip data"
    },
    { name: "0x1f 0x8c after", input: concat([A, new Uint8Array([0x1f, 0x8c, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0])]), expect: { reason: after } },
    { name: "a gzip magic and nothing after", input: concat([A, new Uint8Array([0x1f, 0x8b])]), expect: { reason: "truncated gzip data" } },
    { name: "half a member after", input: concat([A, B.subarray(0, 20)]), expect: { reason: "truncated gzip data" } },
    { name: "a second member with a wrong CRC", input: concat([A, badCrc]), expect: { reason: "gzip checksum mismatch" } },
    {
      name: "a second member whose size lies",
      input: concat([A, lyingSize]),
      expect: { reason: `truncated gzip data (${b.length} bytes, trailer says ${b.length + 1})` }
    },
    {
      name: "a second member reaching back into the first",
      input: concat([A, reachingBack(a.subarray(0, 2000), a)]),
      expect: { reason: "invalid gzip data: invalid distance too far back" }
    },
    { name: "reserved header flag bits", input: withFlags(A, 0xe0), expect: { bytes: a } },
    { name: "a wrong header CRC", input: withWrongHeaderCrc(A), expect: { bytes: a } },
    {
      name: "a second member with reserved flag bits",
      input: concat([A, withFlags(B, 0x20)]),
      expect: { bytes: concat([a, b]) },
      laterHeaderZlibRefuses: true
    },
    { name: "zero bytes only", input: new Uint8Array(30), expect: { reason: "not gzip data" } },
    {
      name: "nothing",
      input: new Uint8Array(0),
      expect: { reason: "not gzip data" },
      unlikePython: "Python reads no bytes from empty input (and then fails to unpickle them); no blob Metaflow writes is empty"
    }
  ]
}
