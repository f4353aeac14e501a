/**
 * Authentication for the metadata service, as a pluggable request step. The service itself checks
 * nothing; deployments put a gateway in front of it that checks headers. Python Metaflow sends the
 * JSON object of `METAFLOW_SERVICE_HEADERS` on every request, plus `METAFLOW_SERVICE_AUTH_KEY` as
 * `x-api-key`. This module gives the same static headers, and a cached, refreshable token step for
 * gateways that want short-lived credentials.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Errors } from "@metaflow-client/core"

/**
 * A header value; secrets stay `Redacted` until the request is sent.
 *
 * @since 0.1.0
 * @category models
 */
export type HeaderValue = string | Redacted.Redacted<string>

/**
 * Headers added to every request.
 *
 * @since 0.1.0
 * @category models
 */
export type Headers = Readonly<Record<string, HeaderValue>>

/**
 * A request step that supplies headers. `headers` runs before every request attempt (wrap an expensive
 * acquisition with {@link cached}); `invalidate`, when present, is run after a `401` answer so that the
 * next attempt acquires fresh credentials (the `401` is then retried like a transient failure).
 *
 * @since 0.1.0
 * @category models
 */
export interface Auth {
  readonly headers: Effect.Effect<Headers, Errors.BackendError>
  readonly invalidate?: Effect.Effect<void>
}

/**
 * Static headers (e.g. from configuration) as an {@link Auth} step.
 *
 * @since 0.1.0
 * @category constructors
 */
export const staticHeaders = (headers: Headers): Auth => ({ headers: Effect.succeed(headers) })

/**
 * Turns an effect that acquires headers (a token exchange, a credentials file) into an {@link Auth} that
 * runs it at most once per `ttl`, and again after the service answered `401`. Concurrent requests share
 * one acquisition.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cached = Effect.fn("Auth.cached")(function*(
  acquire: Effect.Effect<Headers, Errors.BackendError>,
  ttl: Duration.DurationInput
) {
  const [headers, invalidate] = yield* Effect.cachedInvalidateWithTTL(acquire, ttl)
  const auth: Auth = { headers, invalidate }
  return auth
})

/**
 * Resolves header values to the strings sent on the wire.
 *
 * @since 0.1.0
 * @category utils
 */
export const reveal = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) out[k] = Redacted.isRedacted(v) ? Redacted.value(v) : v
  return out
}

/**
 * Parses the text of `METAFLOW_SERVICE_HEADERS`: a JSON object whose values are strings (numbers and
 * booleans are turned into their JSON text, as Python's `requests` would refuse them otherwise).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseHeaders = (text: string): Either.Either<Record<string, string>, string> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    return Either.left(`not JSON: ${String(e)}`)
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return Either.left("expected a JSON object of header names to values")
  }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === "string") out[k] = v
    else if (typeof v === "number" || typeof v === "boolean") out[k] = JSON.stringify(v)
    else return Either.left(`header '${k}' is not a string`)
  }
  return Either.right(out)
}

/**
 * The headers Python Metaflow sends, from `METAFLOW_SERVICE_HEADERS` (a JSON object, read as a secret)
 * and `METAFLOW_SERVICE_AUTH_KEY` (sent as `x-api-key`, overriding a header of the same name). Every
 * value is `Redacted`. Both variables are optional.
 *
 * @since 0.1.0
 * @category config
 */
export const headersConfig: Config.Config<Headers> = Config.all({
  json: Config.option(Config.redacted("METAFLOW_SERVICE_HEADERS")),
  authKey: Config.option(Config.redacted("METAFLOW_SERVICE_AUTH_KEY"))
}).pipe(
  Config.mapOrFail(({ authKey, json }) => {
    const out: Record<string, HeaderValue> = {}
    if (Option.isSome(json)) {
      const parsed = parseHeaders(Redacted.value(json.value))
      if (Either.isLeft(parsed)) {
        return Either.left(ConfigError.InvalidData(["METAFLOW_SERVICE_HEADERS"], parsed.left))
      }
      for (const [k, v] of Object.entries(parsed.right)) out[k] = Redacted.make(v)
    }
    if (Option.isSome(authKey)) {
      for (const k of Object.keys(out)) if (k.toLowerCase() === "x-api-key") delete out[k]
      out["x-api-key"] = authKey.value
    }
    return Either.right(out)
  })
)
