/**
 * A gzip reader (RFC 1952 members around RFC 1951 DEFLATE) that owns all its memory: input is read into its
 * buffer, output is written into its window, and nothing is allocated per chunk. A copy of any size through
 * it makes no garbage, so its memory stays where it starts: fresh buffers per chunk (what `node:zlib`,
 * `DecompressionStream` and other inflaters hand out) pile up as 30 MB or more of garbage before V8 collects them.
 *
 * It is driven by its caller: {@link GzipReader.run} inflates until it needs input (read into
 * {@link GzipReader.inputSpace}, then {@link GzipReader.commit}), has a window of output to hand on
 * ({@link GzipReader.take}, valid until the next `run`), or has read the whole input. Bad data throws an
 * {@link InflateError}; the caller words it (core's `Gunzip.reasons`).
 *
 * What it accepts is what Metaflow's own reader accepts: Python's `gzip.GzipFile` (the content-addressed
 * store's `_unpack_v1`), that is, zlib's DEFLATE inside Python's container rule:
 * - one or more members, each checked against its own trailer (CRC-32 and size), their output concatenated;
 * - zero bytes after a member are padding and skipped; any other byte must start another member;
 * - the header's reserved flag bits are ignored and its CRC (FHCRC) is skipped unchecked, as Python does;
 * - DEFLATE is checked as zlib checks it (stored-block lengths, incomplete or over-subscribed codes,
 *   distances before the member's start).
 * One difference, on purpose: empty input is not gzip data (Python returns no bytes, and then fails to
 * unpickle them; no Metaflow blob is empty).
 */

/** Why the input is not gzip data (or, for `tooLarge`, why a whole-buffer read stopped). */
export class InflateError extends Error {
  constructor(
    readonly kind: "notGzip" | "truncated" | "invalid" | "size" | "checksum" | "tooLarge",
    detail: string,
    /** The trailer's size, for `size`. */
    readonly isize = 0,
    /** The member's unpacked size, for `size`. */
    readonly size = 0
  ) {
    super(detail)
  }
}

/** What {@link GzipReader.run} stopped for. */
export const NEED_INPUT = 0
/** See {@link NEED_INPUT}. */
export const HAS_OUTPUT = 1
/** See {@link NEED_INPUT}. */
export const DONE = 2

// what {@link GzipReader.symbolNearEnd} did
const SYMBOL = 0
const END_OF_BLOCK = 1
const OUT_OF_INPUT = 2

const WINDOW = 32768
/** Whole mode: output between two CRC updates (small enough to be still in the cache). */
const WHOLE_CRC_STEP = 128 * 1024
const MAX_MATCH = 258

// states
const GZIP_HEADER = 0
const BLOCK_HEADER = 1
const STORED = 2
const CODES = 3
const TRAILER = 4
const AFTER = 5
const FINISHED = 6

// parts of the gzip header, in order
const HEADER_FIXED = 0
const HEADER_EXTRA_LENGTH = 1
const HEADER_EXTRA = 2
const HEADER_NAME = 3
const HEADER_COMMENT = 4
const HEADER_CRC = 5

const LENGTH_BASE = Uint16Array.from([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258])
const LENGTH_EXTRA = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0])
const DIST_BASE = Uint16Array.from([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577
])
const DIST_EXTRA = Uint8Array.from([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13])
/** The order in which code-length code lengths are sent. */
const CL_ORDER = Uint8Array.from([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15])

const REVERSED_BYTE = (() => {
  const t = new Uint8Array(256)
  for (let i = 0; i < 256; i++) {
    let r = 0
    for (let b = 0; b < 8; b++) r |= ((i >>> b) & 1) << (7 - b)
    t[i] = r
  }
  return t
})()

/**
 * Fills `table` (indexed by the next `bits` input bits, least significant first) with `symbol << 4 | length`
 * for the canonical Huffman code of `lengths[0..n)`; unused entries stay 0. Returns `bits` (the longest
 * code, 0 without codes), or -1 for an over-subscribed code or an incomplete one. As zlib, an incomplete
 * code is allowed only as a single one-bit code of literals/lengths or distances (`oneBitMayBeIncomplete`),
 * never for the code-length code.
 */
const buildTable = (
  lengths: Uint8Array,
  n: number,
  table: Uint16Array,
  count: Uint16Array,
  next: Uint16Array,
  oneBitMayBeIncomplete = true
): number => {
  count.fill(0)
  for (let i = 0; i < n; i++) count[lengths[i]!]!++
  count[0] = 0
  let left = 1
  let bits = 0
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len]!
    if (left < 0) return -1
    if (count[len]! > 0) bits = len
  }
  if (bits > 0 && left > 0 && (bits !== 1 || !oneBitMayBeIncomplete)) return -1
  let code = 0
  for (let len = 1; len <= 15; len++) {
    code = (code + count[len - 1]!) << 1
    next[len] = code
  }
  const size = 1 << bits
  table.fill(0, 0, size)
  for (let sym = 0; sym < n; sym++) {
    const len = lengths[sym]!
    if (len === 0) continue
    const c = next[len]!++
    const reversed = ((REVERSED_BYTE[c & 0xff]! << 8) | REVERSED_BYTE[c >>> 8]!) >>> (16 - len)
    const entry = (sym << 4) | len
    for (let j = reversed; j < size; j += 1 << len) table[j] = entry
  }
  return bits
}

/** The fixed-Huffman block's tables (RFC 1951 §3.2.6), built once. */
const FIXED = (() => {
  const lengths = new Uint8Array(288)
  lengths.fill(8, 0, 144)
  lengths.fill(9, 144, 256)
  lengths.fill(7, 256, 280)
  lengths.fill(8, 280, 288)
  const count = new Uint16Array(16)
  const next = new Uint16Array(16)
  const lit = new Uint16Array(1 << 9)
  const litBits = buildTable(lengths, 288, lit, count, next)
  const dist = new Uint16Array(1 << 5)
  // codes 30 and 31 complete the code; they fail when read
  const distBits = buildTable(new Uint8Array(32).fill(5), 32, dist, count, next)
  return { lit, litBits, dist, distBits }
})()

/**
 * Reads gzip data, owning its buffers, in one of two modes:
 * - streaming (`new GzipReader`): an input buffer (grown only if a caller reads more than it was sized
 *   for) and an output window of `WINDOW` history bytes plus `outputBytes`, handed on by {@link take};
 * - whole ({@link GzipReader.whole}): the caller's input read in place, and one output buffer grown as
 *   needed, which becomes the result ({@link output}): no window slides and no output is copied.
 */
export class GzipReader {
  private input: Uint8Array
  private inLen = 0
  private ip = 0
  private inputEnded = false
  private bitBuf = 0
  private bitCnt = 0

  private out: Uint8Array
  private op = 0
  private emitFrom = 0
  /** Whole mode: the most output allowed (the output buffer grows up to it); `undefined` when streaming. */
  private wholeMax: number | undefined = undefined
  /** Where the current member's output starts in `out` (its matches cannot reach before it). */
  private memberBase = 0

  private state = GZIP_HEADER
  private headerPart = HEADER_FIXED
  private headerFlags = 0
  /** Bytes of the extra field still to skip. */
  private headerLeft = 0
  /** Members whose trailer has been read. */
  private members = 0
  /** {@link total} when the current member began. */
  private memberStart = 0
  private lastBlock = false
  private storedLeft = 0
  private lit: Uint16Array = FIXED.lit
  private litMask = 0
  private litBits = 0
  private dist: Uint16Array = FIXED.dist
  private distMask = 0
  private distBits = 0
  /** Tables of dynamic blocks, made at the first one (small blobs are often all fixed-Huffman). */
  private dynLit: Uint16Array | undefined
  private dynDist: Uint16Array | undefined
  private readonly lengths = new Uint8Array(288 + 32)
  private readonly clTable = new Uint16Array(1 << 7)
  private readonly count = new Uint16Array(16)
  private readonly next = new Uint16Array(16)

  /** Bytes handed on so far (all members). */
  total = 0
  /** The running CRC-32 register of the current member's output. */
  private crc = 0xffffffff

  constructor(
    private readonly crcUpdate: (crc: number, b: Uint8Array) => number,
    outputBytes = 256 * 1024,
    private readonly readBytes = 64 * 1024
  ) {
    this.input = readBytes > 0 ? new Uint8Array(readBytes * 2) : new Uint8Array(0)
    this.out = new Uint8Array(outputBytes > 0 ? WINDOW + outputBytes + MAX_MATCH : 0)
  }

  /**
   * A reader of the whole of `input` (read in place, never written), inflating into one buffer sized for
   * `expectedBytes` at first and grown by doubling; output beyond `maxBytes` throws `tooLarge`. Run it
   * until {@link DONE} (it never asks for input or hands out output), then take {@link output}.
   */
  static whole(
    crcUpdate: (crc: number, b: Uint8Array) => number,
    input: Uint8Array,
    expectedBytes: number,
    maxBytes: number
  ): GzipReader {
    const reader = new GzipReader(crcUpdate, 0, 0)
    reader.input = input
    reader.inLen = input.length
    reader.inputEnded = true
    reader.wholeMax = maxBytes
    // room for one match past the expected end: output of exactly the expected size never grows the buffer
    reader.out = new Uint8Array(Math.max(0, Math.min(expectedBytes, maxBytes)) + 2 * MAX_MATCH)
    return reader
  }

  /** Whole mode: the output, once {@link run} returned {@link DONE}. */
  output(): Uint8Array {
    return this.out.subarray(0, this.op)
  }

  /** Where to read the next input: free space at the end of the input buffer (the unread rest moved to its start). */
  inputSpace(): Uint8Array {
    if (this.ip > 0) {
      this.input.copyWithin(0, this.ip, this.inLen)
      this.inLen -= this.ip
      this.ip = 0
    }
    if (this.input.length - this.inLen < this.readBytes) {
      const grown = new Uint8Array(this.inLen + this.readBytes * 2)
      grown.set(this.input.subarray(0, this.inLen))
      this.input = grown
    }
    return this.input.subarray(this.inLen)
  }

  /** `n` bytes were read into {@link inputSpace}; 0 means the input has ended. */
  commit(n: number): void {
    if (n === 0) this.inputEnded = true
    this.inLen += n
  }

  /** The output since the last `take` (valid until the next {@link run}), counted into the CRC and total. */
  take(): Uint8Array {
    const view = this.out.subarray(this.emitFrom, this.op)
    this.emitFrom = this.op
    this.crc = this.crcUpdate(this.crc, view)
    this.total += view.length
    return view
  }

  /**
   * Room for more output at the end of `out`, once `op` has reached its limit: in whole mode the buffer
   * doubles (up to the limit of output); streaming, the window slides once all output was handed on.
   * False when output is waiting to be taken.
   */
  private makeRoom(): boolean {
    const max = this.wholeMax
    if (max === undefined) {
      if (this.op > this.emitFrom) return false
      this.slide()
      return true
    }
    // the CRC is taken as output is made, while it is still in the cache
    this.takeWithin(max)
    if (this.op >= this.out.length - MAX_MATCH) {
      const grown = new Uint8Array(Math.min(Math.max(this.out.length * 2, 4096), max + 1) + MAX_MATCH)
      grown.set(this.out.subarray(0, this.op))
      this.out = grown
    }
    return true
  }

  /** Whole mode: counts the output since the last take into the CRC and total, which must stay within `max`. */
  private takeWithin(max: number): void {
    this.take()
    if (this.total > max) throw new InflateError("tooLarge", "")
  }

  /** Sets the input position and bit buffer back to a checkpoint (a block header or symbol cut by the input's end). */
  private rewind(ip: number, bitBuf: number, bitCnt: number): void {
    this.ip = ip
    this.bitBuf = bitBuf
    this.bitCnt = bitCnt
  }

  /** Where output must stop for {@link makeRoom}: the end of the buffer, or in whole mode the next CRC step. */
  private outLimit(): number {
    const end = this.out.length - MAX_MATCH
    return this.wholeMax === undefined ? end : Math.min(end, this.op + WHOLE_CRC_STEP)
  }

  /** Inflates until input is needed, output is waiting ({@link take}), or the member is read and checked. */
  run(): number {
    for (;;) {
      switch (this.state) {
        case GZIP_HEADER: {
          if (!this.gzipHeader()) return this.needInput()
          this.state = BLOCK_HEADER
          break
        }
        case BLOCK_HEADER: {
          const r = this.blockHeader()
          if (r !== undefined) return r
          break
        }
        case STORED: {
          const r = this.stored()
          if (r !== undefined) return r
          break
        }
        case CODES: {
          const r = this.codes()
          if (r !== undefined) return r
          break
        }
        case TRAILER: {
          if (this.op > this.emitFrom) {
            if (this.wholeMax === undefined) return HAS_OUTPUT
            this.takeWithin(this.wholeMax)
          }
          // whole bytes only: the rest of the last byte of DEFLATE data is padding
          this.bitBuf >>>= this.bitCnt & 7
          this.bitCnt -= this.bitCnt & 7
          if (this.bytesAvailable() < 8) return this.needInput()
          this.fill(32)
          const crc = this.bits(32)
          this.fill(32)
          const isize = this.bits(32)
          const size = this.total - this.memberStart
          if (size % 0x100000000 !== isize) throw new InflateError("size", "", isize, size)
          if (((this.crc ^ 0xffffffff) >>> 0) !== crc) throw new InflateError("checksum", "")
          this.members++
          this.state = AFTER
          break
        }
        case AFTER: {
          // the trailer left no bits held; zero bytes are padding (Python's rule), anything else a member
          while (this.ip < this.inLen && this.input[this.ip] === 0) this.ip++
          if (this.ip < this.inLen) {
            this.startMember()
            break
          }
          if (!this.inputEnded) return NEED_INPUT
          this.state = FINISHED
          break
        }
        default:
          return DONE
      }
    }
  }

  /** A member follows the one just read: its output starts a new window (matches cannot reach back past it). */
  private startMember(): void {
    this.state = GZIP_HEADER
    this.headerPart = HEADER_FIXED
    this.memberStart = this.total
    this.crc = 0xffffffff
    if (this.wholeMax === undefined) {
      this.op = 0
      this.emitFrom = 0
    } else {
      this.memberBase = this.op
    }
  }

  /** Out of input where more is needed: ask for it, or fail if it has ended (after handing on what was inflated). */
  private needInput(): number {
    if (!this.inputEnded) return NEED_INPUT
    if (this.op > this.emitFrom && this.wholeMax === undefined) return HAS_OUTPUT
    if (this.state === GZIP_HEADER && this.headerPart === HEADER_FIXED && !(this.inLen - this.ip >= 2 && isMagic(this.input, this.ip))) {
      throw this.notAMember()
    }
    throw new InflateError("truncated", "")
  }

  /** Bytes where a member's header should start, and no gzip magic: not gzip at all, or garbage after a member. */
  private notAMember(): InflateError {
    return this.members === 0 ? new InflateError("notGzip", "") : new InflateError("invalid", "bytes after the gzip member")
  }

  /** Loads input bytes until `n` bits are held (n ≤ 25, or 32 on a byte boundary); false if the input ran out first. */
  private fill(n: number): boolean {
    while (this.bitCnt < n) {
      if (this.ip >= this.inLen) return false
      this.bitBuf = (this.bitBuf | (this.input[this.ip++]! << this.bitCnt)) >>> 0
      this.bitCnt += 8
    }
    return true
  }

  /** Whole bytes held or unread: enough for the 8-byte trailer? */
  private bytesAvailable(): number {
    return (this.bitCnt >>> 3) + this.inLen - this.ip
  }

  /** Takes `n` held bits (n ≤ 32). */
  private bits(n: number): number {
    if (n === 32) {
      const v = this.bitBuf >>> 0
      this.bitBuf = 0
      this.bitCnt = 0
      return v
    }
    const v = this.bitBuf & ((1 << n) - 1)
    this.bitBuf >>>= n
    this.bitCnt -= n
    return v
  }

  /**
   * The gzip header, consumed as it arrives (a header may be longer than the input buffer: its file name
   * and comment have no bound); false until it has all been read. As in Python's reader, only the method
   * is checked: reserved flag bits are ignored, and the header CRC (FHCRC) is skipped.
   */
  private gzipHeader(): boolean {
    const b = this.input
    const end = this.inLen
    for (;;) {
      const at = this.ip
      switch (this.headerPart) {
        case HEADER_FIXED: {
          if (end - at >= 2 && !isMagic(b, at)) throw this.notAMember()
          if (end - at < 10) return false
          if (b[at + 2] !== 8) throw new InflateError("invalid", "unknown compression method")
          this.headerFlags = b[at + 3]!
          this.ip += 10
          this.headerPart = HEADER_EXTRA_LENGTH
          break
        }
        case HEADER_EXTRA_LENGTH: {
          if ((this.headerFlags & 4) === 0) {
            this.headerPart = HEADER_NAME
            break
          }
          if (end - at < 2) return false
          this.headerLeft = b[at]! | (b[at + 1]! << 8)
          this.ip += 2
          this.headerPart = HEADER_EXTRA
          break
        }
        case HEADER_EXTRA: {
          const n = Math.min(this.headerLeft, end - at)
          this.ip += n
          this.headerLeft -= n
          if (this.headerLeft > 0) return false
          this.headerPart = HEADER_NAME
          break
        }
        case HEADER_NAME:
        case HEADER_COMMENT: {
          // a file name, then a comment, each ended by a zero byte
          const flag = this.headerPart === HEADER_NAME ? 8 : 16
          if ((this.headerFlags & flag) !== 0) {
            let zero = at
            while (zero < end && b[zero] !== 0) zero++
            this.ip = Math.min(zero + 1, end)
            if (zero >= end) return false
          }
          this.headerPart = this.headerPart === HEADER_NAME ? HEADER_COMMENT : HEADER_CRC
          break
        }
        default: {
          if ((this.headerFlags & 2) !== 0) {
            if (end - at < 2) return false
            this.ip += 2
          }
          return true
        }
      }
    }
  }

  private blockHeader(): number | undefined {
    const saveIp = this.ip
    const saveBuf = this.bitBuf
    const saveCnt = this.bitCnt
    const restore = () => {
      this.rewind(saveIp, saveBuf, saveCnt)
      return this.needInput()
    }
    if (!this.fill(3)) return restore()
    this.lastBlock = this.bits(1) === 1
    const type = this.bits(2)
    if (type === 0) {
      this.bitBuf >>>= this.bitCnt & 7
      this.bitCnt -= this.bitCnt & 7
      if (!this.fill(32)) return restore()
      const len = this.bits(16)
      const nlen = this.bits(16)
      if ((len ^ 0xffff) !== nlen) throw new InflateError("invalid", "invalid stored block lengths")
      this.storedLeft = len
      this.state = STORED
    } else if (type === 1) {
      this.useTables(FIXED.lit, FIXED.litBits, FIXED.dist, FIXED.distBits)
      this.state = CODES
    } else if (type === 2) {
      const ok = this.dynamicHeader()
      if (!ok) return restore()
      this.state = CODES
    } else {
      throw new InflateError("invalid", "invalid block type")
    }
    return undefined
  }

  /** The code lengths of a dynamic block, and its tables; false if the input ran out first. */
  private dynamicHeader(): boolean {
    if (!this.fill(14)) return false
    const nlit = this.bits(5) + 257
    const ndist = this.bits(5) + 1
    const ncl = this.bits(4) + 4
    if (nlit > 286 || ndist > 30) throw new InflateError("invalid", "too many length or distance symbols")
    const lengths = this.lengths
    lengths.fill(0, 0, 19)
    for (let i = 0; i < ncl; i++) {
      if (!this.fill(3)) return false
      lengths[CL_ORDER[i]!] = this.bits(3)
    }
    const clBits = buildTable(lengths, 19, this.clTable, this.count, this.next, false)
    if (clBits <= 0) throw new InflateError("invalid", "invalid code lengths set")
    const clMask = (1 << clBits) - 1
    const total = nlit + ndist
    lengths.fill(0, 0, total)
    for (let i = 0; i < total;) {
      if (!this.fill(clBits)) {
        // a short code may still fit in the bits held
        const e = this.clTable[this.bitBuf & clMask]!
        if ((e & 15) === 0 || (e & 15) > this.bitCnt) return false
      }
      const e = this.clTable[this.bitBuf & clMask]!
      const len = e & 15
      if (len === 0) throw new InflateError("invalid", "invalid code lengths set")
      this.bits(len)
      const sym = e >>> 4
      if (sym < 16) {
        lengths[i++] = sym
        continue
      }
      let repeat: number
      let value = 0
      if (sym === 16) {
        if (i === 0) throw new InflateError("invalid", "invalid bit length repeat")
        if (!this.fill(2)) return false
        value = lengths[i - 1]!
        repeat = 3 + this.bits(2)
      } else if (sym === 17) {
        if (!this.fill(3)) return false
        repeat = 3 + this.bits(3)
      } else {
        if (!this.fill(7)) return false
        repeat = 11 + this.bits(7)
      }
      if (i + repeat > total) throw new InflateError("invalid", "invalid bit length repeat")
      lengths.fill(value, i, i + repeat)
      i += repeat
    }
    if (lengths[256] === 0) throw new InflateError("invalid", "invalid code -- missing end-of-block")
    const dynLit = this.dynLit ??= new Uint16Array(1 << 15)
    const dynDist = this.dynDist ??= new Uint16Array(1 << 15)
    const litBits = buildTable(lengths, nlit, dynLit, this.count, this.next)
    if (litBits < 0) throw new InflateError("invalid", "invalid literal/lengths set")
    const distLengths = lengths.subarray(nlit, total)
    const distBits = buildTable(distLengths, ndist, dynDist, this.count, this.next)
    if (distBits < 0) throw new InflateError("invalid", "invalid distances set")
    this.useTables(dynLit, litBits, dynDist, distBits)
    return true
  }

  private useTables(lit: Uint16Array, litBits: number, dist: Uint16Array, distBits: number): void {
    this.lit = lit
    this.litBits = litBits
    this.litMask = (1 << litBits) - 1
    this.dist = dist
    this.distBits = distBits
    this.distMask = (1 << distBits) - 1
  }

  /** Moves the last `WINDOW` bytes of output to the window's start, once all output was handed on. */
  private slide(): void {
    const keep = Math.min(WINDOW, this.op)
    this.out.copyWithin(0, this.op - keep, this.op)
    this.op = keep
    this.emitFrom = keep
  }

  private stored(): number | undefined {
    let limit = this.outLimit()
    while (this.storedLeft > 0) {
      if (this.op >= limit) {
        if (!this.makeRoom()) return HAS_OUTPUT
        limit = this.outLimit()
      }
      // bytes already held in the bit buffer first (whole bytes after the alignment)
      if (this.bitCnt >= 8) {
        this.out[this.op++] = this.bits(8)
        this.storedLeft--
        continue
      }
      const n = Math.min(this.storedLeft, this.inLen - this.ip, limit - this.op)
      if (n === 0) return this.needInput()
      this.out.set(this.input.subarray(this.ip, this.ip + n), this.op)
      this.ip += n
      this.op += n
      this.storedLeft -= n
    }
    this.state = this.lastBlock ? TRAILER : BLOCK_HEADER
    return undefined
  }

  /** Literal, length and distance codes until the end of the block (the hot loop: state in locals). */
  private codes(): number | undefined {
    const input = this.input
    const inLen = this.inLen
    let out = this.out
    const lit = this.lit
    const litMask = this.litMask
    const dist = this.dist
    const distMask = this.distMask
    const base = this.memberBase
    let limit = this.outLimit()
    let ip = this.ip
    let bb = this.bitBuf
    let bc = this.bitCnt
    let op = this.op
    let result: number | undefined
    for (;;) {
      if (op >= limit) {
        this.op = op
        if (!this.makeRoom()) {
          result = HAS_OUTPUT
          break
        }
        op = this.op
        out = this.out
        limit = this.outLimit()
      }
      // Fast path, while 8 input bytes are left (the most one symbol takes): no symbol can run out of input,
      // so no checkpoint; two bytes per refill (at most 30 bits held, still a small integer).
      const fastEnd = inLen - 8
      let blockEnded = false
      while (ip <= fastEnd && op < limit) {
        if (bc < 15) {
          bb |= (input[ip]! | (input[ip + 1]! << 8)) << bc
          ip += 2
          bc += 16
        }
        let e = lit[bb & litMask]!
        let len = e & 15
        if (len === 0) throw new InflateError("invalid", "invalid literal/length code")
        bb >>= len
        bc -= len
        let sym = e >> 4
        if (sym < 256) {
          out[op++] = sym
          continue
        }
        if (sym === 256) {
          blockEnded = true
          break
        }
        sym -= 257
        if (sym >= 29) throw new InflateError("invalid", "invalid literal/length code")
        let length = LENGTH_BASE[sym]!
        const le = LENGTH_EXTRA[sym]!
        if (le > 0) {
          if (bc < le) {
            bb |= (input[ip]! | (input[ip + 1]! << 8)) << bc
            ip += 2
            bc += 16
          }
          length += bb & ((1 << le) - 1)
          bb >>= le
          bc -= le
        }
        if (bc < 15) {
          bb |= (input[ip]! | (input[ip + 1]! << 8)) << bc
          ip += 2
          bc += 16
        }
        e = dist[bb & distMask]!
        len = e & 15
        if (len === 0) throw new InflateError("invalid", "invalid distance code")
        bb >>= len
        bc -= len
        const ds = e >> 4
        if (ds >= 30) throw new InflateError("invalid", "invalid distance code")
        let distance = DIST_BASE[ds]!
        const de = DIST_EXTRA[ds]!
        if (de > 0) {
          if (bc < de) {
            bb |= (input[ip]! | (input[ip + 1]! << 8)) << bc
            ip += 2
            bc += 16
          }
          distance += bb & ((1 << de) - 1)
          bb >>= de
          bc -= de
        }
        if (distance > op - base) throw new InflateError("invalid", "invalid distance too far back")
        op = copyMatch(out, op, distance, length)
      }
      if (blockEnded) {
        this.state = this.lastBlock ? TRAILER : BLOCK_HEADER
        break
      }
      if (op >= limit) continue
      // Slow path, near the end of the input: one symbol, undone if the input runs out within it.
      this.ip = ip
      this.bitBuf = bb >>> 0
      this.bitCnt = bc
      this.op = op
      const step = this.symbolNearEnd()
      ip = this.ip
      bb = this.bitBuf
      bc = this.bitCnt
      op = this.op
      if (step === OUT_OF_INPUT) {
        result = -1
        break
      }
      if (step === END_OF_BLOCK) {
        this.state = this.lastBlock ? TRAILER : BLOCK_HEADER
        break
      }
    }
    this.ip = ip
    this.bitBuf = bb >>> 0
    this.bitCnt = bc
    this.op = op
    if (result === -1) return this.needInput()
    return result
  }

  /**
   * One symbol of the current block near the end of the input, where it may be cut: a literal or a match
   * into the window, the end of the block, or `OUT_OF_INPUT`, with the state as it was before the symbol.
   * Slower than the fast loop (state in fields, bounds checked at each read), but it runs only for the
   * last few bytes of each input buffer.
   */
  private symbolNearEnd(): number {
    const ip = this.ip
    const bitBuf = this.bitBuf
    const bitCnt = this.bitCnt
    const cut = () => {
      this.rewind(ip, bitBuf, bitCnt)
      return OUT_OF_INPUT
    }
    let sym = this.code(this.lit, this.litMask, this.litBits, "invalid literal/length code")
    if (sym < 0) return cut()
    if (sym < 256) {
      this.out[this.op++] = sym
      return SYMBOL
    }
    if (sym === 256) return END_OF_BLOCK
    sym -= 257
    if (sym >= 29) throw new InflateError("invalid", "invalid literal/length code")
    const le = LENGTH_EXTRA[sym]!
    if (!this.fill(le)) return cut()
    const length = LENGTH_BASE[sym]! + this.bits(le)
    const ds = this.code(this.dist, this.distMask, this.distBits, "invalid distance code")
    if (ds < 0) return cut()
    if (ds >= 30) throw new InflateError("invalid", "invalid distance code")
    const de = DIST_EXTRA[ds]!
    if (!this.fill(de)) return cut()
    const distance = DIST_BASE[ds]! + this.bits(de)
    if (distance > this.op - this.memberBase) throw new InflateError("invalid", "invalid distance too far back")
    this.op = copyMatch(this.out, this.op, distance, length)
    return SYMBOL
  }

  /**
   * The next symbol of a Huffman `table` (see {@link buildTable}) from the bits held and what input is
   * left, or -1 when the input ends within it. An unused entry with `maxBits` bits at hand is no code.
   */
  private code(table: Uint16Array, mask: number, maxBits: number, noCode: string): number {
    this.fill(maxBits)
    const e = table[this.bitBuf & mask]!
    const len = e & 15
    if (len === 0 || len > this.bitCnt) {
      if (len === 0 && this.bitCnt >= maxBits) throw new InflateError("invalid", noCode)
      return -1
    }
    this.bits(len)
    return e >> 4
  }
}

/** Copies a match of `length` bytes from `distance` back (overlapping copies repeat the bytes); returns the new end. */
const copyMatch = (out: Uint8Array, op: number, distance: number, length: number): number => {
  let from = op - distance
  if (distance >= length && length > 32) {
    out.copyWithin(op, from, from + length)
    return op + length
  }
  const end = op + length
  while (op < end) out[op++] = out[from++]!
  return op
}

const isMagic = (b: Uint8Array, at: number): boolean => b[at] === 0x1f && b[at + 1] === 0x8b
