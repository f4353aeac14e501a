/**
 * Which backend `mfc` reads, chosen as Metaflow chooses it:
 *
 * - metadata: `--metadata local[@DIR]` or `--metadata service[@URL]`; else `METAFLOW_DEFAULT_METADATA`
 *   (`local`, `service`, `service@URL`) with `METAFLOW_SERVICE_URL`; else local.
 * - local root (metadata, and the `local` datastore): `--root DIR` (or `local@DIR`), else
 *   `METAFLOW_DATASTORE_SYSROOT_LOCAL`, else the first `.metaflow` walking up from the working directory,
 *   else the example bundled with `mfc` (`examples/helloflow`), shown in all namespaces.
 * - S3 datastore: added when `METAFLOW_DATASTORE_SYSROOT_S3`, `METAFLOW_S3_ENDPOINT_URL` is set or
 *   `METAFLOW_DEFAULT_DATASTORE=s3`; credentials from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import type { Datastore, MetadataProvider } from "@metaflow-client/core"
import { Root } from "@metaflow-client/provider-local"
import { NodeGunzip, NodeLocalProvider } from "@metaflow-client/provider-local/node"
import { Credentials, S3Datastore } from "@metaflow-client/datastore-s3"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { fileURLToPath } from "node:url"
import { Failure, UsageError } from "./Errors.js"
import * as Service from "./internal/service.js"

/**
 * The metadata backend chosen.
 *
 * @since 0.1.0
 * @category models
 */
export type MetadataChoice =
  | { readonly _tag: "local"; readonly root: string | undefined }
  | { readonly _tag: "service"; readonly url: string }

/**
 * What the command line and the environment select.
 *
 * @since 0.1.0
 * @category models
 */
export interface Selection {
  readonly metadata: MetadataChoice
  /** `--root DIR`: the local root (also the local datastore of a service backend). */
  readonly root: string | undefined
  /** Whether to add the S3 datastore. */
  readonly s3: boolean
}

/**
 * The backend options every command takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackendOptions {
  readonly root: Option.Option<string>
  readonly metadata: Option.Option<string>
}

const env = (name: string): string | undefined => {
  const v = process.env[name]?.trim()
  return v === undefined || v === "" ? undefined : v
}

/**
 * Parses a `--metadata` / `METAFLOW_DEFAULT_METADATA` value.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseMetadata = (value: string, origin: string): Effect.Effect<MetadataChoice, UsageError> => {
  const [kind, ...rest] = value.split("@")
  const arg = rest.length > 0 ? rest.join("@") : undefined
  if (kind === "local") return Effect.succeed({ _tag: "local", root: arg === "" ? undefined : arg })
  if (kind === "service") {
    const url = arg !== undefined && arg !== "" ? arg : env("METAFLOW_SERVICE_URL")
    if (url === undefined) {
      return Effect.fail(new UsageError({ message: `${origin} is 'service' but no URL: use service@URL or set METAFLOW_SERVICE_URL` }))
    }
    return Effect.succeed({ _tag: "service", url })
  }
  return Effect.fail(new UsageError({ message: `${origin} must be local[@DIR] or service[@URL], not '${value}'` }))
}

/**
 * The selection for these options and the environment.
 *
 * @since 0.1.0
 * @category constructors
 */
export const select = (options: BackendOptions): Effect.Effect<Selection, UsageError> =>
  Effect.gen(function*() {
    const fromFlag = Option.getOrUndefined(options.metadata)
    const fromEnv = env("METAFLOW_DEFAULT_METADATA")
    let metadata: MetadataChoice = fromFlag !== undefined
      ? yield* parseMetadata(fromFlag, "--metadata")
      : fromEnv !== undefined
      ? yield* parseMetadata(fromEnv, "METAFLOW_DEFAULT_METADATA")
      : { _tag: "local", root: undefined }
    const root = Option.getOrUndefined(options.root)
    if (root !== undefined) {
      if (metadata._tag === "local" && metadata.root !== undefined && fromFlag !== undefined) {
        return yield* new UsageError({ message: "give the local root once: --root DIR or --metadata local@DIR" })
      }
      if (metadata._tag === "local") metadata = { _tag: "local", root }
    }
    const s3 = env("METAFLOW_DATASTORE_SYSROOT_S3") !== undefined || env("METAFLOW_S3_ENDPOINT_URL") !== undefined ||
      env("METAFLOW_DEFAULT_DATASTORE") === "s3"
    return { metadata, root, s3 }
  })

/**
 * The directory of the example bundled with `mfc`: `MFC_EXAMPLE_ROOT`, else `examples/helloflow` of the
 * repository this file (or the `dist/mfc.js` bundle) lives in.
 *
 * @since 0.1.0
 * @category constants
 */
export const exampleRoot = (): string =>
  env("MFC_EXAMPLE_ROOT") ?? fileURLToPath(new URL("../../../examples/helloflow", import.meta.url))

/**
 * A resolved backend: the Layer, a one-line description, and whether the bundled example is used.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly layer: Layer.Layer<MetadataProvider.MetadataProvider, Failure, FileSystem.FileSystem | Path.Path>
  /** `local@/path`, `service@URL`, plus `+ s3` when the S3 datastore is added. */
  readonly description: string
  /** The bundled example is shown (no other root was found). */
  readonly example: boolean
}

const rootFailure = (e: Root.RootNotFound) => new Failure({ message: e.message })

/** The local root, falling back to the bundled example only when nothing was asked for and nothing found. */
const localRoot = (explicit: string | undefined, allowExample: boolean) =>
  Effect.gen(function*() {
    const found = yield* Effect.either(Root.discover(explicit === undefined ? {} : { root: explicit }))
    if (found._tag === "Right") return { root: found.right, example: false }
    if (found.left.source !== "cwd" || !allowExample) return yield* rootFailure(found.left)
    const example = yield* Effect.either(Root.fromDirectory(exampleRoot()))
    if (example._tag === "Left") return yield* rootFailure(found.left)
    return { root: example.right, example: true }
  })

const s3Layer: Layer.Layer<Datastore.S3Storage, Failure> = S3Datastore.layerConfig().pipe(
  Layer.provide(Credentials.fromEnv),
  Layer.provide(FetchHttpClient.layer),
  Layer.mapError((e) => new Failure({ message: `S3 datastore: ${e.message || String(e)} (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)` })),
) as Layer.Layer<Datastore.S3Storage, Failure>

/**
 * Builds the backend of a selection; every backend gunzips blobs with `node:zlib` (`NodeGunzip`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (selection: Selection): Effect.Effect<Resolved, Failure | UsageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const extra = selection.s3 ? s3Layer : Layer.empty
    const suffix = selection.s3 ? " + s3" : ""
    if (selection.metadata._tag === "local") {
      const { example, root } = yield* localRoot(selection.metadata.root, true)
      const local = NodeLocalProvider.layer({ root: root.metaflowDir }).pipe(Layer.mapError(rootFailure))
      return {
        layer: Layer.mergeAll(local, extra, NodeGunzip.layer) as Resolved["layer"],
        description: `${Root.describe(root)}${suffix}`,
        example
      }
    }
    const url = selection.metadata.url
    const service = yield* Service.layer(url)
    // the local datastore too, when a local root is at hand (runs with ds-type local)
    const localStorage = yield* Effect.either(localRoot(selection.root, false))
    const storage = localStorage._tag === "Right"
      ? NodeLocalProvider.storageLayer(localStorage.right.root.metaflowDir).pipe(Layer.mapError(rootFailure))
      : Layer.empty
    return {
      layer: Layer.mergeAll(service, storage, extra, NodeGunzip.layer) as Resolved["layer"],
      description: `service@${url}${suffix}`,
      example: false
    }
  })
