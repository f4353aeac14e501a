/**
 * The S3 transport: signed GET/HEAD through `HttpClient`, status classification, bounded retries with
 * exponential backoff, idle timeouts, and resumable streaming (Range + If-Match) after a broken body.
 *
 * @internal
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Bytes } from "@metaflow-client/core"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Credentials from "../Credentials.js"
import { idleBody } from "./idleBody.js"
import { type Addressing, objectUrl } from "./location.js"
import { sign } from "./sign.js"

/** A failed S3 operation; `transient` ones are retried. Mapped to `Errors.BackendError` at the edge. */
export class S3Failure extends Data.TaggedError("S3Failure")<{
  readonly transient: boolean
  readonly reason: string
  readonly status?: number
  readonly code?: string
  readonly cause?: unknown
}> {}

/** Settings of the transport. */
export interface TransportConfig {
  readonly addressing: Addressing
  /** Retries after the first attempt. */
  readonly retries: number
  readonly retryBase: Duration.Duration
  readonly retryCap: Duration.Duration
  /** Time to response headers, and longest pause between body chunks. */
  readonly timeout: Duration.Duration
  /** Bounds concurrent requests (one permit per request while its body is read). */
  readonly semaphore: Effect.Semaphore
}

/** A successful GET: the body and the response headers. */
export interface Got {
  readonly bytes: Uint8Array
  readonly headers: Readonly<Record<string, string>>
}

const TRANSIENT_CODES = new Set(["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling"])

const transient = (reason: string, cause?: unknown): S3Failure =>
  new S3Failure({ transient: true, reason, ...(cause === undefined ? {} : { cause }) })

/**
 * Classifies a transport error. Only the underlying cause is kept: the `HttpClientError` itself carries
 * the signed request, whose headers include the session token.
 */
const fromHttpError = (e: HttpClientError.HttpClientError): S3Failure => {
  const detail = e.cause instanceof Error ? e.cause.message : e.reason
  return e._tag === "RequestError"
    ? new S3Failure({
      transient: e.reason === "Transport",
      reason: `request failed (${e.reason}): ${detail}`,
      ...(e.cause === undefined ? {} : { cause: e.cause })
    })
    : transient(`reading the response failed (${e.reason}): ${detail}`, e.cause)
}

const contentLength = (headers: Readonly<Record<string, string>>): number | undefined => {
  const v = headers["content-length"]
  if (v === undefined || !/^\d+$/.test(v)) return undefined
  return Number(v)
}

/** Reads a small error body (XML) and extracts `<Code>` and `<Message>`; never fails. */
const errorDetails = (res: HttpClientResponse.HttpClientResponse, timeout: Duration.Duration) =>
  res.text.pipe(
    Effect.timeout(timeout),
    Effect.map((xml) => ({
      code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1],
      message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1]
    })),
    Effect.orElseSucceed(() => ({ code: undefined, message: undefined }))
  )

/** The failure for an unexpected status (403, 5xx, ...). */
export const statusFailure = (
  res: HttpClientResponse.HttpClientResponse,
  timeout: Duration.Duration
): Effect.Effect<never, S3Failure> =>
  Effect.flatMap(errorDetails(res, timeout), ({ code, message }) => {
    const status = res.status
    const isTransient = status >= 500 || status === 429 || status === 408 ||
      (code !== undefined && TRANSIENT_CODES.has(code))
    const what = status === 403 ? "access denied" : status >= 500 ? "server error" : "unexpected status"
    const detail = code === undefined ? "" : `: ${code}${message === undefined ? "" : ` (${message})`}`
    return Effect.fail(
      new S3Failure({ transient: isTransient, reason: `${what}${detail}`, status, ...(code === undefined ? {} : { code }) })
    )
  })

/** Bounded exponential backoff with jitter, retrying transient failures only. */
export const retryPolicy = (cfg: TransportConfig): Schedule.Schedule<unknown, S3Failure> =>
  Schedule.exponential(cfg.retryBase, 2).pipe(
    Schedule.union(Schedule.spaced(cfg.retryCap)),
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(cfg.retries)),
    Schedule.whileInput((e: S3Failure) => e.transient)
  )

/** Collects `body` (of `res`) into one array, failing (transiently) on a short body. */
const collect = (
  res: HttpClientResponse.HttpClientResponse,
  body: Stream.Stream<Uint8Array, S3Failure>
): Effect.Effect<Uint8Array, S3Failure> => {
  const expected = contentLength(res.headers)
  const check = (n: number) =>
    expected !== undefined && n !== expected
      ? Effect.fail(transient(`truncated body: got ${n} of ${expected} bytes`))
      : Effect.void
  if (expected !== undefined) {
    return Effect.suspend(() => {
      const out = new Uint8Array(expected)
      let n = 0
      return body.pipe(
        Stream.runForEach((chunk) =>
          n + chunk.length > expected
            ? Effect.fail(new S3Failure({ transient: true, reason: `body longer than content-length ${expected}` }))
            : Effect.sync(() => {
              out.set(chunk, n)
              n += chunk.length
            })
        ),
        Effect.zipRight(Effect.suspend(() => check(n))),
        Effect.as(out)
      )
    })
  }
  return Effect.map(Stream.runCollect(body), Bytes.concat)
}

/** The transport's operations. */
export interface Transport {
  /** GET; `None` on 404. `range` is an HTTP `Range` value. */
  readonly get: (bucket: string, key: string, range?: string) => Effect.Effect<Option.Option<Got>, S3Failure>
  /** HEAD; `None` on 404, else the content length. */
  readonly head: (bucket: string, key: string) => Effect.Effect<Option.Option<number>, S3Failure>
  /** GET as a stream in bounded memory, resuming after a broken body; 404 fails with status 404. */
  readonly stream: (bucket: string, key: string) => Stream.Stream<Uint8Array, S3Failure>
}

/** Builds the transport over an `HttpClient` and a credentials service. */
export const makeTransport = (
  cfg: TransportConfig,
  httpClient: HttpClient.HttpClient,
  credentials: Credentials.Service
): Transport => {
  const http = HttpClient.withScope(httpClient)
  const policy = retryPolicy(cfg)
  const timeoutFailure = () => transient(`no response within ${Duration.format(cfg.timeout)}`)

  // Buckets found in another region than configured (AWS answers 301/400 with `x-amz-bucket-region`).
  const bucketRegions = new Map<string, string>()

  const send = (
    method: "GET" | "HEAD",
    bucket: string,
    key: string,
    headers: Record<string, string>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, S3Failure, Scope.Scope> =>
    Effect.gen(function*() {
      const creds = yield* Effect.mapError(credentials.get, (e) =>
        new S3Failure({ transient: false, reason: e.message, cause: e }))
      const region = bucketRegions.get(bucket) ?? cfg.addressing.region
      const url = objectUrl({ ...cfg.addressing, region }, bucket, key)
      const signed = yield* Effect.mapError(
        sign({
          method,
          url,
          headers,
          region,
          credentials: {
            accessKeyId: creds.accessKeyId,
            secretAccessKey: Redacted.value(creds.secretAccessKey),
            sessionToken: creds.sessionToken === undefined ? undefined : Redacted.value(creds.sessionToken)
          }
        }),
        (cause) => new S3Failure({ transient: false, reason: "could not sign the request", cause })
      )
      const request = HttpClientRequest.make(method)(url).pipe(HttpClientRequest.setHeaders(signed))
      const response = yield* http.execute(request).pipe(
        Effect.mapError(fromHttpError),
        Effect.timeoutFail({ duration: cfg.timeout, onTimeout: timeoutFailure }),
        // The client records request headers on its span: keep the session token out of traces.
        Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, "x-amz-security-token"])
      )
      const actual = response.headers["x-amz-bucket-region"]
      if (
        (response.status === 301 || response.status === 307 || response.status === 400 || response.status === 403) &&
        actual !== undefined && /^[a-z0-9-]{1,40}$/.test(actual) && actual !== region
      ) {
        bucketRegions.set(bucket, actual)
        return yield* Effect.fail(
          new S3Failure({ transient: true, reason: `bucket is in region ${actual}, not ${region}`, status: response.status })
        )
      }
      return response
    })

  /**
   * `send`, in a scope of its own (a child of the current one), and the response's body as a Stream under
   * the idle timeout (internal/idleBody.ts), which aborts the request by closing that scope.
   */
  const sendForBody = (
    method: "GET",
    bucket: string,
    key: string,
    headers: Record<string, string>
  ): Effect.Effect<
    { readonly res: HttpClientResponse.HttpClientResponse; readonly body: Stream.Stream<Uint8Array, S3Failure> },
    S3Failure,
    Scope.Scope
  > =>
    Effect.gen(function*() {
      const requestScope = yield* Effect.flatMap(Effect.scope, (scope) => Scope.fork(scope, ExecutionStrategy.sequential))
      const res = yield* Scope.extend(send(method, bucket, key, headers), requestScope)
      // unread until run: an error status reads the body as text instead
      const body = Stream.unwrapScoped(idleBody(res.stream, {
        timeoutMs: Duration.toMillis(cfg.timeout),
        abort: Scope.close(requestScope, Exit.void),
        onIdle: () => transient("timed out reading the body"),
        onError: fromHttpError
      }))
      return { res, body }
    })

  const withPolicy = <A>(attempt: Effect.Effect<A, S3Failure, Scope.Scope>) =>
    Effect.scoped(attempt).pipe(cfg.semaphore.withPermits(1), Effect.retry(policy))

  const notFound = (res: HttpClientResponse.HttpClientResponse) =>
    Effect.flatMap(errorDetails(res, cfg.timeout), ({ code }) =>
      code === "NoSuchBucket"
        ? Effect.fail(new S3Failure({ transient: false, reason: "the bucket does not exist", status: 404, code }))
        : Effect.succeed(Option.none()))

  const get = (bucket: string, key: string, range?: string) =>
    withPolicy(Effect.gen(function*() {
      const { body, res } = yield* sendForBody("GET", bucket, key, range === undefined ? {} : { range })
      if (res.status === 200 || res.status === 206) {
        const bytes = yield* collect(res, body)
        return Option.some<Got>({ bytes, headers: res.headers })
      }
      if (res.status === 404) return yield* notFound(res)
      if (res.status === 416 && range !== undefined) {
        return Option.some<Got>({ bytes: new Uint8Array(0), headers: res.headers })
      }
      return yield* statusFailure(res, cfg.timeout)
    }))

  const head = (bucket: string, key: string) =>
    withPolicy(Effect.gen(function*() {
      const res = yield* send("HEAD", bucket, key, {})
      if (res.status === 200) {
        const n = contentLength(res.headers)
        if (n === undefined) {
          return yield* Effect.fail(new S3Failure({ transient: true, reason: "HEAD without content-length" }))
        }
        return Option.some(n)
      }
      if (res.status === 404) return Option.none()
      return yield* statusFailure(res, cfg.timeout)
    }))

  /**
   * GET as a Stream that resumes after a broken body. One request at a time, from the current offset
   * (`Range` and `If-Match` after the first), its body read under the idle timeout. A transient failure, or
   * a body shorter than its content-length, opens the next request where the last one stopped, under the
   * retry policy, whose budget starts again once bytes have come (as `Stream.retry`'s does). Written as one
   * pull per chunk rather than a stack of Stream combinators, each of which costs every chunk an
   * allocation or more: a 1 GiB read then makes little more garbage than the HTTP client's own
   * (bench/NOTES.md, session 15).
   */
  const stream = (bucket: string, key: string): Stream.Stream<Uint8Array, S3Failure> =>
    Stream.unwrapScoped(Effect.gen(function*() {
      const streamScope = yield* Effect.scope
      const retries = yield* Schedule.driver(policy)
      // bytes received so far, and the object's identity once known
      let received = 0
      let known: { readonly etag?: string; readonly total?: number } = {}
      let progressed = false
      /** The request being read: its scope (the permit, the request) and its body's pull. */
      let current:
        | { readonly scope: Scope.CloseableScope; readonly pull: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<S3Failure>> }
        | undefined

      const request = (scope: Scope.CloseableScope) =>
        Effect.gen(function*() {
          const offset = received
          yield* Effect.acquireRelease(cfg.semaphore.take(1), () => cfg.semaphore.release(1))
          const headers: Record<string, string> = offset === 0 ? {} : { range: `bytes=${offset}-` }
          if (offset > 0 && known.etag !== undefined) headers["if-match"] = known.etag
          const { body, res } = yield* sendForBody("GET", bucket, key, headers)
          if (res.status === 404) {
            return yield* Effect.fail(new S3Failure({ transient: false, reason: "object does not exist", status: 404 }))
          }
          if (res.status === 412) {
            return yield* Effect.fail(
              new S3Failure({ transient: false, reason: "object changed while it was streamed", status: 412 })
            )
          }
          if (!(offset === 0 ? res.status === 200 : res.status === 206)) return yield* statusFailure(res, cfg.timeout)
          if (offset > 0 && !(res.headers["content-range"] ?? "").startsWith(`bytes ${offset}-`)) {
            return yield* Effect.fail(
              new S3Failure({ transient: false, reason: `unexpected content-range '${res.headers["content-range"]}'` })
            )
          }
          if (offset === 0) {
            const total = contentLength(res.headers)
            const etag = res.headers["etag"]
            known = { ...(etag === undefined ? {} : { etag }), ...(total === undefined ? {} : { total }) }
          }
          current = { scope, pull: yield* Stream.toPull(body) }
        }).pipe(Scope.extend(scope))

      /** Opens the next request in a scope of its own, closed again if opening fails. */
      const open = Effect.flatMap(Scope.fork(streamScope, ExecutionStrategy.sequential), (scope) =>
        Effect.onError(request(scope), () => Scope.close(scope, Exit.void)))

      const closeCurrent = Effect.suspend(() => {
        const c = current
        current = undefined
        return c === undefined ? Effect.void : Scope.close(c.scope, Exit.void)
      })

      /** After a failure: the request closed, then the policy's delay, or the failure when it gives up. */
      const retry = (e: S3Failure): Effect.Effect<void, Option.Option<S3Failure>> =>
        Effect.suspend(() => {
          const reset = progressed ? retries.reset : Effect.void
          progressed = false
          return Effect.zipRight(
            Effect.zipRight(closeCurrent, reset),
            Effect.mapError(retries.next(e), () => Option.some(e))
          )
        })

      const end = Effect.zipRight(closeCurrent, Effect.fail(Option.none()))

      const next: Effect.Effect<Chunk.Chunk<Uint8Array>, Option.Option<S3Failure>> = Effect.suspend(() => {
        const c = current
        if (c === undefined) {
          // a failure after the last byte: nothing is left to ask for
          if (known.total !== undefined && received >= known.total) return end
          return Effect.zipRight(Effect.catchAll(open, retry), next)
        }
        return Effect.matchEffect(c.pull, {
          onSuccess: (chunk) => {
            for (const b of chunk) received += b.length
            if (Chunk.isNonEmpty(chunk)) progressed = true
            return Effect.succeed(chunk)
          },
          onFailure: (failure) => {
            if (Option.isSome(failure)) return Effect.zipRight(retry(failure.value), next)
            const { total } = known
            if (total !== undefined && received < total) {
              return Effect.zipRight(retry(transient(`truncated body: got ${received} of ${total} bytes`)), next)
            }
            if (total !== undefined && received > total) {
              return Effect.fail(Option.some(new S3Failure({ transient: false, reason: `body longer than content-length ${total}` })))
            }
            return end
          }
        })
      })
      return Stream.repeatEffectChunkOption(next)
    }))

  return { get, head, stream }
}
