/**
 * Namespaces: which runs a query sees. A namespace is one tag (`user:alice`, `production:<token>`,
 * `project:…`, any user tag) or `null` for "everything". It is a value in the Effect context, never
 * process-global state: `withNamespace` scopes it to one program, and objects capture the namespace that
 * was current when they were made, as Python's objects do.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import { UnknownUser } from "./Errors.js"

/**
 * A namespace tag, or `null` for all namespaces.
 *
 * @since 0.1.0
 * @category models
 */
export type Namespace = string | null

/**
 * The namespace in effect. `None` means "not chosen": it resolves to the default namespace on use.
 *
 * @since 0.1.0
 * @category context
 */
export class CurrentNamespace extends Context.Reference<CurrentNamespace>()(
  "@metaflow-client/core/Namespace/CurrentNamespace",
  { defaultValue: (): Option.Option<Namespace> => Option.none() }
) {}

const optionalEnv = (name: string) =>
  Config.string(name).pipe(Config.option, Effect.orElseSucceed(() => Option.none<string>()))

/**
 * The user name as Python resolves it: the first of `METAFLOW_USER`, `SUDO_USER`, `USERNAME`, `USER` that is
 * non-empty and not `root`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const currentUser: Effect.Effect<Option.Option<string>> = Effect.gen(function*() {
  for (const name of ["METAFLOW_USER", "SUDO_USER", "USERNAME", "USER"]) {
    const value = yield* optionalEnv(name)
    if (Option.isSome(value) && value.value !== "" && value.value !== "root") return value
  }
  return Option.none()
})

/**
 * The default namespace, read from `Config` as Python reads it from the environment:
 * `production:<METAFLOW_PRODUCTION_TOKEN>` when that is set, else `user:<name>` (see `currentUser`), else
 * `UnknownUser`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultNamespace: Effect.Effect<string, UnknownUser> = Effect.gen(function*() {
  const token = yield* optionalEnv("METAFLOW_PRODUCTION_TOKEN")
  if (Option.isSome(token) && token.value !== "") return `production:${token.value}`
  const user = yield* currentUser
  if (Option.isSome(user)) return `user:${user.value}`
  return yield* new UnknownUser()
})

/**
 * The namespace in effect: the one set with `withNamespace`, else the default.
 *
 * @since 0.1.0
 * @category accessors
 */
export const get: Effect.Effect<Namespace, UnknownUser> = Effect.flatMap(
  CurrentNamespace,
  Option.match({ onNone: () => defaultNamespace, onSome: Effect.succeed })
)

/**
 * Runs a program in the given namespace (`null` = all namespaces). Python: `namespace(ns)`, but scoped.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withNamespace: {
  (namespace: Namespace): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, namespace: Namespace): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, namespace: Namespace): Effect.Effect<A, E, R> =>
    Effect.provideService(self, CurrentNamespace, Option.some(namespace))
)

/**
 * Whether an object with these tags is in the namespace: `null` admits everything, otherwise the tag must
 * be one of the object's tags (user or system).
 *
 * @since 0.1.0
 * @category predicates
 */
export const admits = (namespace: Namespace, tags: Iterable<string>): boolean => {
  if (namespace === null) return true
  for (const tag of tags) if (tag === namespace) return true
  return false
}
