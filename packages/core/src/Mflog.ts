/**
 * Metaflow's `mflog` log format: parsing one structured line and merging the `runtime` and `task` log
 * files of a task attempt the way the Python client's `Task.loglines(stream)` / `Task.stdout` do
 * (`metaflow/mflog/mflog.py` `parse` + `merge_logs`, `metaflow/client/core.py` `loglines`).
 *
 * Pure and platform-neutral: works on `Uint8Array`s and decodes with `TextDecoder`, so it runs in Node,
 * browsers and Workers. Reading the files (which datastore, which attempt, `ds-type`/`ds-root`, legacy
 * `log_location_*`) is the caller's job; the helpers at the end of this module make those cases trivial.
 *
 * Differences from Python, all deliberate:
 * - invalid UTF-8 in a message is decoded with U+FFFD replacement (Python raises `UnicodeDecodeError`);
 *   the exact bytes stay available as {@link LogLine.raw};
 * - where Python's tuple comparison raises `TypeError` (two lines with the same timestamp string, one
 *   with the `[!` persist marker and one without; or a parseable line whose timestamp string is exactly
 *   `3000-01-01T00:00:00.000000`, the unparseable lines' sort string), we order unmarked before marked
 *   and parseable before unparseable instead of failing;
 * - lines longer than {@link MergeOptions.maxLineBytes} or inputs larger than
 *   {@link MergeOptions.maxTotalBytes} fail with a typed {@link MflogError} (Python has no limits).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Order from "effect/Order"
import * as Schema from "effect/Schema"

// -------------------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------------------

/**
 * The log streams a task writes.
 *
 * @since 0.1.0
 * @category models
 */
export type LogStream = "stdout" | "stderr"

/**
 * The writers of mflog files: the orchestrator (`runtime`) and, for remote executions, the task host (`task`).
 *
 * @since 0.1.0
 * @category models
 */
export type LogSource = "runtime" | "task"

/**
 * The sources merged by `Task.loglines`, in the order Python reads them.
 *
 * @since 0.1.0
 * @category constants
 */
export const LOG_SOURCES: ReadonlyArray<LogSource> = ["runtime", "task"]

/**
 * One structured line as written by `mflog.decorate`, i.e. what Python's `mflog.parse` returns.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedLine {
  /** The line starts with the `[!` "should persist" marker. */
  readonly persist: boolean
  /** The format version; the parser accepts only `"0"`. */
  readonly version: "0"
  /** The timestamp exactly as written in the header (without the `Z`); this string is the primary sort key. */
  readonly timestampRaw: string
  /** The UTC instant, truncated to milliseconds (see {@link microsecond}). */
  readonly timestamp: Date
  /** Microseconds within the second (Python's `datetime.microsecond`), 0–999999. */
  readonly microsecond: number
  /** Python's `utc_tstamp.isoformat()`: `2026-11-27T08:11:19.201627`, or without fraction when it is 0. */
  readonly timestampText: string
  /** The header's source field (`runtime`, `task`, …), decoded with replacement. */
  readonly source: string
  /** The header's line id (a UUID4 from the writer), decoded with replacement. */
  readonly id: string
  /** The message, decoded as UTF-8 with U+FFFD replacement; excludes the `\n`, keeps a `\r`. */
  readonly message: string
  /** The message bytes (a view into the input; do not mutate). */
  readonly raw: Uint8Array
}

/**
 * One item of `Task.loglines(stream)`: Python yields `(utc_timestamp, message)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LogLine {
  /** UTC instant (millisecond precision); the year 3000 for unparseable lines; `null` only for {@link noDatastoreLine}. */
  readonly timestamp: Date | null
  /**
   * The timestamp as the Python oracle renders it (`datetime.isoformat()` of the naive UTC datetime):
   * `2026-11-27T08:11:19.201627`, `3000-01-01T00:00:00` for unparseable lines, `null` with `timestamp`.
   */
  readonly timestampText: string | null
  /** Microseconds within the second, 0–999999 (keeps the precision `Date` lacks). */
  readonly microsecond: number
  /** The message decoded as UTF-8 with U+FFFD replacement; for an unparseable line the whole line including its `\n`. */
  readonly message: string
  /** The message bytes, what Python yields with `as_unicode=False` (a view into the input; do not mutate). */
  readonly raw: Uint8Array
  /** The header's source field; `null` for unparseable lines and {@link noDatastoreLine}. */
  readonly source: string | null
  /** The header's line id; `null` for unparseable lines and {@link noDatastoreLine}. */
  readonly id: string | null
  /** The `[!` "should persist" marker was present. */
  readonly persist: boolean
  /** The full input line including header and terminator (empty for {@link noDatastoreLine}). */
  readonly line: Uint8Array
}

/**
 * Limits for {@link mergeLogs}.
 *
 * @since 0.1.0
 * @category models
 */
export interface MergeOptions {
  /** Maximum bytes of one line, terminator excluded. Default {@link DEFAULT_MAX_LINE_BYTES} (1 MiB). */
  readonly maxLineBytes?: number
  /** Maximum bytes of all sources together. Default {@link DEFAULT_MAX_TOTAL_BYTES} (256 MiB). */
  readonly maxTotalBytes?: number
}

/**
 * Default maximum length of one log line: 1 MiB. Use `Infinity` to mirror Python, which has no limit.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024

/**
 * Default maximum size of all log files of one stream together: 256 MiB.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_TOTAL_BYTES = 256 * 1024 * 1024

// -------------------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------------------

/**
 * A log exceeds a configured limit: one line is longer than `maxLineBytes` (`LineTooLong`) or the sources
 * together are larger than `maxTotalBytes` (`LogTooLarge`).
 *
 * @since 0.1.0
 * @category errors
 */
export class MflogError extends Schema.TaggedError<MflogError>()("MflogError", {
  reason: Schema.Literal("LineTooLong", "LogTooLarge"),
  /** Index of the offending source in the `sources` argument (`-1` for `LogTooLarge`). */
  sourceIndex: Schema.Number,
  /** 1-based line number within that source (`0` for `LogTooLarge`). */
  lineNumber: Schema.Number,
  /** Bytes found. */
  size: Schema.Number,
  /** The limit that was exceeded. */
  limit: Schema.Number
}) {
  override get message() {
    return this.reason === "LineTooLong"
      ? `Log line ${this.lineNumber} of source ${this.sourceIndex} is ${this.size} bytes long (limit ${this.limit})`
      : `Log is ${this.size} bytes (limit ${this.limit})`
  }
}

// -------------------------------------------------------------------------------------------------
// internals: bytes
// -------------------------------------------------------------------------------------------------

const NL = 0x0a
const decoder = new TextDecoder("utf-8", { ignoreBOM: true })
const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/** UTF-8 with U+FFFD replacement (WHATWG = Python's `errors="replace"`); a BOM is kept like Python's `utf-8`. */
const decode = (bytes: Uint8Array): string => bytes.length === 0 ? "" : decoder.decode(bytes)

/** Python's `bytes < bytes`: unsigned lexicographic, a proper prefix first. */
const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** {@link compareBytes} on `a[as, ae)` and `b[bs, be)` without allocating views. */
const compareRanges = (a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number => {
  const la = ae - as
  const lb = be - bs
  const n = Math.min(la, lb)
  for (let i = 0; i < n; i++) {
    const d = a[as + i]! - b[bs + i]!
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return la === lb ? 0 : la < lb ? -1 : 1
}

// "[MFLOG|0|"
const PREFIX = [0x5b, 0x4d, 0x46, 0x4c, 0x4f, 0x47, 0x7c, 0x30, 0x7c] as const
const hasPrefixAt = (b: Uint8Array, at: number, end: number): boolean => {
  if (at + PREFIX.length > end) return false
  for (let i = 0; i < PREFIX.length; i++) if (b[at + i] !== PREFIX[i]) return false
  return true
}

/**
 * Group boundaries as offsets into the line (no typed-array views: they are costly for the GC).
 * ts = [tsStart, tsEnd), source = [tsEnd + 2, sep), id = [sep + 1, close), msg = [close + 1, end).
 */
interface HeaderMatch {
  readonly persist: boolean
  readonly tsStart: number
  readonly tsEnd: number
  readonly sep: number
  readonly close: number
  readonly end: number
}

/**
 * Linear-time equivalent of Python's `re.match(rb"(\[!)?\[MFLOG\|(0)\|(.+?)Z\|(.+?)\|(.+?)\](.*)", line)`
 * (`.` = any byte but `\n`). Backtracking picks the lexicographically smallest (Z|, |, ]) positions; for a
 * later `Z|` the admissible `|` range only shrinks, so the first `Z|` decides whether there is a match.
 */
const matchHeader = (b: Uint8Array): HeaderMatch | null => {
  let end = b.indexOf(NL)
  if (end < 0) end = b.length
  let persist = false
  let s: number
  if (b[0] === 0x5b && b[1] === 0x21 && hasPrefixAt(b, 2, end)) {
    persist = true
    s = 2 + PREFIX.length
  } else if (hasPrefixAt(b, 0, end)) {
    s = PREFIX.length
  } else {
    return null
  }
  // group 3: (.+?)Z\|
  let i = -1
  for (let p = s + 1; p + 1 < end; p++) {
    if (b[p] === 0x5a && b[p + 1] === 0x7c) {
      i = p
      break
    }
  }
  if (i < 0) return null
  // the last "]" bounds groups 4 and 5
  let r = -1
  for (let p = end - 1; p >= 0; p--) {
    if (b[p] === 0x5d) {
      r = p
      break
    }
  }
  // group 4: (.+?)\| with the "|" at j in [i+3, r-2]
  let j = -1
  for (let p = i + 3; p <= r - 2; p++) {
    if (b[p] === 0x7c) {
      j = p
      break
    }
  }
  if (j < 0) return null
  // group 5: (.+?)\] with the "]" at k >= j+2 (exists: r >= j+2)
  let k = j + 2
  while (b[k] !== 0x5d) k++
  return { persist, tsStart: s, tsEnd: i, sep: j, close: k, end }
}

// -------------------------------------------------------------------------------------------------
// internals: timestamps (Python's datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f"))
// -------------------------------------------------------------------------------------------------

/**
 * CPython 3.11 `_strptime` regex for the format (`\d` is Unicode `Nd`; the regex is case-insensitive, so
 * `t` matches `T`). `re.match` anchors only at the start, then Python requires the match to cover the string.
 */
const TS_RE =
  /^(\p{Nd}\p{Nd}\p{Nd}\p{Nd})-(1[0-2]|0[1-9]|[1-9])-(3[0-1]|[1-2]\p{Nd}|0[1-9]|[1-9]| [1-9])[Tt](2[0-3]|[0-1]\p{Nd}|\p{Nd}):([0-5]\p{Nd}|\p{Nd}):(6[0-1]|[0-5]\p{Nd}|\p{Nd})\.([0-9]{1,6})/u
const ND = /^\p{Nd}$/u

/** Value of a Unicode decimal digit: `Nd` digits come in contiguous, complete runs 0..9. */
const digitValue = (cp: number): number => {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30
  let start = cp
  while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--
  return (cp - start) % 10
}

/** Python's `int(s)` for a string of `Nd` digits (optionally space-prefixed, as `%d` allows). */
const toInt = (s: string): number => {
  let n = 0
  for (const ch of s) {
    if (ch === " ") continue
    n = n * 10 + digitValue(ch.codePointAt(0)!)
  }
  return n
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const daysIn = (y: number, m: number) => m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31

interface Timestamp {
  readonly date: Date
  readonly microsecond: number
  readonly text: string
}

const pad = (n: number, w: number) => String(n).padStart(w, "0")

const makeTimestamp = (
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  us: number
): Timestamp => {
  const date = new Date(0)
  date.setUTCFullYear(y, mo - 1, d)
  date.setUTCHours(h, mi, s, Math.floor(us / 1000))
  const base = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`
  return { date, microsecond: us, text: us === 0 ? base : `${base}.${pad(us, 6)}` }
}

/**
 * `datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f")` or `null` where Python raises `ValueError`.
 * Microseconds are mandatory (1–6 digits); Unicode decimal digits are accepted where CPython's `\d` is.
 */
const strptime = (text: string): Timestamp | null => {
  const m = TS_RE.exec(text)
  if (m === null || m[0].length !== text.length) return null
  const y = toInt(m[1]!)
  const mo = toInt(m[2]!)
  const d = toInt(m[3]!)
  const h = toInt(m[4]!)
  const mi = toInt(m[5]!)
  const s = toInt(m[6]!)
  const us = Number(m[7]!.padEnd(6, "0"))
  if (y < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return null
  return makeTimestamp(y, mo, d, h, mi, s, us)
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39

/**
 * Fast path for the shape every writer produces, `YYYY-MM-DDTHH:MM:SS.ffffff` in ASCII: returns the
 * timestamp, `null` when that shape holds but the date is invalid, or `undefined` for any other shape
 * (then the general {@link strptime} decides).
 */
const canonicalTimestamp = (b: Uint8Array, start: number, end: number): (Timestamp & { raw: string }) | null | undefined => {
  if (end - start !== 26) return undefined
  const at = (i: number) => b[start + i]!
  if (at(4) !== 0x2d || at(7) !== 0x2d || at(10) !== 0x54 || at(13) !== 0x3a || at(16) !== 0x3a || at(19) !== 0x2e) {
    return undefined
  }
  for (let i = 0; i < 26; i++) {
    if (!(i === 4 || i === 7 || i === 10 || i === 13 || i === 16 || i === 19) && !isDigit(at(i))) return undefined
  }
  const num = (i: number, n: number) => {
    let v = 0
    for (let k = 0; k < n; k++) v = v * 10 + at(i + k) - 0x30
    return v
  }
  const y = num(0, 4)
  const mo = num(5, 2)
  const d = num(8, 2)
  const h = num(11, 2)
  const mi = num(14, 2)
  const s = num(17, 2)
  const us = num(20, 6)
  // the general regex would also reject these (e.g. month 00 or 13 cannot match `1[0-2]|0[1-9]|[1-9]` + "-")
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return null
  let date: Date
  if (y >= 100) {
    date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, Math.floor(us / 1000)))
  } else {
    date = new Date(0)
    date.setUTCFullYear(y, mo - 1, d)
    date.setUTCHours(h, mi, s, Math.floor(us / 1000))
  }
  const raw = decodeRange(b, start, end) // ASCII: equal to its latin-1 form
  return { date, microsecond: us, text: us === 0 ? raw.slice(0, 19) : raw, raw }
}

// -------------------------------------------------------------------------------------------------
// parsing
// -------------------------------------------------------------------------------------------------

interface Parsed {
  readonly match: HeaderMatch
  readonly ts: Timestamp
  /** The header timestamp bytes as a latin-1 string: string order = Python's bytes order, and fast to compare. */
  readonly key: string
}

/** Latin-1 view of bytes (one char per byte), preserving bytes order under JS string comparison. */
const latin1 = (b: Uint8Array, start: number, end: number): string =>
  String.fromCharCode.apply(null, Array.from(b.subarray(start, end)))

const decodeRange = (b: Uint8Array, start: number, end: number): string =>
  start >= end ? "" : decoder.decode(b.subarray(start, end))

const parseInternal = (line: Uint8Array): Parsed | null => {
  const match = matchHeader(line)
  if (match === null) return null
  // Python: to_unicode (strict UTF-8) then strptime; replacement characters never match the regex.
  const fast = canonicalTimestamp(line, match.tsStart, match.tsEnd)
  if (fast !== undefined) return fast === null ? null : { match, ts: fast, key: fast.raw }
  const text = decodeRange(line, match.tsStart, match.tsEnd)
  const ts = strptime(text)
  return ts === null ? null : { match, ts, key: latin1(line, match.tsStart, match.tsEnd) }
}

/**
 * Parse one mflog line (Python's `mflog.parse`). The input may end with `\n` (or contain more lines:
 * only the first one counts, as with Python's regex). Returns `null` for anything Python would not parse,
 * including a timestamp that `strptime("%Y-%m-%dT%H:%M:%S.%f")` rejects. Never throws.
 *
 * @example
 * ```ts
 * import { Mflog } from "@metaflow-client/core"
 * const p = Mflog.parseLine(new TextEncoder().encode("[MFLOG|0|2026-11-27T07:29:41.326834Z|runtime|x]hi\n"))
 * // p?.message === "hi", p?.timestampText === "2026-11-27T07:29:41.326834"
 * ```
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseLine = (bytes: Uint8Array): ParsedLine | null => {
  const p = parseInternal(bytes)
  if (p === null) return null
  const { match, ts } = p
  return {
    persist: match.persist,
    version: "0",
    timestampRaw: decodeRange(bytes, match.tsStart, match.tsEnd),
    timestamp: ts.date,
    microsecond: ts.microsecond,
    timestampText: ts.text,
    source: decodeRange(bytes, match.tsEnd + 2, match.sep),
    id: decodeRange(bytes, match.sep + 1, match.close),
    message: decodeRange(bytes, match.close + 1, match.end),
    raw: bytes.subarray(match.close + 1, match.end)
  }
}

/**
 * `true` when the line has an mflog header prefix (Python's `mflog.is_structured`); it may still be unparseable.
 *
 * @since 0.1.0
 * @category parsing
 */
export const isStructured = (bytes: Uint8Array): boolean => {
  const at = bytes[0] === 0x5b && bytes[1] === 0x21 && bytes[2] === 0x5b ? 2 : 0
  if (bytes.length < at + 7) return false
  for (let i = 0; i < 7; i++) if (bytes[at + i] !== PREFIX[i]) return false
  return true
}

// -------------------------------------------------------------------------------------------------
// formatting
// -------------------------------------------------------------------------------------------------

/**
 * Render a timestamp as mflog headers do (`%Y-%m-%dT%H:%M:%S.%f`, always 6 fraction digits, UTC).
 * `microsecond` defaults to the `Date`'s milliseconds × 1000.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatTimestamp = (date: Date, microsecond: number = date.getUTCMilliseconds() * 1000): string =>
  `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${
    pad(date.getUTCHours(), 2)
  }:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(microsecond, 6)}`

/**
 * Fields of a line to write with {@link formatLine}.
 *
 * @since 0.1.0
 * @category models
 */
export interface LineFields {
  readonly persist?: boolean
  /** Header timestamp text without `Z`, e.g. from {@link formatTimestamp}. */
  readonly timestampRaw: string
  /** Must be non-empty and contain neither `|` nor `\n`. */
  readonly source: string
  /** Must be non-empty and contain neither `]` nor `\n`. */
  readonly id: string
  /** Must not contain `\n`. */
  readonly message: string | Uint8Array
}

/**
 * Build one mflog line without terminator (Python's `mflog.decorate`, plus `set_should_persist` when
 * `persist`). `parseLine(formatLine(f))` gives back `f` when the fields respect the documented constraints.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatLine = (fields: LineFields): Uint8Array => {
  const head = encoder.encode(
    `${fields.persist === true ? "[!" : ""}[MFLOG|0|${fields.timestampRaw}Z|${fields.source}|${fields.id}]`
  )
  const msg = typeof fields.message === "string" ? encoder.encode(fields.message) : fields.message
  const out = new Uint8Array(head.length + msg.length)
  out.set(head, 0)
  out.set(msg, head.length)
  return out
}

// -------------------------------------------------------------------------------------------------
// merging
// -------------------------------------------------------------------------------------------------

/** `MISSING_TIMESTAMP_STR` of mflog.py: `datetime(3000, 1, 1).strftime(ISOFORMAT)`. */
const MISSING_TS_KEY = "3000-01-01T00:00:00.000000"
const MISSING_TS = makeTimestamp(3000, 1, 1, 0, 0, 0, 0)

/** Sort entry mirroring Python's `(utc_tstamp_str, MFLogline(...))` tuple; `parsed` is `null` when unparseable. */
interface Entry {
  readonly key: string
  readonly parsed: Parsed | null
  readonly line: Uint8Array
}

const compareEntries = (a: Entry, b: Entry): number => {
  const pa = a.parsed
  const pb = b.parsed
  const la = a.line
  const lb = b.line
  // utc_tstamp_str
  if (a.key !== b.key) return a.key < b.key ? -1 : 1
  // Python: False vs None / b"[!" raises TypeError; we put parseable lines first.
  if (pa === null || pb === null) {
    if (pa !== null) return -1
    if (pb !== null) return 1
    // (False, None, MISSING, None, None, line, MISSING_TIMESTAMP): only the raw line differs
    return compareBytes(la, lb)
  }
  const ma = pa.match
  const mb = pb.match
  // should_persist: None vs b"[!" raises TypeError in Python; we put unmarked lines first.
  if (ma.persist !== mb.persist) return ma.persist ? 1 : -1
  // version (always b"0") and utc_tstamp_str (equal here) tie; then source, id, msg
  // Python's key ends here; the raw line (which may differ only by its final "\n") breaks the last tie,
  // so the output does not depend on the order of the source files.
  return compareRanges(la, ma.tsEnd + 2, ma.sep, lb, mb.tsEnd + 2, mb.sep) ||
    compareRanges(la, ma.sep + 1, ma.close, lb, mb.sep + 1, mb.close) ||
    compareRanges(la, ma.close + 1, ma.end, lb, mb.close + 1, mb.end) ||
    compareBytes(la, lb)
}

const entryOf = (line: Uint8Array): Entry => {
  const parsed = parseInternal(line)
  return { key: parsed === null ? MISSING_TS_KEY : parsed.key, parsed, line }
}

const toLogLine = (e: Entry): LogLine => {
  const line = e.line
  if (e.parsed === null) {
    return {
      timestamp: new Date(MISSING_TS.date.getTime()),
      timestampText: MISSING_TS.text,
      microsecond: 0,
      message: decode(line),
      raw: line,
      source: null,
      id: null,
      persist: false,
      line
    }
  }
  const { match, ts } = e.parsed
  return {
    timestamp: ts.date,
    timestampText: ts.text,
    microsecond: ts.microsecond,
    message: decodeRange(line, match.close + 1, match.end),
    raw: line.subarray(match.close + 1, match.end),
    source: decodeRange(line, match.tsEnd + 2, match.sep),
    id: decodeRange(line, match.sep + 1, match.close),
    persist: match.persist,
    line
  }
}

/**
 * The order of `merge_logs`: by header timestamp string, then persist marker, source, line id and message
 * bytes; unparseable lines (sort string `3000-01-01T00:00:00.000000`) by their raw bytes. Derived from
 * {@link LogLine.line}, so it works on any `LogLine` produced here.
 *
 * @since 0.1.0
 * @category ordering
 */
export const LogLineOrder: Order.Order<LogLine> = Order.make((a, b) => {
  const c = compareEntries(entryOf(a.line), entryOf(b.line))
  return c < 0 ? -1 : c > 0 ? 1 : 0
})

/**
 * Split a blob into lines the way Python's `BytesIO` iterates: on `\n` only, keeping it; a last line
 * without `\n` is kept; an empty blob has no lines.
 *
 * @since 0.1.0
 * @category parsing
 */
export const splitLines = (blob: Uint8Array): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let pos = 0
  while (pos < blob.length) {
    const nl = blob.indexOf(NL, pos)
    const end = nl < 0 ? blob.length : nl + 1
    out.push(blob.subarray(pos, end))
    pos = end
  }
  return out
}

/**
 * Merge the log files of one stream of one attempt (Python's `merge_logs`, as used by `Task.loglines`).
 * Each source is the full content of one file (`runtime`, `task`; pass an empty array for a missing
 * file). Parseable lines are ordered by their header (see {@link LogLineOrder}); unparseable lines get
 * the timestamp 3000-01-01 and their raw line (with `\n`) as message, so they normally come last.
 * The result does not depend on the order of `sources`. O(n log n) in the number of lines.
 *
 * Returns `Either` (which is also an `Effect`: `yield* Mflog.mergeLogs(...)` works in `Effect.gen`).
 *
 * @since 0.1.0
 * @category merging
 */
export const mergeLogs = (
  sources: ReadonlyArray<Uint8Array>,
  options?: MergeOptions
): Either.Either<ReadonlyArray<LogLine>, MflogError> => {
  const maxLine = options?.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const maxTotal = options?.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES
  const total = totalSize(sources)
  if (total > maxTotal) {
    return Either.left(new MflogError({ reason: "LogTooLarge", sourceIndex: -1, lineNumber: 0, size: total, limit: maxTotal }))
  }
  const entries: Array<Entry> = []
  for (let si = 0; si < sources.length; si++) {
    const lines = splitLines(sources[si]!)
    for (let li = 0; li < lines.length; li++) {
      const line = lines[li]!
      const len = line.length - (line[line.length - 1] === NL ? 1 : 0)
      if (len > maxLine) {
        return Either.left(
          new MflogError({ reason: "LineTooLong", sourceIndex: si, lineNumber: li + 1, size: len, limit: maxLine })
        )
      }
      entries.push(entryOf(line))
    }
  }
  // One global sort is equivalent to Python's per-file sort + heapq.merge: the key is a total order and
  // entries that compare equal are byte-identical lines.
  entries.sort(compareEntries)
  return Either.right(entries.map(toLogLine))
}

// -------------------------------------------------------------------------------------------------
// rendering and caller helpers
// -------------------------------------------------------------------------------------------------

/**
 * Python's `Task.stdout` / `Task.stderr`: `"".join(msg + "\n" for _, msg in loglines)`.
 *
 * @since 0.1.0
 * @category rendering
 */
export const toText = (lines: ReadonlyArray<LogLine>): string => {
  const parts: Array<string> = new Array(lines.length)
  for (let i = 0; i < lines.length; i++) parts[i] = lines[i]!.message + "\n"
  return parts.join("")
}

/**
 * The byte form of {@link toText} (`as_unicode=False` messages joined with `\n`); exact for invalid UTF-8.
 *
 * @since 0.1.0
 * @category rendering
 */
export const toBytes = (lines: ReadonlyArray<LogLine>): Uint8Array => {
  let n = 0
  for (const l of lines) n += l.raw.length + 1
  const out = new Uint8Array(n)
  let pos = 0
  for (const l of lines) {
    out.set(l.raw, pos)
    pos += l.raw.length
    out[pos++] = NL
  }
  return out
}

/**
 * The single `(None, "")` pair Python's `loglines` yields when the task's (attempt-filtered) metadata lacks
 * `ds-type` or `ds-root` (e.g. `_parameters` tasks, attempts that never started).
 *
 * @since 0.1.0
 * @category constructors
 */
export const noDatastoreLine: LogLine = {
  timestamp: null,
  timestampText: null,
  microsecond: 0,
  message: "",
  raw: EMPTY,
  source: null,
  id: null,
  persist: false,
  line: EMPTY
}

/**
 * What `loglines` yields without `ds-type`/`ds-root`: `[noDatastoreLine]`, so `toText` gives `"\n"` (size 0).
 *
 * @since 0.1.0
 * @category constructors
 */
export const noDatastoreLines: ReadonlyArray<LogLine> = [noDatastoreLine]

/**
 * `true` when `loglines` must read files, i.e. the metadata has both `ds-type` and `ds-root`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const hasDatastore = (metadata: Readonly<Record<string, string | undefined>>): boolean =>
  metadata["ds-type"] !== undefined && metadata["ds-root"] !== undefined

/**
 * `stdout_size` / `stderr_size`: the sum of the raw file sizes (headers included).
 *
 * @since 0.1.0
 * @category helpers
 */
export const totalSize = (sources: ReadonlyArray<Uint8Array>): number => {
  let n = 0
  for (const s of sources) n += s.length
  return n
}

/**
 * Name of an mflog file in the task directory: `<attempt>.<source>_<stream>.log`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const logFileName = (attempt: number, source: LogSource, stream: LogStream): string =>
  `${attempt}.${source}_${stream}.log`

/**
 * Name of a legacy (< 2.2.10, pre-mflog) log file in the task directory: `<attempt>.<stream>.log`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const legacyLogFileName = (attempt: number, stream: LogStream): string => `${attempt}.${stream}.log`

/**
 * Metadata key holding the legacy log location JSON for a stream: `log_location_<stream>`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const legacyLogLocationKey = (stream: LogStream): string => `log_location_${stream}`

/**
 * Text of a legacy log file: the whole file decoded as UTF-8 (with replacement; Python decodes strictly).
 *
 * @since 0.1.0
 * @category rendering
 */
export const legacyText = (bytes: Uint8Array): string => decode(bytes)

