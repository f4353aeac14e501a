/**
 * The Metaflow metadata service backend of metaflow-client: a `MetadataProvider` over the service's
 * HTTP API, with pluggable authentication and request observation.
 *
 * @since 0.1.0
 */

/**
 * Pluggable authentication: static headers, `METAFLOW_SERVICE_HEADERS` / `METAFLOW_SERVICE_AUTH_KEY`,
 * cached refreshable tokens.
 *
 * @since 0.1.0
 */
export * as Auth from "./Auth.js"

/**
 * Request events and a request counter (benchmarks, tests).
 *
 * @since 0.1.0
 */
export * as Observe from "./Observe.js"

/**
 * The provider: `make`, `layer`, `layerConfig`, `envConfig`.
 *
 * @since 0.1.0
 */
export * as ServiceMetadataProvider from "./ServiceMetadataProvider.js"
