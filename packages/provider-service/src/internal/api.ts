/**
 * Wire handling for the metadata service: URLs, one HTTP attempt with a timeout, retries of transient
 * failures, JSON bodies sent as `text/plain`, `404` on single objects, and cursor pagination with
 * detection of services that do not paginate.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { Errors } from "@metaflow-client/core"
import * as Auth from "../Auth.js"
import type { Observer } from "../Observe.js"

/** How listings are requested: detect from `X-Limit`, always page, or never page (pre-pagination services). */
export type Pagination = "auto" | "always" | "never"

/** Everything a request needs. */
export interface Api {
  readonly baseUrl: string
  /** The application's client, each request's `AbortController` bound to a scope the request is given (its timeout). */
  readonly client: HttpClient.HttpClient.With<HttpClientError.HttpClientError, Scope.Scope>
  readonly auth: Auth.Auth
  /** The headers of every request, revealed, when they are fixed (no auth step to run per request). */
  readonly fixedHeaders: Readonly<Record<string, string>> | undefined
  readonly timeout: Duration.Duration
  readonly retries: number
  readonly retryDelay: Duration.Duration
  readonly retryMaxDelay: Duration.Duration
  readonly pageSize: number
  readonly pagination: Pagination
  readonly onRequest: Observer | undefined
  /** What the service turned out to do with `_limit` ("unknown" until the first paginated listing answers). */
  readonly mode: { current: "unknown" | "paged" | "plain" }
}

/** Query parameters. */
export type Params = Readonly<Record<string, string>>

/** A complete answer: status, lower-case headers, body text. */
export interface Reply {
  readonly url: string
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** A failure worth another try (transport error, timeout, 5xx, truncated body). */
export class Retryable extends Data.TaggedError("Retryable")<{ readonly error: Errors.BackendError }> {}

/** `base/seg/seg?query`; segments are percent-encoded (plain ids are unchanged, as Python sends them). */
export const urlOf = (api: Api, segments: ReadonlyArray<string>, params?: Params): string => {
  const path = "/" + segments.map(encodeURIComponent).join("/")
  const query = params === undefined ? "" : new URLSearchParams(params as Record<string, string>).toString()
  return api.baseUrl + path + (query === "" ? "" : `?${query}`)
}

const pathOf = (segments: ReadonlyArray<string>): string => "/" + segments.join("/")

/** The service's own words for an error body: a JSON string, `{detail}`/`{title}`, or the text. */
export const messageOf = (text: string): string => {
  let out = text
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === "string") out = parsed
    else if (parsed !== null && typeof parsed === "object") {
      const o = parsed as Record<string, unknown>
      const m = o["detail"] ?? o["message"] ?? o["title"]
      if (typeof m === "string") out = m
    }
  } catch {
    // plain text
  }
  out = out.trim()
  return out.length > 300 ? `${out.slice(0, 300)}…` : out
}

const causeText = (u: unknown): string => {
  if (u instanceof Error) {
    const inner = (u as { cause?: unknown }).cause
    return inner instanceof Error ? `${u.message} (${inner.message})` : u.message
  }
  return String(u)
}

/**
 * `self`, or `onTimeout()` once `millis` have passed, `self` being interrupted (and awaited) then: the
 * deadline of a dynamic auth step, which no abort signal reaches (requests themselves are aborted, see
 * {@link attemptOnce}). One fiber and a wall-clock `setTimeout` (not Effect's `Clock`), where
 * `Effect.timeoutFail` races two fibers.
 */
export const within = <A, E, E2, R>(
  self: Effect.Effect<A, E, R>,
  millis: number,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.flatMap(Effect.forkDaemon(self), (fiber) =>
    Effect.async<A, E | E2>((resume) => {
      let done = false
      const timer = setTimeout(() => {
        if (done) return
        done = true
        resume(Effect.zipRight(Fiber.interrupt(fiber), Effect.fail(onTimeout())))
      }, millis)
      fiber.addObserver((exit) => {
        clearTimeout(timer)
        if (done) return
        done = true
        resume(exit)
      })
      return Effect.suspend(() => {
        done = true
        clearTimeout(timer)
        return Fiber.interrupt(fiber)
      })
    }))

/** Effect's built-in tracer: its spans are not exported anywhere. */
const builtInTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * The request through the application's client. Under Effect's built-in tracer (no tracer installed)
 * the client's span per request is skipped: nothing would receive it, and with its attributes and the
 * `traceparent` header it costs a fifth of a loopback request. An installed tracer (OpenTelemetry, the
 * DevTools) gets every request's span as the client makes it.
 */
const execute = (api: Api, request: HttpClientRequest.HttpClientRequest, scope: Scope.Scope) =>
  Effect.tracerWith((tracer) => {
    const response = Scope.extend(api.client.execute(request), scope)
    return tracer === builtInTracer ? Effect.withTracerEnabled(response, false) : response
  })

/**
 * One HTTP attempt: headers from the auth step, the request, the whole body, all within the timeout.
 * Transport errors, timeouts and body errors fail with `Retryable`; any status is returned as a reply.
 *
 * The timeout costs no fiber: the request's `AbortController` is bound to a scope of its own
 * (`HttpClient.withScope`), which a timer closes at the deadline, aborting the request or its body (every
 * `@effect/platform` client honours the signal); the scope is also closed when the attempt fails or is
 * interrupted, so an interrupted caller aborts its request. A dynamic auth step (see {@link Auth.Auth})
 * is not an HTTP request of ours: it runs under {@link within} (a fiber) within the same deadline.
 */
const attemptOnce = (
  api: Api,
  method: "GET" | "PATCH",
  segments: ReadonlyArray<string>,
  params: Params | undefined,
  body: unknown,
  attempt: number
): Effect.Effect<Reply, Retryable | Errors.BackendError> =>
  // suspended: a retry is built before its delay, its deadline starts when it is sent
  Effect.suspend(() => {
    const url = urlOf(api, segments, params)
    let status: number | undefined
    const started = Date.now()
    const millis = Duration.toMillis(api.timeout)
    const timedOut = () =>
      new Retryable({
        error: new Errors.BackendError({
          target: url,
          reason: `no complete answer within ${Duration.format(api.timeout)}`,
          ...(status === undefined ? {} : { status })
        })
      })
    const requestFailed = (e: HttpClientError.HttpClientError) => {
      const error = new Errors.BackendError({ target: url, reason: `request failed: ${causeText(e.cause ?? e)}`, cause: e })
      // a URL or body that cannot be sent will not get better by retrying
      return e._tag === "RequestError" && e.reason !== "Transport" ? error : new Retryable({ error })
    }
    const send = (headers: Readonly<Record<string, string>>) =>
      Effect.flatMap(Scope.make(), (scope) => {
        let expired = false
        const timer = setTimeout(() => {
          expired = true
          Effect.runFork(Scope.close(scope, Exit.void))
        }, Math.max(0, started + millis - Date.now()))
        let request = HttpClientRequest.setHeaders(HttpClientRequest.make(method)(url), headers)
        if (body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, body)
        const exchange = Effect.flatMap(Effect.mapError(execute(api, request, scope), requestFailed), (response) => {
          status = response.status
          return Effect.mapBoth(response.text, {
            onFailure: (e) =>
              new Retryable({
                error: new Errors.BackendError({ target: url, status: response.status, reason: `reading the body failed: ${causeText(e.cause ?? e)}`, cause: e })
              }),
            onSuccess: (text): Reply => ({ url, status: response.status, headers: response.headers, text })
          })
        })
        return exchange.pipe(
          Effect.mapError((e) => expired ? timedOut() : e),
          Effect.onExit((exit) => {
            clearTimeout(timer)
            // after a complete answer there is nothing left to abort (and a scope to close costs an effect)
            return Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, Exit.void)
          })
        )
      })
    const run = api.fixedHeaders === undefined
      ? Effect.flatMap(within(Effect.map(api.auth.headers, Auth.reveal), millis, timedOut), send)
      : send(api.fixedHeaders)
    const observer = api.onRequest
    if (observer === undefined) return run
    return Effect.onExit(run, (exit) =>
      Effect.sync(() => {
        const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
        const error = failure === undefined
          ? (Exit.isFailure(exit) ? "interrupted or defect" : undefined)
          : (failure._tag === "Retryable" ? failure.error : failure).reason
        observer({
          method,
          url,
          path: pathOf(segments),
          status,
          attempt,
          durationMs: Date.now() - started,
          ...(error === undefined ? {} : { error })
        })
      }))
  })

/**
 * The delay before retry number `retry` (1, 2, ...): `retryDelay` doubled each time, capped by
 * `retryMaxDelay`, times a random factor in [0.8, 1.2) (Effect's `Random`).
 */
export const retryDelay = (api: Api, retry: number): Effect.Effect<Duration.Duration> =>
  Effect.map(Random.nextRange(0.8, 1.2), (jitter) =>
    Duration.millis(Math.min(Duration.toMillis(api.retryDelay) * 2 ** (retry - 1), Duration.toMillis(api.retryMaxDelay)) * jitter))

/**
 * A request with retries: transient failures and `5xx`/`429` answers are retried (at most `retries`
 * times, see {@link retryDelay}), a `401` too when the auth step can refresh, and a 2xx body that is not
 * JSON (a truncated answer) when `json` is set. Other answers are returned for the caller to interpret.
 */
export const send = (
  api: Api,
  method: "GET" | "PATCH",
  segments: ReadonlyArray<string>,
  options: { readonly params?: Params; readonly body?: unknown; readonly json: boolean; readonly retry?: boolean }
): Effect.Effect<JsonReply, Errors.BackendError> => {
  const retry = options.retry !== false
  const judge = (reply: Reply): Effect.Effect<JsonReply, Retryable> => {
    if (retry && (reply.status >= 500 || reply.status === 429)) {
      return Effect.fail(new Retryable({ error: statusError(reply) }))
    }
    if (retry && reply.status === 401 && api.auth.invalidate !== undefined) {
      return Effect.zipRight(api.auth.invalidate, Effect.fail(new Retryable({ error: statusError(reply) })))
    }
    if (options.json && reply.status >= 200 && reply.status < 300) {
      return Either.match(parseJson(reply), {
        onLeft: (error) => Effect.fail(new Retryable({ error })),
        onRight: (json) => Effect.succeed({ ...reply, json })
      })
    }
    return Effect.succeed(reply)
  }
  const attempt = (n: number): Effect.Effect<JsonReply, Errors.BackendError> =>
    attemptOnce(api, method, segments, options.params, options.body, n).pipe(
      Effect.flatMap(judge),
      Effect.catchIf(
        (e): e is Retryable => e._tag === "Retryable",
        (e) => retry && n <= api.retries ? Effect.zipRight(Effect.flatMap(retryDelay(api, n), Effect.sleep), attempt(n + 1)) : Effect.fail(e.error)
      )
    )
  return Effect.suspend(() => attempt(1))
}

/** A reply whose 2xx body was parsed as JSON (when asked for). */
export interface JsonReply extends Reply {
  readonly json?: unknown
}

/** A `BackendError` for an unexpected status, with the service's message. */
export const statusError = (reply: Reply): Errors.BackendError =>
  new Errors.BackendError({
    target: reply.url,
    status: reply.status,
    reason: `unexpected answer: ${messageOf(reply.text) || "(empty body)"}`
  })

/** Parses a JSON body regardless of its `text/plain` content type. */
export const parseJson = (reply: Reply): Either.Either<unknown, Errors.BackendError> => {
  try {
    return Either.right(JSON.parse(reply.text) as unknown)
  } catch (e) {
    return Either.left(
      new Errors.BackendError({
        target: reply.url,
        status: reply.status,
        reason: `body is not JSON (${causeText(e)}): ${reply.text.slice(0, 120)}`
      })
    )
  }
}

/**
 * A GET whose 2xx body must be JSON. `404` is `Option.none()`; other non-2xx statuses fail.
 */
export const getJson = (
  api: Api,
  segments: ReadonlyArray<string>,
  params?: Params
): Effect.Effect<Option.Option<{ readonly reply: Reply; readonly json: unknown }>, Errors.BackendError> =>
  send(api, "GET", segments, params === undefined ? { json: true } : { params, json: true }).pipe(
    Effect.flatMap((reply) => {
      if (reply.status === 404) return Effect.succeed(Option.none())
      if (reply.status < 200 || reply.status >= 300) return Effect.fail(statusError(reply))
      return Effect.succeed(Option.some({ reply, json: reply.json }))
    })
  )

/** Decodes one record; `source` names the URL in `CorruptRecord`. */
export type Decoder<A> = (input: unknown, source: string) => Either.Either<A, Errors.CorruptRecord>

/** One object, `Option.none()` on `404`. */
export const getObject = <A>(
  api: Api,
  segments: ReadonlyArray<string>,
  decode: Decoder<A>
): Effect.Effect<Option.Option<A>, Errors.BackendError | Errors.CorruptRecord> =>
  Effect.flatMap(getJson(api, segments), (found) =>
    Option.match(found, {
      onNone: () => Effect.succeed(Option.none()),
      onSome: ({ json, reply }) => Effect.map(decode(json, reply.url), Option.some)
    }))

const decodeRows = <A>(json: unknown, url: string, decode: Decoder<A>): Either.Either<ReadonlyArray<A>, Errors.CorruptRecord> => {
  if (!Array.isArray(json)) return Either.left(new Errors.CorruptRecord({ path: url, reason: "expected a JSON array" }))
  const out: Array<A> = []
  for (const row of json) {
    const r = decode(row, url)
    if (Either.isLeft(r)) return Either.left(r.left)
    out.push(r.right)
  }
  return Either.right(out)
}

/** How one listing endpoint is asked. */
export interface ListingOptions {
  /** The endpoint accepts `_limit`/`_cursor` (service ≥ the pagination change). */
  readonly paginated: boolean
  /** Server-side filters; they switch the endpoint to its paged form, so cursors are followed. */
  readonly filters?: Params
}

/** One page of a listing: its rows and the cursor of the next page, if any. */
const page = <A>(
  api: Api,
  segments: ReadonlyArray<string>,
  options: ListingOptions,
  decode: Decoder<A>,
  cursor: string | undefined
): Effect.Effect<readonly [ReadonlyArray<A>, string | undefined], Errors.BackendError | Errors.CorruptRecord> =>
  Effect.suspend(() => {
    const paged = options.paginated && api.mode.current !== "plain"
    const filters = options.filters !== undefined && Object.keys(options.filters).length > 0 ? options.filters : undefined
    const params: Record<string, string> = {}
    if (paged) {
      if (filters !== undefined) Object.assign(params, filters)
      else params["_limit"] = String(api.pageSize)
      if (cursor !== undefined) params["_cursor"] = cursor
    }
    return Effect.flatMap(getJson(api, segments, params), (found): Effect.Effect<
      readonly [ReadonlyArray<A>, string | undefined],
      Errors.BackendError | Errors.CorruptRecord
    > => {
      if (Option.isNone(found)) return Effect.succeed([[], undefined] as const)
      const { json, reply } = found.value
      const rows = decodeRows(json, reply.url, decode)
      if (Either.isLeft(rows)) return Effect.fail(rows.left)
      const xLimit = reply.headers["x-limit"]
      if (paged && api.pagination === "auto") api.mode.current = xLimit === undefined ? "plain" : "paged"
      const next = paged && xLimit !== undefined ? reply.headers["x-next-cursor"] : undefined
      if (next !== undefined && next === cursor) {
        return Effect.fail(
          new Errors.BackendError({ target: reply.url, status: reply.status, reason: "pagination did not advance (same X-Next-Cursor)" })
        )
      }
      return Effect.succeed([rows.right, next === undefined || next === "" ? undefined : next] as const)
    })
  })

/**
 * A listing as a stream of decoded records, one HTTP request per page, read as it is consumed (for
 * listings that may be long: flows, runs, a run's metadata).
 *
 * Paginated endpoints are asked with `_limit=<pageSize>` (and `filters`, without `_limit`: the service's
 * default page of 50 applies, which is how the snapshot crawled them). An answer with `X-Limit` proves
 * the service paginates: `X-Next-Cursor` is followed to the end. An answer without it comes from a
 * service that ignored `_limit` and sent the whole listing; the provider then remembers to send plain
 * requests (and no filters: core re-applies them). `404` on a listing yields nothing, as in Python.
 */
export const listing = <A>(
  api: Api,
  segments: ReadonlyArray<string>,
  options: ListingOptions,
  decode: Decoder<A>
): Stream.Stream<A, Errors.BackendError | Errors.CorruptRecord> =>
  Stream.paginateChunkEffect(undefined as string | undefined, (cursor) =>
    Effect.map(page(api, segments, options, decode, cursor), ([rows, next]) =>
      [Chunk.unsafeFromArray(rows as Array<A>), Option.fromNullable(next)] as const))

/**
 * A whole listing (every page, as {@link listing} asks for them) as one array: the children of one
 * object, which core needs all at once. No Stream: consuming one costs more than the request itself.
 */
export const listAll = <A>(
  api: Api,
  segments: ReadonlyArray<string>,
  options: ListingOptions,
  decode: Decoder<A>
): Effect.Effect<ReadonlyArray<A>, Errors.BackendError | Errors.CorruptRecord> =>
  Effect.flatMap(page(api, segments, options, decode, undefined), ([first, next]) => {
    if (next === undefined) return Effect.succeed(first)
    const out: Array<A> = [...first]
    const more = (cursor: string): Effect.Effect<ReadonlyArray<A>, Errors.BackendError | Errors.CorruptRecord> =>
      Effect.flatMap(page(api, segments, options, decode, cursor), ([rows, after]) => {
        for (const r of rows) out.push(r)
        return after === undefined ? Effect.succeed(out) : more(after)
      })
    return more(next)
  })
