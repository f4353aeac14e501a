/**
 * metaflow-client core: the read side of Metaflow as Effect programs over two ports,
 * `MetadataProvider` (what exists) and `Datastore` (the bytes).
 *
 * @since 0.1.0
 */
export * as Datastore from "./Datastore.js"
export * as Errors from "./Errors.js"
export * as MetadataProvider from "./MetadataProvider.js"
export * as Namespace from "./Namespace.js"
export * as Pathspec from "./Pathspec.js"
export * as Records from "./Records.js"
