/**
 * AWS credentials for signing S3 requests, as a service of their own so that the source (environment,
 * static values, any `@aws-sdk/credential-providers` provider) is the application's choice. Nothing here
 * imports the AWS SDK: `fromProvider` accepts the provider function only.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SynchronizedRef from "effect/SynchronizedRef"

/**
 * Resolved AWS credentials. Secrets are `Redacted` so they never show up in logs or spans.
 *
 * @since 0.1.0
 * @category models
 */
export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken?: Redacted.Redacted<string>
  /** When temporary credentials stop working; absent for long-lived keys. */
  readonly expiration?: Date
}

/**
 * Credentials could not be obtained (a provider rejected, e.g. no IMDS, an expired SSO session).
 *
 * @since 0.1.0
 * @category errors
 */
export class CredentialsError extends Schema.TaggedError<CredentialsError>()("CredentialsError", {
  /** Which source failed: `provider`, `static`, ... */
  source: Schema.String,
  reason: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message() {
    return `Could not obtain AWS credentials from ${this.source}: ${this.reason}`
  }
}

/**
 * The service: an effect that yields valid credentials (cached by the implementation as appropriate).
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly get: Effect.Effect<AwsCredentials, CredentialsError>
}

/**
 * The credentials used to sign S3 requests.
 *
 * @since 0.1.0
 * @category tags
 */
export class S3Credentials extends Context.Tag("@metaflow-client/datastore-s3/Credentials/S3Credentials")<
  S3Credentials,
  Service
>() {}

/**
 * A credentials provider as exported by `@aws-sdk/credential-providers` (`fromNodeProviderChain()`,
 * `fromIni()`, `fromContainerMetadata()`, ...): any function resolving to an `AwsCredentialIdentity`.
 *
 * @since 0.1.0
 * @category models
 */
export type Provider = () => PromiseLike<{
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
  readonly expiration?: Date | undefined
}>

/**
 * Static credentials given as plain values (the secret may already be `Redacted`).
 *
 * @since 0.1.0
 * @category models
 */
export interface StaticCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string | Redacted.Redacted<string>
  readonly sessionToken?: string | Redacted.Redacted<string> | undefined
  readonly expiration?: Date | undefined
}

const redact = (s: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(s) ? s : Redacted.make(s)

const normalise = (c: StaticCredentials): AwsCredentials => ({
  accessKeyId: c.accessKeyId,
  secretAccessKey: redact(c.secretAccessKey),
  ...(c.sessionToken === undefined || c.sessionToken === "" ? {} : { sessionToken: redact(c.sessionToken) }),
  ...(c.expiration === undefined ? {} : { expiration: c.expiration })
})

/**
 * Default margin before `expiration` at which cached credentials are refreshed.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRefreshBefore: Duration.Duration = Duration.minutes(5)

/**
 * Wraps a credentials source in a cache: the source runs once, and again only when the cached credentials
 * are within `refreshBefore` (default 5 minutes) of their `expiration`. Concurrent callers share one
 * refresh. Credentials without `expiration` are kept for the lifetime of the service. Uses `Clock`, so
 * `TestClock` drives it in tests.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cached = (
  source: Effect.Effect<AwsCredentials, CredentialsError>,
  options?: { readonly refreshBefore?: Duration.DurationInput | undefined }
): Effect.Effect<Service> =>
  Effect.map(SynchronizedRef.make(Option.none<AwsCredentials>()), (ref) => {
    const margin = Duration.toMillis(options?.refreshBefore ?? defaultRefreshBefore)
    const fresh = (c: AwsCredentials, now: number) =>
      c.expiration === undefined || c.expiration.getTime() - margin > now
    return {
      get: SynchronizedRef.modifyEffect(ref, (current) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Option.isSome(current) && fresh(current.value, now)
            ? Effect.succeed([current.value, current] as const)
            : Effect.map(source, (c) => [c, Option.some(c)] as const)))
    }
  })

/**
 * Fixed credentials.
 *
 * @since 0.1.0
 * @category layers
 */
export const fromStatic = (credentials: StaticCredentials): Layer.Layer<S3Credentials> =>
  Layer.succeed(S3Credentials, { get: Effect.succeed(normalise(credentials)) })

export {
  /**
   * Fixed credentials (alias of `fromStatic`, usable as `Credentials.static(...)`).
   *
   * @since 0.1.0
   * @category layers
   */
  fromStatic as static
}

/**
 * The `Config`s read by `fromEnv`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`.
 *
 * @since 0.1.0
 * @category config
 */
export const envConfig = {
  accessKeyId: Config.string("AWS_ACCESS_KEY_ID"),
  secretAccessKey: Config.redacted("AWS_SECRET_ACCESS_KEY"),
  sessionToken: Config.option(Config.redacted("AWS_SESSION_TOKEN"))
} as const

/**
 * Credentials from `Config`s (read once, when the Layer is built).
 *
 * @since 0.1.0
 * @category layers
 */
export const fromConfig = (config: {
  readonly accessKeyId: Config.Config<string>
  readonly secretAccessKey: Config.Config<Redacted.Redacted<string>>
  readonly sessionToken: Config.Config<Option.Option<Redacted.Redacted<string>>>
}): Layer.Layer<S3Credentials, ConfigError.ConfigError> =>
  Layer.effect(
    S3Credentials,
    Effect.map(Config.all(config), ({ accessKeyId, secretAccessKey, sessionToken }) => ({
      get: Effect.succeed(normalise({ accessKeyId, secretAccessKey, sessionToken: Option.getOrUndefined(sessionToken) }))
    }))
  )

/**
 * Credentials from the standard AWS environment variables through the current `ConfigProvider`
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); fails with a `ConfigError`
 * when the key id or secret is missing.
 *
 * @since 0.1.0
 * @category layers
 */
export const fromEnv: Layer.Layer<S3Credentials, ConfigError.ConfigError> = fromConfig(envConfig)

/**
 * Adapts an `@aws-sdk/credential-providers` provider (or any function with its shape), cached until
 * `refreshBefore` (default 5 minutes) before the credentials expire.
 *
 * @example
 * ```ts
 * import { fromNodeProviderChain } from "@aws-sdk/credential-providers"
 * const CredentialsLive = Credentials.fromProvider(fromNodeProviderChain())
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const fromProvider = (
  provider: Provider,
  options?: { readonly refreshBefore?: Duration.DurationInput | undefined }
): Layer.Layer<S3Credentials> =>
  Layer.effect(
    S3Credentials,
    cached(
      Effect.tryPromise({
        try: () => Promise.resolve(provider()),
        catch: (cause) =>
          new CredentialsError({
            source: "provider",
            reason: cause instanceof Error ? cause.message : String(cause),
            cause
          })
      }).pipe(Effect.map(normalise)),
      options
    )
  )
