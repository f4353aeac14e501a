import { FetchHttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Datastore, Errors } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { execFileSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"
import { Credentials, S3Datastore } from "../src/index.js"
import { encodeKey, objectUrl } from "../src/internal/location.js"
import { sign } from "../src/internal/sign.js"
import { type MotoServer, s3Request, skipS3, startMoto } from "./moto.js"

describe("SigV4 signing", () => {
  it.effect("matches the AWS documentation's S3 GET Object example", () =>
    Effect.gen(function*() {
      // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html ("GET Object")
      const headers = yield* sign({
        method: "GET",
        url: "https://examplebucket.s3.amazonaws.com/test.txt",
        headers: {
          range: "bytes=0-9",
          "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        },
        credentials: {
          accessKeyId: "AKIAIOSFODNN7EXAMPLE",
          secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        },
        region: "us-east-1",
        datetime: "20130524T000000Z"
      })
      assert.strictEqual(
        headers["authorization"],
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
          "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
          "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
      )
      assert.strictEqual(headers["x-amz-date"], "20130524T000000Z")
    }))

  it("builds path-style URLs for endpoints and virtual-host URLs for AWS", () => {
    const endpoint = new URL("http://127.0.0.1:9000")
    assert.strictEqual(
      objectUrl({ endpoint, region: "us-east-1", forcePathStyle: true }, "mf-bucket", "a b/c+d(1)"),
      "http://127.0.0.1:9000/mf-bucket/a%20b/c%2Bd%281%29"
    )
    assert.strictEqual(
      objectUrl({ endpoint: undefined, region: "eu-west-1", forcePathStyle: false }, "mf-bucket", "F/data/ab/x"),
      "https://mf-bucket.s3.eu-west-1.amazonaws.com/F/data/ab/x"
    )
    // Dotted bucket names break TLS wildcard certificates: path-style even against AWS.
    assert.strictEqual(
      objectUrl({ endpoint: undefined, region: "us-east-1", forcePathStyle: false }, "my.bucket", "k"),
      "https://s3.us-east-1.amazonaws.com/my.bucket/k"
    )
    assert.strictEqual(encodeKey("ü/~x*"), "%C3%BC/~x%2A")
  })
})

/**
 * moto with authentication switched on verifies every signature (it recomputes SigV4 with botocore):
 * this proves the signer against an independent implementation, including odd characters in keys.
 */
describe.skipIf(skipS3())("signatures verified by moto with IAM authentication on", () => {
  let moto: MotoServer
  let keys: { readonly accessKeyId: string; readonly secretAccessKey: string }
  const bucket = `mfc-auth-${randomBytes(4).toString("hex")}`
  // moto's verifier (like boto3 against it) rejects keys with `+`, `(`, `!`, non-ASCII...: keep to
  // characters it canonicalises correctly; the AWS example above covers the algorithm itself.
  const odd = "Flow/data/sp ace/Key_with-dots.and~tilde.txt"
  beforeAll(async () => {
    moto = await startMoto({ fresh: true }) // a private server: auth is server-wide
    const script = `
import boto3, json, sys
ep = sys.argv[1]
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
iam.create_user(UserName="reader")
iam.put_user_policy(UserName="reader", PolicyName="s3", PolicyDocument=json.dumps(
  {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
k = iam.create_access_key(UserName="reader")["AccessKey"]
print(json.dumps({"accessKeyId": k["AccessKeyId"], "secretAccessKey": k["SecretAccessKey"]}))
`
    keys = JSON.parse(execFileSync("python3", ["-c", script, moto.endpoint], { encoding: "utf8" }))
    const enable = await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: "POST", body: "0" })
    assert.strictEqual(enable.status, 200)
    // From here on every request must be signed by a known key.
    const create = await s3Request(moto.endpoint, "PUT", bucket, "", { credentials: keys })
    assert.strictEqual(create.status, 200, create.body.toString())
    for (const key of [`root/${odd}`, "root/Flow/data/ab/plain"]) {
      const put = await s3Request(moto.endpoint, "PUT", bucket, key, {
        credentials: keys,
        headers: { "x-amz-meta-metaflow-user-attributes": "{\"cas_raw\": true, \"cas_version\": 1}" },
        body: new TextEncoder().encode(`content of ${key}`)
      })
      assert.strictEqual(put.status, 200, put.body.toString())
    }
    const denied = await s3Request(moto.endpoint, "GET", bucket, "root/Flow/data/ab/plain", {
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: "wrong" }
    })
    assert.strictEqual(denied.status, 403, "moto really checks signatures")
  }, 120_000)
  afterAll(async () => {
    await moto?.stop()
  })

  const live = (credentials: Layer.Layer<Credentials.S3Credentials>) =>
    S3Datastore.layer({ endpoint: moto.endpoint, retries: 1, retryBase: "5 millis" }).pipe(
      Layer.provide(Layer.merge(FetchHttpClient.layer, credentials))
    )

  it.live("GET, ranged GET and HEAD are accepted", () =>
    Effect.gen(function*() {
      const s3 = yield* Datastore.S3Storage
      const root = `s3://${bucket}/root`
      const stored = Option.getOrThrow(yield* s3.readWithSidecar(root, odd))
      assert.strictEqual(new TextDecoder().decode(stored.bytes), `content of root/${odd}`)
      assert.deepStrictEqual(stored.sidecar, Option.some("{\"cas_raw\": true, \"cas_version\": 1}"))
      assert.deepStrictEqual(yield* s3.size(root, odd), Option.some(stored.bytes.length))
      const tail = yield* S3Datastore.readRange(root, "Flow/data/ab/plain", -5)
      assert.strictEqual(new TextDecoder().decode(Option.getOrThrow(tail)), "plain")
    }).pipe(Effect.provide(live(Credentials.fromStatic(keys)))))

  it.live("a wrong secret is a 403 BackendError naming bucket and key", () =>
    Effect.gen(function*() {
      const s3 = yield* Datastore.S3Storage
      const err = yield* Effect.flip(s3.read(`s3://${bucket}/root`, "Flow/data/ab/plain"))
      assert.instanceOf(err, Errors.BackendError)
      if (err._tag === "BackendError") {
        assert.strictEqual(err.status, 403)
        assert.strictEqual(err.target, `s3://${bucket}/root/Flow/data/ab/plain`)
        assert.include(err.reason, "SignatureDoesNotMatch")
      }
    }).pipe(
      Effect.provide(live(Credentials.fromStatic({ accessKeyId: keys.accessKeyId, secretAccessKey: "not-the-secret" })))
    ))
})
