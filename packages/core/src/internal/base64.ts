/** Standard base64 (with padding) without `Buffer`. @internal */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
const DECODE = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** Encodes bytes as base64 text (linear; built in chunks). */
export const encodeBase64 = (b: Uint8Array): string => {
  const parts: Array<string> = []
  const CHUNK = 3 * 4096
  for (let start = 0; start < b.length; start += CHUNK) {
    const end = Math.min(b.length, start + CHUNK)
    let s = ""
    let i = start
    for (; i + 2 < end; i += 3) {
      const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2]
      s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63]
    }
    if (end - i === 1) {
      const n = b[i] << 16
      s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + "=="
    } else if (end - i === 2) {
      const n = (b[i] << 16) | (b[i + 1] << 8)
      s += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + "="
    }
    parts.push(s)
  }
  return parts.join("")
}

/** Decodes base64 text; `undefined` when it is not valid base64. */
export const decodeBase64 = (s: string): Uint8Array | undefined => {
  const clean = s.replace(/=+$/, "")
  if (clean.length % 4 === 1) return undefined
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4))
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i)
    const v = c < 128 ? DECODE[c] : -1
    if (v < 0) return undefined
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  return out
}
