/**
 * `within`, the request timeout: the answer or the failure of the request when it comes in time; the
 * timeout's error after the deadline, the request being interrupted first; and an interrupted caller
 * interrupts the request.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { within } from "../src/internal/api.js"

describe("within (request timeout)", () => {
  it.live("an answer in time, a failure in time", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* within(Effect.as(Effect.sleep("5 millis"), 42), 1_000, () => "late"), 42)
      assert.strictEqual(yield* Effect.flip(within(Effect.fail("boom"), 1_000, () => "late")), "boom")
    }))

  it.live("past the deadline: the request is interrupted, then the timeout's error", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const slow = Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)))
      const started = Date.now()
      assert.strictEqual(yield* Effect.flip(within(slow, 20, () => "late")), "late")
      assert.isTrue(yield* Deferred.isDone(interrupted), "interrupted before the error")
      assert.isBelow(Date.now() - started, 1_000)
    }))

  it.live("an interrupted caller interrupts the request", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const running = yield* Deferred.make<void>()
      const slow = Effect.zipRight(Deferred.succeed(running, undefined), Effect.never).pipe(
        Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
      )
      const caller = yield* Effect.fork(within(slow, 60_000, () => "late"))
      yield* Deferred.await(running)
      const exit = yield* Fiber.interrupt(caller)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isTrue(yield* Deferred.isDone(interrupted))
    }))
})
