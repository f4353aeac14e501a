/**
 * The metadata-service backend. `@metaflow-client/provider-service` has no public entry point yet, so
 * choosing the service fails with a clear error until it does.
 */
import type { MetadataProvider } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import { Failure } from "../Errors.js"

/** The service provider Layer for `url`, or a `Failure` naming what is missing. */
export const layer = (url: string): Effect.Effect<Layer.Layer<MetadataProvider.MetadataProvider, Failure>, Failure> =>
  Effect.fail(
    new Failure({
      message: `metadata service ${url}: this build of mfc has no service backend yet (@metaflow-client/provider-service is not exported)`
    })
  )
