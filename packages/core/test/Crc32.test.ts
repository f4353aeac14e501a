/**
 * `Gunzip.crc32` and `Gunzip.crc32Update` (slicing-by-16 over aligned 32-bit words): equal to the bitwise
 * definition of CRC-32 for any bytes, any offset into their buffer (the aligned middle moves), and any
 * cutting of them into chunks; and the check value of the standard ("123456789" → CBF43926).
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { Gunzip } from "@metaflow-client/core"

/** CRC-32 (IEEE, reflected) bit by bit, as RFC 1952 defines it. */
const bitwise = (b: Uint8Array): number => {
  let c = 0xffffffff
  for (const byte of b) {
    c ^= byte
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

describe("Gunzip.crc32", () => {
  it("gives the standard check value", () => {
    expect(Gunzip.crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926)
    expect(Gunzip.crc32(new Uint8Array(0))).toBe(0)
  })

  it("is the bitwise CRC-32 at any offset into a buffer, whole or in chunks", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.uint8Array({ maxLength: 600, size: "max" }),
        FastCheck.integer({ min: 0, max: 7 }),
        FastCheck.array(FastCheck.integer({ min: 0, max: 600 }), { maxLength: 6 }),
        (bytes, offset, cuts) => {
          // the same bytes at another offset of a larger buffer: the word-aligned middle shifts
          const host = new Uint8Array(bytes.length + offset)
          host.set(bytes, offset)
          const view = host.subarray(offset)
          const want = bitwise(bytes)
          expect(Gunzip.crc32(view)).toBe(want)
          const points = [...new Set(cuts.map((c) => Math.min(c, view.length)))].sort((a, b) => a - b)
          let crc = 0xffffffff
          let at = 0
          for (const p of [...points, view.length]) {
            crc = Gunzip.crc32Update(crc, view.subarray(at, p))
            at = p
          }
          expect((crc ^ 0xffffffff) >>> 0).toBe(want)
        }
      ),
      { numRuns: 300 }
    )
  })
})
