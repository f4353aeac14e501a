/**
 * Test helpers: run an effect against a service provider over the real fetch transport.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { MetadataProvider } from "@metaflow-client/core"
import { ServiceMetadataProvider } from "@metaflow-client/provider-service"
import { type ReplayOptions, type ReplayServer, startReplayServer } from "./ReplayServer.js"

/** HTTP transports the provider is tested on. */
export const transports = [
  { name: "fetch", layer: FetchHttpClient.layer },
  { name: "node:http", layer: NodeHttpClient.layer },
  { name: "undici", layer: NodeHttpClient.layerUndici }
] as const

/** The provider layer over a transport (default `FetchHttpClient`). */
export const providerLayer = (options: ServiceMetadataProvider.Options, transport: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer) =>
  ServiceMetadataProvider.layer(options).pipe(Layer.provide(transport))

/** Runs `f` with a freshly built provider. */
export const withProvider = <A, E>(
  options: ServiceMetadataProvider.Options,
  f: (md: MetadataProvider.Service) => Effect.Effect<A, E>,
  transport?: Layer.Layer<HttpClient.HttpClient>
): Effect.Effect<A, E> =>
  Effect.flatMap(MetadataProvider.MetadataProvider, f).pipe(Effect.provide(providerLayer(options, transport)))

/** A stream as an array. */
export const collect = <A, E>(s: Stream.Stream<A, E>): Effect.Effect<ReadonlyArray<A>, E> =>
  Effect.map(Stream.runCollect(s), Chunk.toReadonlyArray)

/** Sorted copy, for set comparisons. */
export const sorted = <A>(xs: Iterable<A>): Array<A> => [...xs].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0))

/** Runs `f` with a replay server over `files`, closed afterwards; fails if any request was unknown. */
export const withReplay = <A, E>(
  files: ReadonlyArray<string>,
  f: (server: ReplayServer) => Effect.Effect<A, E>,
  options?: ReplayOptions
): Effect.Effect<A, E> =>
  Effect.acquireUseRelease(
    Effect.promise(() => startReplayServer(files, options)),
    (server) =>
      Effect.tap(f(server), () =>
        server.unknownRequests.length === 0
          ? Effect.void
          : Effect.die(new Error(`unknown requests: ${JSON.stringify(server.unknownRequests.map((r) => [r.method, r.path, r.query]))}`))),
    (server) => Effect.promise(() => server.close())
  )
