/**
 * The local backend's layers with `node:fs` reads ({@link NodeReads}) and `node:zlib` gunzip
 * ({@link NodeGunzip}, provided by every layer here): the same answers as `LocalProvider`'s, several times
 * faster on Node, Bun and Deno. The layers still need `FileSystem` and
 * `Path` (root discovery, streaming, tag writes), e.g. from `@effect/platform-node`'s `NodeContext.layer`.
 *
 * @example
 * ```ts
 * import * as NodeContext from "@effect/platform-node/NodeContext"
 * import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
 *
 * const Live = NodeLocalProvider.layer({ root: "/home/alice/proj" }).pipe(Layer.provide(NodeContext.layer))
 * ```
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type { Datastore, Gunzip, MetadataProvider } from "@metaflow-client/core"
import type * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as LocalProvider from "./LocalProvider.js"
import * as NodeGunzip from "./NodeGunzip.js"
import * as NodeReads from "./NodeReads.js"
import type * as Root from "./Root.js"

/**
 * `LocalProvider.make` with `node:fs` reads.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: LocalProvider.Options = {}) => LocalProvider.make(options, NodeReads.factory)

/**
 * `LocalProvider.layer` with `node:fs` reads: the metadata provider and the local storage over one root,
 * and the `node:zlib` gunzip.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: LocalProvider.Options = {}
): Layer.Layer<
  MetadataProvider.MetadataProvider | Datastore.LocalStorage | Gunzip.Gunzip,
  Root.RootNotFound,
  FileSystem.FileSystem | Path.Path
> => Layer.merge(LocalProvider.layer(options, NodeReads.factory), NodeGunzip.layer)

/**
 * `LocalProvider.layerConfig` with `node:fs` reads (root from `METAFLOW_DATASTORE_SYSROOT_LOCAL`, else
 * walking up from the working directory), and the `node:zlib` gunzip.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: { readonly sysroot: Config.Config<Option.Option<string>> } = LocalProvider.envConfig
): Layer.Layer<
  MetadataProvider.MetadataProvider | Datastore.LocalStorage | Gunzip.Gunzip,
  Root.RootNotFound | ConfigError.ConfigError,
  FileSystem.FileSystem | Path.Path
> => Layer.merge(LocalProvider.layerConfig(config, NodeReads.factory), NodeGunzip.layer)

/**
 * `LocalProvider.storageLayer` with `node:fs` reads: only the local storage (and the `node:zlib` gunzip).
 *
 * @since 0.1.0
 * @category layers
 */
export const storageLayer = (
  root: string
): Layer.Layer<Datastore.LocalStorage | Gunzip.Gunzip, Root.RootNotFound, FileSystem.FileSystem | Path.Path> =>
  Layer.merge(LocalProvider.storageLayer(root, NodeReads.factory), NodeGunzip.layer)

/**
 * `LocalProvider.metadataLayer` with `node:fs` reads: only the metadata provider (and the `node:zlib`
 * gunzip, for the blobs of whatever storage is provided beside it).
 *
 * @since 0.1.0
 * @category layers
 */
export const metadataLayer = (
  options: LocalProvider.Options = {}
): Layer.Layer<MetadataProvider.MetadataProvider | Gunzip.Gunzip, Root.RootNotFound, FileSystem.FileSystem | Path.Path> =>
  Layer.merge(LocalProvider.metadataLayer(options, NodeReads.factory), NodeGunzip.layer)
