/**
 * AWS Signature Version 4 for S3 requests, via `aws4fetch`'s `AwsV4Signer` (WebCrypto; no AWS SDK).
 * Only headers are signed: the payload is declared `UNSIGNED-PAYLOAD` unless the caller sets
 * `x-amz-content-sha256` itself.
 *
 * @internal
 */
import { AwsV4Signer } from "aws4fetch"
import * as Effect from "effect/Effect"

/** Plain-text credentials, unwrapped from `Redacted` at the last moment. */
export interface SigningCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/** What to sign. */
export interface SignInput {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly credentials: SigningCredentials
  readonly region: string
  /** `YYYYMMDDTHHMMSSZ`; defaults to now (tests pin it). */
  readonly datetime?: string | undefined
}

/**
 * Signs a request and returns the headers to send (the input headers plus `authorization`,
 * `x-amz-date`, `x-amz-content-sha256` and, with a session token, `x-amz-security-token`).
 * Every given header is signed (`Range`, `If-Match` included).
 */
export const sign = (input: SignInput): Effect.Effect<Record<string, string>, unknown> =>
  Effect.tryPromise({
    try: async () => {
      const signer = new AwsV4Signer({
        method: input.method,
        url: input.url,
        headers: input.headers,
        accessKeyId: input.credentials.accessKeyId,
        secretAccessKey: input.credentials.secretAccessKey,
        ...(input.credentials.sessionToken === undefined ? {} : { sessionToken: input.credentials.sessionToken }),
        service: "s3",
        region: input.region,
        allHeaders: true,
        ...(input.datetime === undefined ? {} : { datetime: input.datetime })
      })
      const signed = await signer.sign()
      const out: Record<string, string> = {}
      signed.headers.forEach((value, name) => {
        out[name] = value
      })
      return out
    },
    catch: (cause) => cause
  })
