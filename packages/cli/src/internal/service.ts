/**
 * The metadata-service backend: `@metaflow-client/provider-service` over `fetch`, with the headers
 * Metaflow reads from `METAFLOW_SERVICE_HEADERS` / `METAFLOW_SERVICE_AUTH_KEY`.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type { MetadataProvider } from "@metaflow-client/core"
import { Auth, ServiceMetadataProvider } from "@metaflow-client/provider-service"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Failure } from "../Errors.js"

/** The service provider Layer for `url`, or a `Failure` naming the bad configuration. */
export const layer = (url: string): Effect.Effect<Layer.Layer<MetadataProvider.MetadataProvider, Failure>, Failure> =>
  Effect.map(
    Effect.mapError(Auth.headersConfig, (e) => new Failure({ message: `metadata service headers: ${String(e)}` })),
    (headers) => ServiceMetadataProvider.layer({ url, headers }).pipe(Layer.provide(FetchHttpClient.layer))
  )
