/**
 * Byte arrays: the one helper every package needs when a blob arrives in chunks.
 *
 * @since 0.1.0
 */

/**
 * The chunks joined into one array (the chunk itself when there is only one: no copy).
 *
 * @since 0.1.0
 * @category combinators
 */
export const concat = (chunks: Iterable<Uint8Array>): Uint8Array => {
  const all = Array.isArray(chunks) ? (chunks as ReadonlyArray<Uint8Array>) : [...chunks]
  if (all.length === 1) return all[0]!
  let total = 0
  for (const c of all) total += c.length
  const out = new Uint8Array(total)
  let at = 0
  for (const c of all) {
    out.set(c, at)
    at += c.length
  }
  return out
}
