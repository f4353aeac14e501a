/**
 * Layers for a local `.metaflow` directory: the metadata provider and the `local` datastore storage over
 * the same root, or the storage alone.
 *
 * @example
 * ```ts
 * import { NodeContext } from "@effect/platform-node"
 * import { LocalProvider } from "@metaflow-client/provider-local"
 *
 * // explicit directory (containing .metaflow), else METAFLOW_DATASTORE_SYSROOT_LOCAL, else walk up from cwd
 * const Live = LocalProvider.layer({ root: "/home/alice/proj" }).pipe(Layer.provide(NodeContext.layer))
 * ```
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { Datastore, MetadataProvider } from "@metaflow-client/core"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as LocalMetadataProvider from "./LocalMetadataProvider.js"
import * as LocalReads from "./LocalReads.js"
import * as LocalStorage from "./LocalStorage.js"
import * as Root from "./Root.js"

/**
 * Options of {@link layer} and {@link make}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Root.DiscoverOptions, LocalMetadataProvider.Options {}

/**
 * What {@link make} builds.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalProvider {
  readonly root: Root.Root
  readonly metadata: MetadataProvider.Service
  readonly storage: Datastore.Storage
}

/**
 * Discovers the root (see `Root.discover`) and builds the provider and the storage over it. `reads` is
 * how files are read: portable `FileSystem` reads by default; on Node use
 * `@metaflow-client/provider-local/node`, whose layers pass the faster `node:fs` reads.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("LocalProvider.make")(function*(
  options: Options = {},
  reads: LocalReads.Factory = LocalReads.fromFileSystem
) {
  const root = yield* Root.discover(options)
  const metadata = yield* LocalMetadataProvider.make(root, options, reads)
  const storage = yield* LocalStorage.make(root, reads)
  return { root, metadata, storage } satisfies LocalProvider as LocalProvider
})

const toContext = ({ metadata, storage }: LocalProvider) =>
  Context.make(MetadataProvider.MetadataProvider, metadata).pipe(Context.add(Datastore.LocalStorage, storage))

/**
 * Provides both `MetadataProvider.MetadataProvider` and `Datastore.LocalStorage` over one root: the
 * explicit `root` (the directory containing `.metaflow`, or the `.metaflow` directory), else
 * `METAFLOW_DATASTORE_SYSROOT_LOCAL` (read via `Config`), else the first `.metaflow` found walking up
 * from the working directory. Fails with `Root.RootNotFound` when there is none.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {},
  reads: LocalReads.Factory = LocalReads.fromFileSystem
): Layer.Layer<
  MetadataProvider.MetadataProvider | Datastore.LocalStorage,
  Root.RootNotFound,
  FileSystem.FileSystem | Path.Path
> => Layer.effectContext(Effect.map(make(options, reads), toContext))

/**
 * The `Config`s {@link layerConfig} reads by default: `METAFLOW_DATASTORE_SYSROOT_LOCAL`.
 *
 * @since 0.1.0
 * @category config
 */
export const envConfig: { readonly sysroot: Config.Config<Option.Option<string>> } = { sysroot: Root.sysrootConfig }

/**
 * Like {@link layer}, with the sysroot taken from a `Config` (`D` means root `D/.metaflow`); when it is
 * unset, walks up from the working directory.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: { readonly sysroot: Config.Config<Option.Option<string>> } = envConfig,
  reads: LocalReads.Factory = LocalReads.fromFileSystem
): Layer.Layer<
  MetadataProvider.MetadataProvider | Datastore.LocalStorage,
  Root.RootNotFound | ConfigError.ConfigError,
  FileSystem.FileSystem | Path.Path
> =>
  Layer.effectContext(
    Effect.flatMap(config.sysroot, (sysroot) => Effect.map(make({ sysroot: Option.filter(sysroot, (s) => s.length > 0) }, reads), toContext))
  )

/**
 * Only `Datastore.LocalStorage`, for runs whose metadata comes from elsewhere (a metadata service) while
 * their bytes are in a local `.metaflow`. `root` is the directory containing `.metaflow`, or the
 * `.metaflow` directory itself.
 *
 * @since 0.1.0
 * @category layers
 */
export const storageLayer = (
  root: string,
  reads: LocalReads.Factory = LocalReads.fromFileSystem
): Layer.Layer<Datastore.LocalStorage, Root.RootNotFound, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(Datastore.LocalStorage, Effect.flatMap(Root.fromDirectory(root), (r) => LocalStorage.make(r, reads)))

/**
 * Only `MetadataProvider.MetadataProvider` over a local root (see {@link layer} for the discovery).
 *
 * @since 0.1.0
 * @category layers
 */
export const metadataLayer = (
  options: Options = {},
  reads: LocalReads.Factory = LocalReads.fromFileSystem
): Layer.Layer<MetadataProvider.MetadataProvider, Root.RootNotFound, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    MetadataProvider.MetadataProvider,
    Effect.flatMap(Root.discover(options), (root) => LocalMetadataProvider.make(root, options, reads))
  )
