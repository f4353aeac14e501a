/**
 * The body idle timeout (internal/idleBody.ts) on synthetic bodies: a wait for the next chunk longer than
 * the timeout aborts and fails as idle, whether the aborted body then fails or just ends; time the reader
 * spends between pulls never counts; the body's own failures are mapped; the timer goes with the scope.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import { idleBody } from "../src/internal/idleBody.js"

const bytes = (n: number) => new Uint8Array([n])

/**
 * A body of `count` one-byte chunks, each `delay` ms after its pull; `abort` makes a pending chunk
 * fail ("fails") or the body end ("ends"). Returns the body and the number of aborts.
 */
const slowBody = (count: number, delay: number, onAbort: "fails" | "ends") =>
  Effect.gen(function*() {
    const aborted = yield* Deferred.make<void>()
    let aborts = 0
    const abort = Effect.suspend(() => {
      aborts++
      return Deferred.succeed(aborted, undefined)
    })
    const chunk = (i: number) =>
      Effect.raceFirst(
        Effect.as(Effect.sleep(delay), Chunk.of(bytes(i))),
        Effect.flatMap(Deferred.await(aborted), () => (onAbort === "fails" ? Effect.fail("socket closed" as const) : Effect.succeed(Chunk.empty<Uint8Array>())))
      )
    const body = Stream.range(1, count).pipe(
      Stream.mapEffect(chunk),
      Stream.takeWhile((c) => Chunk.isNonEmpty(c)),
      Stream.flattenChunks
    )
    return { body, abort, aborts: () => aborts }
  })

const options = (abort: Effect.Effect<void>, timeoutMs: number) => ({
  timeoutMs,
  abort,
  onIdle: () => "idle" as const,
  onError: (e: string) => `body: ${e}` as const
})

describe("idleBody", () => {
  for (const onAbort of ["fails", "ends"] as const) {
    it.live(`a wait longer than the timeout aborts the request and fails as idle (the aborted body ${onAbort})`, () =>
      Effect.gen(function*() {
        const { abort, aborts, body } = yield* slowBody(5, 400, onAbort)
        const got = yield* Effect.either(Stream.runCollect(yield* idleBody(body, options(abort, 100))))
        assert.deepStrictEqual(got, Either.left("idle"))
        assert.strictEqual(aborts(), 1)
      }).pipe(Effect.scoped, Effect.timeout("5 seconds")))
  }

  it.live("quick chunks pass, however long the reader takes between pulls", () =>
    Effect.gen(function*() {
      const { abort, aborts, body } = yield* slowBody(4, 10, "fails")
      const watched = yield* idleBody(body, options(abort, 100))
      const got = yield* Stream.runCollect(watched.pipe(Stream.tap(() => Effect.sleep("250 millis"))))
      assert.deepStrictEqual(Chunk.toReadonlyArray(got).map((b) => b[0]), [1, 2, 3, 4])
      assert.strictEqual(aborts(), 0)
    }).pipe(Effect.scoped, Effect.timeout("5 seconds")))

  it.live("waits just under the timeout, many times over, pass", () =>
    Effect.gen(function*() {
      const { abort, aborts, body } = yield* slowBody(6, 60, "fails")
      const got = yield* Stream.runCollect(yield* idleBody(body, options(abort, 150)))
      assert.strictEqual(Chunk.size(got), 6)
      assert.strictEqual(aborts(), 0)
    }).pipe(Effect.scoped, Effect.timeout("5 seconds")))

  it.live("the body's own failure is mapped, not called idle", () =>
    Effect.gen(function*() {
      const body = Stream.concat(Stream.make(bytes(1)), Stream.fail("reset" as const))
      const got = yield* Effect.either(Stream.runCollect(yield* idleBody(body, options(Effect.void, 1000))))
      assert.deepStrictEqual(got, Either.left("body: reset"))
    }).pipe(Effect.scoped))

  it.live("the timer goes with the scope: no abort after the body is done", () =>
    Effect.gen(function*() {
      let aborts = 0
      const abort = Effect.sync(() => void aborts++)
      yield* Effect.scoped(Effect.gen(function*() {
        const watched = yield* idleBody(Stream.make(bytes(1), bytes(2)), options(abort, 50))
        // a pull that ends the body leaves the timer armed until the scope closes
        assert.strictEqual(Chunk.size(yield* Stream.runCollect(watched)), 2)
      }))
      yield* Effect.sleep("150 millis")
      assert.strictEqual(aborts, 0)
    }))
})
