/** Text decoding helpers matching CPython's codecs used by pickle. @internal */

const utf8Fatal = new TextDecoder("utf-8", { fatal: true })

/** Builds a string from UTF-16 code units without quadratic concatenation or huge `apply` calls. */
const fromCodeUnits = (units: Uint16Array, length: number): string => {
  const CHUNK = 8192
  if (length <= CHUNK) return String.fromCharCode.apply(null, units.subarray(0, length) as unknown as Array<number>)
  const parts: Array<string> = []
  for (let i = 0; i < length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, units.subarray(i, Math.min(length, i + CHUNK)) as unknown as Array<number>))
  }
  return parts.join("")
}

/**
 * UTF-8 with Python's `surrogatepass` (lone surrogates arrive as `ED A0..BF xx` and become lone UTF-16 code
 * units). Returns `undefined` for input Python would reject.
 */
export const decodeUtf8SurrogatePass = (b: Uint8Array, start: number, end: number): string | undefined => {
  const n = end - start
  if (n > 48) {
    try {
      return utf8Fatal.decode(b.subarray(start, end))
    } catch {
      // fall through: lone surrogates (or garbage) need the manual decoder
    }
  }
  const out = new Uint16Array(n)
  let o = 0
  let i = start
  while (i < end) {
    const c = b[i]
    if (c < 0x80) {
      out[o++] = c
      i++
      continue
    }
    let cp: number
    let need: number
    let min: number
    if (c >= 0xc2 && c <= 0xdf) {
      cp = c & 0x1f
      need = 1
      min = 0x80
    } else if (c >= 0xe0 && c <= 0xef) {
      cp = c & 0x0f
      need = 2
      min = 0x800
    } else if (c >= 0xf0 && c <= 0xf4) {
      cp = c & 0x07
      need = 3
      min = 0x10000
    } else {
      return undefined
    }
    if (i + need >= end) return undefined
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k]
      if ((cc & 0xc0) !== 0x80) return undefined
      cp = (cp << 6) | (cc & 0x3f)
    }
    if (cp < min || cp > 0x10ffff) return undefined
    i += need + 1
    if (cp >= 0x10000) {
      cp -= 0x10000
      out[o++] = 0xd800 + (cp >> 10)
      out[o++] = 0xdc00 + (cp & 0x3ff)
    } else {
      out[o++] = cp // includes surrogates (surrogatepass)
    }
  }
  return fromCodeUnits(out, o)
}

/** Latin-1: every byte is one code point. */
export const decodeLatin1 = (b: Uint8Array, start: number, end: number): string => {
  const units = new Uint16Array(end - start)
  for (let i = start; i < end; i++) units[i - start] = b[i]
  return fromCodeUnits(units, end - start)
}

/** ASCII (Python's default `encoding="ASCII"` for protocol-0/1 `str` of Python 2); `undefined` on bytes >= 0x80. */
export const decodeAscii = (b: Uint8Array): string | undefined => {
  for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) return undefined
  return decodeLatin1(b, 0, b.length)
}

/** `raw-unicode-escape` (protocol-0 `UNICODE`): `\uXXXX` and `\UXXXXXXXX` escapes, other bytes latin-1. */
export const decodeRawUnicodeEscape = (b: Uint8Array, start: number, end: number): string | undefined => {
  const parts: Array<string> = []
  let runStart = start
  let i = start
  while (i < end) {
    if (b[i] === 0x5c && i + 1 < end && (b[i + 1] === 0x75 || b[i + 1] === 0x55)) {
      // only an odd run of backslashes escapes
      let bs = 0
      for (let k = i; k >= start && b[k] === 0x5c; k--) bs++
      if (bs % 2 === 1) {
        const digits = b[i + 1] === 0x75 ? 4 : 8
        if (i + 2 + digits > end) return undefined
        let cp = 0
        for (let k = 0; k < digits; k++) {
          const h = hexValue(b[i + 2 + k])
          if (h < 0) return undefined
          cp = cp * 16 + h
        }
        if (cp > 0x10ffff) return undefined
        parts.push(decodeLatin1(b, runStart, i))
        parts.push(String.fromCodePoint(cp))
        i += 2 + digits
        runStart = i
        continue
      }
    }
    i++
  }
  parts.push(decodeLatin1(b, runStart, end))
  return parts.join("")
}

const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1

/**
 * Decodes a protocol-0 `STRING` argument: a quoted Python-2 string literal with backslash escapes
 * (like `codecs.escape_decode`). Returns the raw bytes or `undefined` when malformed.
 */
export const decodeStringLiteral = (b: Uint8Array, start: number, end: number): Uint8Array | undefined => {
  if (end - start < 2) return undefined
  const q = b[start]
  if ((q !== 0x22 && q !== 0x27) || b[end - 1] !== q) return undefined
  const out: Array<number> = []
  let i = start + 1
  const stop = end - 1
  while (i < stop) {
    const c = b[i]
    if (c !== 0x5c) {
      out.push(c)
      i++
      continue
    }
    if (i + 1 >= stop) return undefined
    const e = b[i + 1]
    i += 2
    switch (e) {
      case 0x0a: break // line continuation
      case 0x5c: out.push(0x5c); break
      case 0x27: out.push(0x27); break
      case 0x22: out.push(0x22); break
      case 0x61: out.push(7); break
      case 0x62: out.push(8); break
      case 0x66: out.push(12); break
      case 0x6e: out.push(10); break
      case 0x72: out.push(13); break
      case 0x74: out.push(9); break
      case 0x76: out.push(11); break
      case 0x78: {
        const h1 = i < stop ? hexValue(b[i]) : -1
        const h2 = i + 1 < stop ? hexValue(b[i + 1]) : -1
        if (h1 < 0 || h2 < 0) return undefined
        out.push(h1 * 16 + h2)
        i += 2
        break
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30
          for (let k = 0; k < 2 && i < stop && b[i] >= 0x30 && b[i] <= 0x37; k++) v = v * 8 + (b[i++] - 0x30)
          out.push(v & 0xff)
        } else {
          out.push(0x5c, e) // unknown escapes are kept verbatim
        }
    }
  }
  return Uint8Array.from(out)
}
