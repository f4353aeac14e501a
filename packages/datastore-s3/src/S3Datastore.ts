/**
 * The S3 datastore (`ds-type: s3`): reads artifacts, task files, logs and code packages below roots like
 * `s3://bucket/prefix` with SigV4-signed GET/HEAD requests sent through `@effect/platform`'s `HttpClient`
 * (no AWS SDK). Path-style addressing against a custom endpoint (MinIO, R2, moto) when one is configured,
 * virtual-host style against AWS otherwise.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { S3Datastore } from "@metaflow-client/datastore-s3"
 * const S3Live = S3Datastore.layerFromEnv.pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { Datastore, Errors } from "@metaflow-client/core"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Credentials from "./Credentials.js"
import { makeTransport, type S3Failure } from "./internal/client.js"
import { display, keyProblem, objectKey, parseRoot, parseS3Url, type S3Root } from "./internal/location.js"

/**
 * Options of `make` / `layer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Custom endpoint (`http://127.0.0.1:9000`, an R2 or MinIO URL). Enables path-style addressing. */
  readonly endpoint?: string | undefined
  /** Signing region (default `us-east-1`). */
  readonly region?: string | undefined
  /** Path-style (`/bucket/key`) addressing; default `true` with an endpoint, `false` without. */
  readonly forcePathStyle?: boolean | undefined
  /** Most requests in flight at once (a stream holds its permit while it is read). Default 32. */
  readonly concurrency?: number | undefined
  /** Root used when a caller passes an empty root (`METAFLOW_DATASTORE_SYSROOT_S3`). */
  readonly defaultRoot?: string | undefined
  /** Retries of transient failures (503 SlowDown, 5xx, resets, truncated bodies, timeouts). Default 7. */
  readonly retries?: number | undefined
  /** First backoff delay (doubling, jittered). Default 200 millis. */
  readonly retryBase?: Duration.DurationInput | undefined
  /** Longest backoff delay. Default 10 seconds. */
  readonly retryCap?: Duration.DurationInput | undefined
  /** Longest wait for response headers, and for each body chunk. Default 30 seconds. */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * What this package provides: core's `Datastore.Storage` plus S3-specific reads.
 *
 * @since 0.1.0
 * @category models
 */
export interface S3Storage extends Datastore.Storage {
  /**
   * Bytes `[start, end)` of an object (log tails). A negative `start` reads the last `-start` bytes;
   * a `start` at or past the end yields empty bytes; `None` when the object is absent.
   */
  readonly readRange: (
    root: string,
    key: string,
    start: number,
    end?: number
  ) => Effect.Effect<Option.Option<Uint8Array>, Errors.StorageError>
  /** The root used for an empty `root` argument, if configured. */
  readonly defaultRoot: Option.Option<string>
}

/**
 * The S3 storage with its S3-specific reads (`readRange`). `layer` provides this tag and core's
 * `Datastore.S3Storage` with the same service.
 *
 * @since 0.1.0
 * @category tags
 */
export class S3Datastore extends Context.Tag("@metaflow-client/datastore-s3/S3Datastore")<S3Datastore, S3Storage>() {}

/**
 * The name of the S3 user-metadata header that holds the CAS sidecar JSON.
 *
 * @since 0.1.0
 * @category constants
 */
export const sidecarHeader = "x-amz-meta-metaflow-user-attributes"

const toBackendError = (target: string) => (f: S3Failure): Errors.BackendError =>
  new Errors.BackendError({
    target,
    reason: f.reason,
    ...(f.status === undefined ? {} : { status: f.status }),
    ...(f.cause === undefined ? {} : { cause: f.cause })
  })

/**
 * Builds the storage from an `HttpClient` and `S3Credentials` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("S3Datastore.make")(function*(options: Options = {}) {
  const httpClient = yield* HttpClient.HttpClient
  const credentials = yield* Credentials.S3Credentials
  const endpoint = options.endpoint === undefined || options.endpoint === "" ? undefined : new URL(options.endpoint)
  const semaphore = yield* Effect.makeSemaphore(Math.max(1, options.concurrency ?? 32))
  const defaultRoot = Option.fromNullable(options.defaultRoot === "" ? undefined : options.defaultRoot)
  const transport = makeTransport({
    addressing: {
      endpoint,
      region: options.region === undefined || options.region === "" ? "us-east-1" : options.region,
      forcePathStyle: options.forcePathStyle ?? endpoint !== undefined
    },
    retries: Math.max(0, options.retries ?? 7),
    retryBase: Duration.decode(options.retryBase ?? "200 millis"),
    retryCap: Duration.decode(options.retryCap ?? "10 seconds"),
    timeout: Duration.decode(options.timeout ?? "30 seconds"),
    semaphore
  }, httpClient, credentials)

  const root = (r: string): Effect.Effect<S3Root, Errors.BackendError> => {
    const effective = r === "" ? Option.getOrElse(defaultRoot, () => "") : r
    const parsed = parseRoot(effective)
    return typeof parsed === "string"
      ? Effect.fail(
        new Errors.BackendError({
          target: r === "" ? "(empty root)" : r,
          reason: r === "" && Option.isNone(defaultRoot)
            ? "no S3 datastore root (set METAFLOW_DATASTORE_SYSROOT_S3)"
            : `not an S3 datastore root: ${parsed}`
        })
      )
      : Effect.succeed(parsed)
  }

  /** Resolves (root, key) to (bucket, object key), refusing keys that could leave the root. */
  const locate = (r: string, key: string) =>
    Effect.flatMap(root(r), (parsed): Effect.Effect<readonly [string, string], Errors.StorageError> => {
      const k = key.replace(/^\/+|\/+$/g, "")
      const problem = keyProblem(k)
      return problem === undefined
        ? Effect.succeed([parsed.bucket, objectKey(parsed, k)] as const)
        : Effect.fail(new Errors.PathOutsideRoot({ root: r, path: key }))
    })

  const read = (r: string, key: string) =>
    Effect.flatMap(locate(r, key), ([bucket, k]) =>
      transport.get(bucket, k).pipe(
        Effect.map(Option.map((got) => got.bytes)),
        Effect.mapError(toBackendError(display(bucket, k)))
      )).pipe(Effect.withSpan("S3Datastore.read", { attributes: { root: r, key } }))

  const readWithSidecar = (r: string, key: string) =>
    Effect.flatMap(locate(r, key), ([bucket, k]) =>
      transport.get(bucket, k).pipe(
        Effect.map(Option.map((got): Datastore.StoredObject => ({
          bytes: got.bytes,
          sidecar: Option.fromNullable(got.headers[sidecarHeader])
        }))),
        Effect.mapError(toBackendError(display(bucket, k)))
      )).pipe(Effect.withSpan("S3Datastore.readWithSidecar", { attributes: { root: r, key } }))

  const size = (r: string, key: string) =>
    Effect.flatMap(locate(r, key), ([bucket, k]) =>
      transport.head(bucket, k).pipe(Effect.mapError(toBackendError(display(bucket, k))))).pipe(
        Effect.withSpan("S3Datastore.size", { attributes: { root: r, key } })
      )

  const stream = (r: string, key: string): Stream.Stream<Uint8Array, Errors.StorageError> =>
    Stream.unwrap(Effect.map(locate(r, key), ([bucket, k]) =>
      transport.stream(bucket, k).pipe(Stream.mapError(toBackendError(display(bucket, k))))))

  const readUrl = (url: string, r: string) =>
    Effect.gen(function*() {
      const parsed = parseS3Url(url)
      const base = yield* root(r)
      if (typeof parsed === "string" || parsed.bucket !== base.bucket || keyProblem(parsed.path) !== undefined) {
        return yield* Effect.fail(new Errors.PathOutsideRoot({ root: r, path: url }))
      }
      return yield* transport.get(parsed.bucket, parsed.path).pipe(
        Effect.map(Option.map((got) => got.bytes)),
        Effect.mapError(toBackendError(display(parsed.bucket, parsed.path)))
      )
    }).pipe(Effect.withSpan("S3Datastore.readUrl", { attributes: { url, root: r } }))

  const readRange = (r: string, key: string, start: number, end?: number) =>
    Effect.flatMap(locate(r, key), ([bucket, k]) => {
      const target = display(bucket, k)
      const invalid = !Number.isSafeInteger(start) || (end !== undefined && !Number.isSafeInteger(end)) ||
        (start < 0 && end !== undefined)
      if (invalid) {
        return Effect.fail(new Errors.BackendError({ target, reason: `invalid byte range start=${start} end=${end}` }))
      }
      if (end !== undefined && end <= start) {
        // An empty range: no GET needed, but absence must still be reported.
        return transport.head(bucket, k).pipe(
          Effect.map(Option.map(() => new Uint8Array(0))),
          Effect.mapError(toBackendError(target))
        )
      }
      const range = start < 0 ? `bytes=${start}` : `bytes=${start}-${end === undefined ? "" : end - 1}`
      return transport.get(bucket, k, range).pipe(
        Effect.map(Option.map((got) =>
          // A server that ignores Range answers 200 with the whole object: cut it here.
          got.headers["content-range"] === undefined && got.bytes.length > 0
            ? (start < 0 ? got.bytes.slice(Math.max(0, got.bytes.length + start)) : got.bytes.slice(start, end))
            : got.bytes
        )),
        Effect.mapError(toBackendError(target))
      )
    }).pipe(Effect.withSpan("S3Datastore.readRange", { attributes: { root: r, key, start } }))

  const service: S3Storage = { dsType: "s3", read, readWithSidecar, size, stream, readUrl, readRange, defaultRoot }
  return service
})

/**
 * The S3 storage under core's `Datastore.S3Storage` tag (and this package's `S3Datastore` tag).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<Datastore.S3Storage | S3Datastore, never, HttpClient.HttpClient | Credentials.S3Credentials> =>
  Layer.effectContext(
    Effect.map(make(options), (s) => Context.make(S3Datastore, s).pipe(Context.add(Datastore.S3Storage, s)))
  )

/**
 * `Config`s read by `layerConfig`: `METAFLOW_S3_ENDPOINT_URL`, `AWS_REGION` / `AWS_DEFAULT_REGION`
 * (default `us-east-1`), `METAFLOW_DATASTORE_SYSROOT_S3`, `METAFLOW_S3_RETRY_COUNT` (default 7).
 *
 * @since 0.1.0
 * @category config
 */
export const envConfig = {
  endpoint: Config.option(Config.string("METAFLOW_S3_ENDPOINT_URL")),
  region: Config.string("AWS_REGION").pipe(
    Config.orElse(() => Config.string("AWS_DEFAULT_REGION")),
    Config.withDefault("us-east-1")
  ),
  defaultRoot: Config.option(Config.string("METAFLOW_DATASTORE_SYSROOT_S3")),
  retries: Config.integer("METAFLOW_S3_RETRY_COUNT").pipe(Config.withDefault(7))
} as const

/**
 * `METAFLOW_DATASTORE_SYSROOT_S3`: the default S3 root for data whose metadata names none.
 *
 * @since 0.1.0
 * @category config
 */
export const defaultRootConfig: Config.Config<Option.Option<string>> = envConfig.defaultRoot

/**
 * The storage configured from `Config`s (by default `envConfig`, through the current `ConfigProvider`).
 * `extra` options (concurrency, timeouts, ...) are passed through.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: {
    readonly endpoint: Config.Config<Option.Option<string>>
    readonly region: Config.Config<string>
    readonly defaultRoot: Config.Config<Option.Option<string>>
    readonly retries: Config.Config<number>
  } = envConfig,
  extra: Omit<Options, "endpoint" | "region" | "defaultRoot" | "retries"> = {}
): Layer.Layer<
  Datastore.S3Storage | S3Datastore,
  ConfigError.ConfigError,
  HttpClient.HttpClient | Credentials.S3Credentials
> =>
  Layer.unwrapEffect(
    Effect.map(Config.all(config), ({ defaultRoot, endpoint, region, retries }) =>
      layer({
        ...extra,
        endpoint: Option.getOrUndefined(endpoint),
        region,
        defaultRoot: Option.getOrUndefined(defaultRoot),
        retries
      }))
  )

/**
 * `layerConfig()` with `Credentials.fromEnv`: everything from the environment; needs only an `HttpClient`
 * (e.g. `FetchHttpClient.layer` on Lambda/Workers).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv: Layer.Layer<Datastore.S3Storage | S3Datastore, ConfigError.ConfigError, HttpClient.HttpClient> =
  layerConfig().pipe(Layer.provide(Credentials.fromEnv))

/**
 * Reads bytes `[start, end)` of an object through the `S3Datastore` in context (see `S3Storage.readRange`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const readRange = (
  root: string,
  key: string,
  start: number,
  end?: number
): Effect.Effect<Option.Option<Uint8Array>, Errors.StorageError, S3Datastore> =>
  Effect.flatMap(S3Datastore, (s) => s.readRange(root, key, start, end))
