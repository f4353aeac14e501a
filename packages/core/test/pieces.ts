/**
 * Test input for streaming decoders: bytes cut into pieces at arbitrary offsets (used by the gunzip stream
 * tests of core and of provider-local).
 */

/**
 * `bytes` cut at the given offsets (each taken modulo `length + 1`, duplicates dropped), in order: empty
 * pieces occur where an offset is 0 or the length, so decoders see empty chunks too.
 */
export const cutAt = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const pieces: Array<Uint8Array> = []
  let prev = 0
  for (const c of [...at, bytes.length]) {
    pieces.push(bytes.subarray(prev, c))
    prev = c
  }
  return pieces
}
