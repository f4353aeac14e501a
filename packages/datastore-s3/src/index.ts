/**
 * metaflow-client S3 datastore: artifacts, logs and code packages from S3 (or MinIO, R2, moto) with
 * SigV4-signed requests over `@effect/platform`'s `HttpClient`, no AWS SDK.
 *
 * @since 0.1.0
 */
export * as Credentials from "./Credentials.js"
export * as S3Datastore from "./S3Datastore.js"
