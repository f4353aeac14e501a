/**
 * Aligned text tables and key/value blocks, measured on visible width (colours do not count).
 *
 * @since 0.1.0
 */
import * as Style from "./Style.js"

/**
 * Renders rows under a header, columns separated by two spaces, the last column not padded. A header
 * row is printed in bold on terminals. Returns the text with a trailing newline (empty for no rows and
 * no header).
 *
 * @since 0.1.0
 * @category rendering
 */
export const table = (
  style: Style.Style,
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): string => {
  const all = [header.map((h) => Style.bold(style, h)), ...rows]
  const widths: Array<number> = []
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Style.strip(cell).length)
    })
  }
  return all.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - Style.strip(cell).length)).join("  ")
      .trimEnd()
  ).join("\n") + "\n"
}

/**
 * A `key: value` block with aligned values (`value` may span lines; later lines are indented).
 *
 * @since 0.1.0
 * @category rendering
 */
export const fields = (style: Style.Style, entries: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(0, ...entries.map(([k]) => k.length + 1))
  return entries.map(([k, v]) => {
    const label = Style.bold(style, `${k}:`) + " ".repeat(width - k.length - 1)
    return `${label}  ${v.split("\n").join("\n" + " ".repeat(width + 2))}`
  }).join("\n") + "\n"
}
