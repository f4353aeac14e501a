/** A small reader of ustar/GNU tar archives (what Python's tarfile writes for code packages). */

/** One archive member. */
export interface TarEntry {
  readonly name: string
  readonly size: number
  /** `file`, `directory`, `symlink`, or `other`. */
  readonly type: "file" | "directory" | "symlink" | "other"
  readonly mtime: number
  readonly data: Uint8Array
}

const text = (b: Uint8Array, start: number, length: number): string => {
  let end = start
  while (end < start + length && b[end] !== 0) end++
  return new TextDecoder().decode(b.subarray(start, end))
}

const octal = (b: Uint8Array, start: number, length: number): number => {
  const s = text(b, start, length).trim()
  return s === "" ? 0 : parseInt(s, 8)
}

/** Parses a whole (already gunzipped) tar archive; throws an Error naming the problem on malformed input. */
export const parse = (b: Uint8Array): Array<TarEntry> => {
  const out: Array<TarEntry> = []
  let offset = 0
  let longName: string | undefined
  let paxPath: string | undefined
  while (offset + 512 <= b.length) {
    const header = b.subarray(offset, offset + 512)
    if (header.every((x) => x === 0)) break
    const size = octal(header, 124, 12)
    if (!Number.isFinite(size) || size < 0) throw new Error(`bad size field at offset ${offset}`)
    const typeflag = String.fromCharCode(header[156]!)
    const prefix = text(header, 345, 155)
    const base = text(header, 0, 100)
    const dataStart = offset + 512
    if (dataStart + size > b.length) throw new Error(`member at offset ${offset} is truncated`)
    const data = b.subarray(dataStart, dataStart + size)
    offset = dataStart + Math.ceil(size / 512) * 512
    if (typeflag === "L") {
      longName = text(data, 0, data.length)
      continue
    }
    if (typeflag === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(data))
      paxPath = m?.[1]
      continue
    }
    if (typeflag === "g") continue
    const name = paxPath ?? longName ?? (prefix !== "" ? `${prefix}/${base}` : base)
    longName = undefined
    paxPath = undefined
    const type = typeflag === "0" || typeflag === "\0" ? "file" : typeflag === "5" ? "directory" : typeflag === "2" ? "symlink" : "other"
    out.push({ name, size, type, mtime: octal(header, 136, 12), data })
  }
  return out
}
