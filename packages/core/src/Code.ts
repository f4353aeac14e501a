/**
 * Code packages: the tarball Metaflow uploads for remote (or forced) execution, with the flow's files and
 * an `INFO` record. Python: `MetaflowCode`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Cas from "./Cas.js"
import * as Datastore from "./Datastore.js"
import { CorruptBlob, CorruptRecord } from "./Errors.js"
import * as Gunzip from "./Gunzip.js"
import * as Tar from "./internal/tar.js"

/**
 * A code package as the `code-package` metadata describes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CodePackage {
  readonly flow: string
  readonly dsType: string
  readonly sha: string
  /** Python's `code.path`: the blob's full location. */
  readonly location: string
  /** Package format: `{version, archive_format, mfcontent_version}`. */
  readonly format: { readonly version: number; readonly archiveFormat: string; readonly contentVersion: number }
}

/**
 * One member of the package.
 *
 * @since 0.1.0
 * @category models
 */
export type Entry = Tar.TarEntry

const Wire = Schema.Struct({
  ds_type: Schema.String,
  sha: Schema.String,
  location: Schema.String,
  metadata: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * Reads the `code-package` metadata value (JSON text).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromMetadata = (flow: string, value: string): Effect.Effect<CodePackage, CorruptRecord> =>
  Effect.gen(function*() {
    const json = yield* Either.try({ try: () => JSON.parse(value) as unknown, catch: () => new CorruptRecord({ path: "code-package metadata", reason: "not JSON" }) })
    const w = yield* Schema.decodeUnknown(Wire)(json).pipe(
      Effect.mapError(() => new CorruptRecord({ path: "code-package metadata", reason: "Code package metadata is invalid." }))
    )
    const meta = w.metadata === undefined || w.metadata === null
      ? {}
      : (yield* Either.try({ try: () => JSON.parse(w.metadata!) as Record<string, unknown>, catch: () => new CorruptRecord({ path: "code-package metadata", reason: "metadata is not JSON" }) }))
    return {
      flow,
      dsType: w.ds_type,
      sha: w.sha,
      location: w.location,
      format: {
        version: Number(meta["version"] ?? 0),
        archiveFormat: String(meta["archive_format"] ?? "tgz"),
        contentVersion: Number(meta["mfcontent_version"] ?? 0)
      }
    }
  })

/**
 * The package's archive bytes (`.tgz`), stored raw in the flow's content-addressed store.
 *
 * @since 0.1.0
 * @category bytes
 */
export const tarball = Effect.fn("Code.tarball")(function*(pkg: CodePackage) {
  const storage = yield* Datastore.storageFor(pkg.dsType)
  const root = yield* Cas.rootOfLocation(pkg.location, pkg.flow)
  const key = Datastore.blobKey(pkg.flow, pkg.sha)
  const stored = yield* storage.readWithSidecar(root, key)
  if (Option.isNone(stored)) return yield* new CorruptBlob({ path: pkg.location, reason: "code package is missing" })
  return yield* Cas.unpack(stored.value, pkg.location, { forceRaw: true })
})

/**
 * The members of the archive. Python: `code.tarball.getmembers()`.
 *
 * @since 0.1.0
 * @category members
 */
export const entries = Effect.fn("Code.entries")(function*(pkg: CodePackage) {
  const tgz = yield* tarball(pkg)
  const tar = yield* (yield* Gunzip.Gunzip).gunzip(tgz, pkg.location, Gunzip.defaultMaxBytes)
  return yield* Either.try({ try: () => Tar.parse(tar), catch: (e) => new CorruptBlob({ path: pkg.location, reason: `bad tar archive: ${String(e)}` }) })
})

const infoNames = [".mf_meta/INFO", "INFO"]

/**
 * The package's `INFO` record (platform, user, script, versions, environment type). Python: `code.info`.
 *
 * @since 0.1.0
 * @category members
 */
export const info = Effect.fn("Code.info")(function*(pkg: CodePackage) {
  const all = yield* entries(pkg)
  const entry = infoNames.map((n) => all.find((e) => e.name === n)).find((e) => e !== undefined)
  if (entry === undefined) return yield* new CorruptRecord({ path: pkg.location, reason: "Code package metadata is invalid." })
  return yield* Either.try({
    try: () => JSON.parse(new TextDecoder().decode(entry.data)) as Record<string, unknown>,
    catch: () => new CorruptRecord({ path: `${pkg.location}:INFO`, reason: "not JSON" })
  })
})

/**
 * The flow's script name (`INFO.script`). Python: `code.script_name`.
 *
 * @since 0.1.0
 * @category members
 */
export const scriptName = Effect.fn("Code.scriptName")(function*(pkg: CodePackage) {
  const i = yield* info(pkg)
  return String(i["script"] ?? "")
})

/**
 * The bytes of the flow script inside the package. Python: `code.flowspec`.
 *
 * @since 0.1.0
 * @category members
 */
export const flowspec = Effect.fn("Code.flowspec")(function*(pkg: CodePackage) {
  const name = yield* scriptName(pkg)
  const all = yield* entries(pkg)
  const entry = all.find((e) => e.name === name)
  if (entry === undefined) return yield* new CorruptRecord({ path: pkg.location, reason: `script ${name} is not in the package` })
  return entry.data
})
