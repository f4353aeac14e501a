/**
 * Tag rules: validation of user tags and the result of a mutation, as Python's client enforces them.
 * Pure functions, so that the laws can be property-tested.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { TaggingError } from "./Errors.js"

/**
 * Python's limits: a tag has at most 500 characters; a mutation may not grow the user tags beyond 50.
 *
 * @since 0.1.0
 * @category constants
 */
export const limits = { maxTagLength: 500, maxUserTags: 50 } as const

/**
 * A requested change of user tags. Every change reduces to "remove these, then add those".
 *
 * @since 0.1.0
 * @category models
 */
export interface Mutation {
  readonly add: ReadonlyArray<string>
  readonly remove: ReadonlyArray<string>
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const validateTag = (tag: unknown): Either.Either<string, TaggingError> => {
  if (typeof tag !== "string") return Either.left(new TaggingError({ reason: "Tags must be strings" }))
  if (tag.length === 0) return Either.left(new TaggingError({ reason: "Tags must not be empty string" }))
  if (tag.length > limits.maxTagLength) {
    return Either.left(new TaggingError({ reason: `Tag is too long ${tag.length} > ${limits.maxTagLength}` }))
  }
  // Lone surrogates cannot be encoded as UTF-8 (Python: "Tags must be UTF-8 encodable").
  if (loneSurrogate.test(tag)) return Either.left(new TaggingError({ reason: "Tags must be UTF-8 encodable" }))
  return Either.right(tag)
}

/**
 * Checks a mutation against the run's current tags and computes the new user tags:
 * `(user − remove) ∪ (add − system)`. Removing a system tag is refused; adding one is silently ignored;
 * removing an absent tag is a no-op. `changed` is false when nothing would be written.
 *
 * @since 0.1.0
 * @category rules
 */
export const apply = (
  current: { readonly tags: ReadonlyArray<string>; readonly systemTags: ReadonlyArray<string> },
  mutation: Mutation
): Either.Either<{ readonly tags: ReadonlyArray<string>; readonly changed: boolean }, TaggingError> => {
  if (mutation.add.length === 0 && mutation.remove.length === 0) {
    return Either.left(new TaggingError({ reason: "Must add or remove at least one tag" }))
  }
  for (const tag of [...mutation.add, ...mutation.remove]) {
    const checked = validateTag(tag)
    if (Either.isLeft(checked)) return Either.left(checked.left)
  }
  const system = new Set(current.systemTags)
  const systemRemovals = mutation.remove.filter((t) => system.has(t))
  if (systemRemovals.length > 0) {
    const list = [...new Set(systemRemovals)].sort().map((t) => `'${t}'`).join(", ")
    return Either.left(new TaggingError({ reason: `Cannot remove a tag that is an existing system tag ([${list}])` }))
  }
  const next = new Set(current.tags)
  for (const t of mutation.remove) next.delete(t)
  for (const t of mutation.add) if (!system.has(t)) next.add(t)
  const before = new Set(current.tags)
  if (next.size > limits.maxUserTags && next.size > before.size) {
    return Either.left(new TaggingError({ reason: `Cannot increase size of tag set beyond ${limits.maxUserTags}` }))
  }
  const changed = next.size !== before.size || [...next].some((t) => !before.has(t))
  return Either.right({ tags: [...next], changed })
}
