import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { Datastore } from "@metaflow-client/core"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { Credentials, S3Datastore } from "../src/index.js"

const fromMap = (m: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(m))))

const MINUTE = 60_000

describe("Credentials", () => {
  it.effect("fromEnv reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN through Config", () =>
    Effect.gen(function*() {
      const creds = yield* (yield* Credentials.S3Credentials).get
      assert.strictEqual(creds.accessKeyId, "AKIDEXAMPLE")
      assert.isTrue(Redacted.isRedacted(creds.secretAccessKey))
      assert.strictEqual(Redacted.value(creds.secretAccessKey), "s3cr3t")
      assert.strictEqual(creds.sessionToken && Redacted.value(creds.sessionToken), "tok")
      assert.notInclude(JSON.stringify(creds), "s3cr3t")
      assert.notInclude(String(creds.secretAccessKey), "s3cr3t")
    }).pipe(
      Effect.provide(Credentials.fromEnv.pipe(Layer.provide(fromMap({
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "s3cr3t",
        AWS_SESSION_TOKEN: "tok"
      }))))
    ))

  it.effect("fromEnv without a session token, and a ConfigError without a secret", () =>
    Effect.gen(function*() {
      const creds = yield* Effect.flatMap(Credentials.S3Credentials, (c) => c.get).pipe(
        Effect.provide(Credentials.fromEnv.pipe(Layer.provide(fromMap({
          AWS_ACCESS_KEY_ID: "AKID",
          AWS_SECRET_ACCESS_KEY: "x"
        }))))
      )
      assert.isUndefined(creds.sessionToken)
      const exit = yield* Effect.exit(
        Effect.flatMap(Credentials.S3Credentials, (c) => c.get).pipe(
          Effect.provide(Credentials.fromEnv.pipe(Layer.provide(fromMap({ AWS_ACCESS_KEY_ID: "AKID" }))))
        )
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(exit), "AWS_SECRET_ACCESS_KEY")
    }))

  it.effect("static credentials", () =>
    Effect.gen(function*() {
      const creds = yield* (yield* Credentials.S3Credentials).get
      assert.strictEqual(creds.accessKeyId, "A")
      assert.strictEqual(Redacted.value(creds.secretAccessKey), "B")
    }).pipe(Effect.provide(Credentials.static({ accessKeyId: "A", secretAccessKey: Redacted.make("B") }))))

  it.effect("fromProvider caches until 5 minutes before expiry, with one refresh for concurrent callers", () => {
    let calls = 0
    const provider: Credentials.Provider = async () => {
      calls++
      // TestClock starts at 0: these credentials expire one hour after each fetch (in test time)
      return {
        accessKeyId: `AKID${calls}`,
        secretAccessKey: "secret",
        sessionToken: "token",
        expiration: new Date(Date.UTC(1970, 0, 1) + (calls === 1 ? 60 : 120) * MINUTE)
      }
    }
    return Effect.gen(function*() {
      const service = yield* Credentials.S3Credentials
      assert.strictEqual((yield* service.get).accessKeyId, "AKID1")
      yield* Effect.all([service.get, service.get, service.get], { concurrency: "unbounded" })
      assert.strictEqual(calls, 1)
      yield* TestClock.adjust("54 minutes")
      assert.strictEqual((yield* service.get).accessKeyId, "AKID1")
      assert.strictEqual(calls, 1)
      yield* TestClock.adjust("2 minutes") // 56 min: within 5 minutes of expiry
      const again = yield* Effect.all(Array.from({ length: 10 }, () => service.get), { concurrency: "unbounded" })
      assert.deepStrictEqual(new Set(again.map((c) => c.accessKeyId)), new Set(["AKID2"]))
      assert.strictEqual(calls, 2)
      yield* TestClock.adjust("30 minutes")
      assert.strictEqual((yield* service.get).accessKeyId, "AKID2")
      assert.strictEqual(calls, 2)
    }).pipe(Effect.provide(Credentials.fromProvider(provider)))
  })

  it.effect("fromProvider: credentials without expiration are fetched once; failures are typed and not cached", () => {
    let calls = 0
    const provider: Credentials.Provider = () => {
      calls++
      return calls === 1
        ? Promise.reject(new Error("Could not load credentials from any providers"))
        : Promise.resolve({ accessKeyId: "LONGLIVED", secretAccessKey: "s" })
    }
    return Effect.gen(function*() {
      const service = yield* Credentials.S3Credentials
      const err = yield* Effect.flip(service.get)
      assert.strictEqual(err._tag, "CredentialsError")
      assert.include(err.message, "Could not load credentials")
      assert.strictEqual((yield* service.get).accessKeyId, "LONGLIVED")
      yield* TestClock.adjust("3650 days")
      assert.strictEqual((yield* service.get).accessKeyId, "LONGLIVED")
      assert.strictEqual(calls, 2)
    }).pipe(Effect.provide(Credentials.fromProvider(provider, { refreshBefore: "1 minute" })))
  })

  it.effect("requests carry the session token and a SigV4 header, never the secret; refreshed keys are used", () => {
    const seen: Array<Record<string, string>> = []
    const fake = HttpClient.make((req) =>
      Effect.sync(() => {
        seen.push({ url: req.url, ...req.headers })
        return HttpClientResponse.fromWeb(
          req,
          new Response("abc", { headers: { "x-amz-meta-metaflow-user-attributes": "{\"cas_raw\": true}" } })
        )
      })
    )
    let calls = 0
    const provider: Credentials.Provider = async () => {
      calls++
      return {
        accessKeyId: `ASIA${calls}`,
        secretAccessKey: "very-secret",
        sessionToken: `session-${calls}`,
        expiration: new Date(Date.UTC(1970, 0, 1) + calls * 60 * MINUTE)
      }
    }
    const spans: Array<Tracer.Span> = []
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind) => {
        const attributes = new Map<string, unknown>()
        const span: Tracer.Span = {
          _tag: "Span",
          name,
          spanId: `span${spans.length}`,
          traceId: "trace",
          parent,
          context,
          status: { _tag: "Started", startTime },
          attributes,
          links,
          sampled: true,
          kind,
          end: () => {},
          attribute: (key, value) => void attributes.set(key, value),
          event: () => {},
          addLinks: () => {}
        }
        spans.push(span)
        return span
      },
      context: (f) => f()
    })
    return Effect.gen(function*() {
      const s3 = yield* Datastore.S3Storage
      const got = Option.getOrThrow(yield* s3.readWithSidecar("s3://bucket-a/pre/fix/", "/F/data/ab/abc"))
      assert.strictEqual(new TextDecoder().decode(got.bytes), "abc")
      assert.deepStrictEqual(got.sidecar, Option.some("{\"cas_raw\": true}"))
      yield* TestClock.adjust("58 minutes")
      yield* s3.read("s3://bucket-a/pre/fix", "F/data/ab/abc")
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(seen[0]!["url"], "https://bucket-a.s3.eu-central-1.amazonaws.com/pre/fix/F/data/ab/abc")
      assert.strictEqual(seen[0]!["x-amz-security-token"], "session-1")
      assert.match(seen[0]!["authorization"]!, /^AWS4-HMAC-SHA256 Credential=ASIA1\/\d{8}\/eu-central-1\/s3\/aws4_request, /)
      assert.strictEqual(seen[1]!["x-amz-security-token"], "session-2")
      assert.match(seen[1]!["authorization"]!, /Credential=ASIA2\//)
      assert.notInclude(JSON.stringify(seen), "very-secret")
      // Spans record request headers: the session token and the signature are redacted there.
      const attributes = spans.flatMap((s) => [...s.attributes.entries()].map(([k, v]) => `${k}=${String(v)}`))
      assert.isTrue(attributes.some((a) => a.startsWith("http.request.header.x-amz-security-token=")))
      assert.notInclude(attributes.join("\n"), "session-1")
      assert.notInclude(attributes.join("\n"), "Signature=")
    }).pipe(
      Effect.withTracer(tracer),
      Effect.provide(
        S3Datastore.layer({ region: "eu-central-1" }).pipe(
          Layer.provide(Layer.merge(Layer.succeed(HttpClient.HttpClient, fake), Credentials.fromProvider(provider)))
        )
      )
    )
  })

  it.live("a bucket in another region is retried there (x-amz-bucket-region)", () => {
    const urls: Array<string> = []
    const fake = HttpClient.make((req) =>
      Effect.sync(() => {
        urls.push(`${req.url} ${req.headers["authorization"]?.match(/Credential=[^/]+\/\d+\/([^/]+)/)?.[1]}`)
        return HttpClientResponse.fromWeb(
          req,
          req.url.includes("eu-west-1")
            ? new Response("ok")
            : new Response("<Error><Code>PermanentRedirect</Code></Error>", {
              status: 301,
              headers: { "x-amz-bucket-region": "eu-west-1" }
            })
        )
      })
    )
    return Effect.gen(function*() {
      const s3 = yield* Datastore.S3Storage
      const bytes = Option.getOrThrow(yield* s3.read("s3://far-bucket/p", "k"))
      assert.strictEqual(new TextDecoder().decode(bytes), "ok")
      yield* s3.read("s3://far-bucket/p", "k2")
      assert.deepStrictEqual(urls, [
        "https://far-bucket.s3.us-east-1.amazonaws.com/p/k us-east-1",
        "https://far-bucket.s3.eu-west-1.amazonaws.com/p/k eu-west-1",
        "https://far-bucket.s3.eu-west-1.amazonaws.com/p/k2 eu-west-1"
      ])
    }).pipe(
      Effect.provide(
        S3Datastore.layer({ retryBase: "1 millis" }).pipe(
          Layer.provide(Layer.merge(
            Layer.succeed(HttpClient.HttpClient, fake),
            Credentials.static({ accessKeyId: "A", secretAccessKey: "B" })
          ))
        )
      )
    )
  })
})
