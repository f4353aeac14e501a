/**
 * A response body read with an idle timeout: the longest wait for the next chunk while the reader is
 * waiting for it (time the reader spends elsewhere, writing what it got, does not count).
 *
 * One wall-clock timer per body, re-armed only when it fires. At the deadline it aborts the request (its
 * `abort` closes the scope the request's `AbortController` is bound to), the body fails, and the failure
 * is reported as `onIdle()`. `Stream.timeoutFail` instead races a fiber and a timer on every chunk: for a
 * 272 MB body from a loopback S3 that was 10–20 % of the time and 15–20 MB more peak memory
 * (bench/NOTES.md, session 15).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * `body` with an idle timeout of `timeoutMs` (see the module): failures of the body are mapped by
 * `onError`, or are `onIdle()` when the timeout aborted it. The timer is cleared with the scope.
 */
export const idleBody = <E, F>(
  body: Stream.Stream<Uint8Array, E>,
  options: {
    readonly timeoutMs: number
    /** Aborts the request. */
    readonly abort: Effect.Effect<void>
    readonly onIdle: () => F
    readonly onError: (e: E) => F
  }
): Effect.Effect<Stream.Stream<Uint8Array, F>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { abort, onError, onIdle, timeoutMs } = options
    const pull = yield* Stream.toPull(body)
    /** When the pending pull began; `undefined` while the reader is elsewhere. */
    let waitingSince: number | undefined
    let expired = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const check = () => {
      timer = undefined
      if (waitingSince === undefined) return // armed again by the next pull
      const waited = Date.now() - waitingSince
      if (waited < timeoutMs) {
        timer = setTimeout(check, timeoutMs - waited)
        return
      }
      expired = true
      Effect.runFork(abort)
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
      })
    )
    const next = Effect.suspend(() => {
      waitingSince = Date.now()
      timer ??= setTimeout(check, timeoutMs)
      return Effect.matchEffect(pull, {
        onSuccess: (chunk) => {
          waitingSince = undefined
          return Effect.succeed(chunk)
        },
        // an aborted body may also just end: after the deadline, that is the timeout too
        onFailure: (e) => {
          waitingSince = undefined
          return Effect.fail(expired ? Option.some(onIdle()) : Option.map(e, onError))
        }
      })
    })
    return Stream.repeatEffectChunkOption(next)
  })
