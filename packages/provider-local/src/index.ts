/**
 * metaflow-client for a local `.metaflow` directory: the local metadata provider and the `local`
 * datastore storage, built on `@effect/platform`'s `FileSystem` and `Path`.
 *
 * @since 0.1.0
 */

/**
 * Layers providing the metadata provider and the local storage over one root.
 *
 * @since 0.1.0
 */
export * as LocalProvider from "./LocalProvider.js"

/**
 * The local metadata provider (`_meta/` trees), including run tag mutation.
 *
 * @since 0.1.0
 */
export * as LocalMetadataProvider from "./LocalMetadataProvider.js"

/**
 * Core's `Storage` for `ds-type: local`, confined to its configured root.
 *
 * @since 0.1.0
 */
export * as LocalStorage from "./LocalStorage.js"

/**
 * Discovery of the `.metaflow` directory.
 *
 * @since 0.1.0
 */
export * as Root from "./Root.js"

/**
 * The port of the hot read path (listings, confined reads) and its portable `FileSystem` implementation.
 *
 * @since 0.1.0
 */
export * as LocalReads from "./LocalReads.js"
