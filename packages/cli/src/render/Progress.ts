/**
 * A progress bar on stderr for walks over many tasks. Drawn only when stderr is a terminal and there is
 * enough to do; erased when the walk ends, so stdout stays clean.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Style from "./Style.js"

/**
 * A running progress bar.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** One more item done. */
  readonly tick: Effect.Effect<void>
}

const WIDTH = 28
const MIN_ITEMS = 8

/**
 * Runs `f` with a progress bar over `total` items labelled `label`; the bar is erased afterwards,
 * whether `f` succeeds or fails.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withProgress = <A, E, R>(
  style: Style.Style,
  label: string,
  total: number,
  f: (progress: Progress) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  if (!style.progress || total < MIN_ITEMS) return f({ tick: Effect.void })
  let done = 0
  let last = 0
  const draw = (force: boolean) => {
    const now = Date.now()
    if (!force && now - last < 50) return
    last = now
    const filled = Math.round((done / total) * WIDTH)
    process.stderr.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(WIDTH - filled)}] ${done}/${total}`)
  }
  const tick = Effect.sync(() => {
    done++
    draw(done === total)
  })
  return Effect.acquireUseRelease(
    Effect.sync(() => draw(true)),
    () => f({ tick }),
    () => Effect.sync(() => process.stderr.write("\r\u001b[2K"))
  )
}
