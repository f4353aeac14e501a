/**
 * The local backend for Node (and Bun, Deno): the same layers as the main entry, reading with `node:fs`
 * and gunzipping with `node:zlib`. Kept in its own entry so that the main entry imports nothing Node-only.
 *
 * @since 0.1.0
 */

/**
 * `LocalProvider`'s layers with `node:fs` reads.
 *
 * @since 0.1.0
 */
export * as NodeLocalProvider from "./NodeLocalProvider.js"

/**
 * The `node:fs` implementation of `LocalReads`.
 *
 * @since 0.1.0
 */
export * as NodeReads from "./NodeReads.js"

/**
 * The `node:zlib` implementation of core's `Gunzip` port (`NodeGunzip.layer`), provided by
 * `NodeLocalProvider`'s layers; provide it yourself beside other backends (service metadata, S3).
 *
 * @since 0.1.0
 */
export * as NodeGunzip from "./NodeGunzip.js"
