/** Checks shared by every object lookup: namespaces, attempts, not-found errors. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { InvalidAttempt, NamespaceMismatch, ObjectNotFound } from "../Errors.js"
import * as Namespace from "../Namespace.js"
import type { Kind } from "../Pathspec.js"
import type { Tagged } from "../Records.js"
import { displayName } from "./model.js"

/** Python's limit on attempts (`MAX_ATTEMPTS`). */
export const maxAttempts = 6

/** Fails unless an object with these tags is in the namespace. */
export const ensureInNamespace = (namespace: Namespace.Namespace, pathspec: string, tags: Tagged) =>
  namespace === null || Namespace.admits(namespace, tags.systemTags) || Namespace.admits(namespace, tags.tags)
    ? Effect.void
    : Effect.fail(new NamespaceMismatch({ pathspec, namespace }))

/** Whether a record is in the namespace. */
export const inNamespace = (namespace: Namespace.Namespace, tags: Tagged): boolean =>
  namespace === null || Namespace.admits(namespace, tags.systemTags) || Namespace.admits(namespace, tags.tags)

/** Whether a record carries every one of the tags (user or system). */
export const hasAllTags = (record: Tagged, tags: ReadonlyArray<string>): boolean =>
  tags.every((t) => record.tags.includes(t) || record.systemTags.includes(t))

/** The record, or Python's "does not exist" error. */
export const orNotFound = <A>(kind: Kind, pathspec: string, attempt?: number) =>
<E, R>(self: Effect.Effect<Option.Option<A>, E, R>): Effect.Effect<A, E | ObjectNotFound, R> =>
  Effect.flatMap(self, Option.match({
    onNone: () => Effect.fail(new ObjectNotFound({ object: displayName(kind, pathspec, attempt), pathspec })),
    onSome: Effect.succeed
  }))

/**
 * Validates an attempt as Python does: anything `int()` accepts (numbers, digit strings), non-negative,
 * below 6. `undefined` means "the latest".
 */
export const validateAttempt = (attempt: unknown): Effect.Effect<number | undefined, InvalidAttempt> => {
  if (attempt === undefined || attempt === null) return Effect.succeed(undefined)
  const n = typeof attempt === "number"
    ? attempt
    : typeof attempt === "string" && /^\s*[+-]?\d+\s*$/.test(attempt)
    ? Number(attempt)
    : Number.NaN
  if (!Number.isInteger(n)) return Effect.fail(new InvalidAttempt({ attempt, reason: "Attempt can only be an integer" }))
  if (n < 0) return Effect.fail(new InvalidAttempt({ attempt, reason: "Attempt can only be non-negative" }))
  if (n >= maxAttempts) {
    return Effect.fail(new InvalidAttempt({ attempt, reason: `Attempt can only be smaller than ${maxAttempts}` }))
  }
  return Effect.succeed(n)
}
