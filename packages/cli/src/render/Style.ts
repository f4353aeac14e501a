/**
 * How output looks: on a terminal, colours and local times with relative ages; elsewhere (pipes, files,
 * tests) plain text with ISO-8601 UTC times. Decided once per process from the streams and the
 * environment (`NO_COLOR`, `FORCE_COLOR`, `MFC_TTY`).
 *
 * @since 0.1.0
 */

/**
 * The output mode of one command.
 *
 * @since 0.1.0
 * @category models
 */
export interface Style {
  /** stdout is a terminal (or `MFC_TTY=1`): aligned tables with local + relative times. */
  readonly tty: boolean
  /** ANSI colours on stdout. */
  readonly color: boolean
  /** stderr is a terminal: progress bars may be drawn there. */
  readonly progress: boolean
  /** Reference time for relative ages (epoch ms). */
  readonly now: number
}

const env = (name: string): string | undefined => {
  const v = process.env[name]
  return v === undefined || v === "" ? undefined : v
}

/**
 * The style of this process; `json` output is never decorated.
 *
 * @since 0.1.0
 * @category constructors
 */
export const detect = (json: boolean): Style => {
  const forcedTty = env("MFC_TTY")
  const tty = !json && (forcedTty !== undefined ? forcedTty !== "0" : process.stdout.isTTY === true)
  const color = tty && env("NO_COLOR") === undefined || (!json && env("FORCE_COLOR") !== undefined && env("FORCE_COLOR") !== "0")
  const progress = process.stderr.isTTY === true && env("MFC_NO_PROGRESS") === undefined
  return { tty, color, progress, now: Date.now() }
}

const ansi = (code: string) => (style: Style, text: string): string =>
  style.color ? `\u001b[${code}m${text}\u001b[0m` : text

/** @since 0.1.0 @category colours */
export const bold = ansi("1")
/** @since 0.1.0 @category colours */
export const dim = ansi("2")
/** @since 0.1.0 @category colours */
export const red = ansi("31")
/** @since 0.1.0 @category colours */
export const green = ansi("32")
/** @since 0.1.0 @category colours */
export const yellow = ansi("33")
/** @since 0.1.0 @category colours */
export const cyan = ansi("36")

/**
 * A status word (`completed`, `failed`, `running`, ...) in its colour.
 *
 * @since 0.1.0
 * @category colours
 */
export const status = (style: Style, s: string): string =>
  s === "completed" ? green(style, s) : s === "failed" ? red(style, s) : s === "running" ? yellow(style, s) : s

/** Strips ANSI escapes (to measure visible width). @since 0.1.0 @category text */
export const strip = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "")

const pad2 = (n: number) => String(n).padStart(2, "0")

/**
 * A local wall-clock time `YYYY-MM-DD HH:MM:SS`.
 *
 * @since 0.1.0
 * @category time
 */
export const localTime = (d: Date): string =>
  `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`

/**
 * A duration in words: `45s`, `3m 2s`, `5h 3m`, `12d 4h`.
 *
 * @since 0.1.0
 * @category time
 */
export const duration = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h ${m % 60}m`
  const d = Math.floor(h / 24)
  return `${d}d ${h % 24}h`
}

/**
 * An age relative to `now`: `5m ago`, `in 3d` (for clocks that disagree).
 *
 * @since 0.1.0
 * @category time
 */
export const relative = (now: number, d: Date): string => {
  const diff = now - d.getTime()
  if (Math.abs(diff) < 1000) return "just now"
  const text = duration(Math.abs(diff)).split(" ")[0]!
  return diff >= 0 ? `${text} ago` : `in ${text}`
}

/**
 * A time for humans: on a terminal `2026-11-27 08:11:15 (3d ago)` in local time; otherwise ISO-8601 UTC.
 * `undefined` renders as `-`.
 *
 * @since 0.1.0
 * @category time
 */
export const time = (style: Style, d: Date | undefined): string => {
  if (d === undefined) return "-"
  return style.tty ? `${localTime(d)} ${dim(style, `(${relative(style.now, d)})`)}` : d.toISOString()
}
