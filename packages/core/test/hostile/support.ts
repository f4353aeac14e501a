/** Helpers of the hostile-input tests: temp copies of the corpus, tree hashes, running programs locally. */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { NodeContext } from "@effect/platform-node"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import { Cause, Effect, Exit, type Layer, Option } from "effect"
import { inspect, isDeepStrictEqual } from "node:util"
import type { MetadataProvider } from "@metaflow-client/core"
import { Datastore, Namespace } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"

export const corpusBase = path.resolve(__dirname, "../../../../testdata/fixtures/local")
export const corpusRoot = path.join(corpusBase, ".metaflow")

/** The `_tag`s of core's typed errors (Errors.MetaflowError, plus decoder/log/root errors). */
export const TYPED_ERRORS = new Set([
  "ObjectNotFound", "NamespaceMismatch", "InvalidPathspec", "InvalidAttempt", "CorruptRecord", "CorruptBlob", "UnsupportedEncoding",
  "DatastoreNotProvided", "PathOutsideRoot", "BackendError", "TaggingError", "UnknownUser", "PickleError", "MflogError", "TaggedJsonError"
])

/** A stable hash of a tree: names, types, symlink targets, bytes. */
export const hashTree = (dir: string): string => {
  const h = createHash("sha256")
  const walk = (rel: string) => {
    const abs = path.join(dir, rel)
    const st = fs.lstatSync(abs)
    if (st.isSymbolicLink()) h.update(`L ${rel} ${fs.readlinkSync(abs)}\n`)
    else if (st.isDirectory()) {
      h.update(`D ${rel}\n`)
      for (const name of fs.readdirSync(abs).sort()) walk(rel === "" ? name : `${rel}/${name}`)
    } else {
      h.update(`F ${rel} ${st.size}\n`)
      h.update(fs.readFileSync(abs))
    }
  }
  walk("")
  return h.digest("hex")
}

/** Every path below `dir` (relative, sorted), symlinks not followed. */
export const listTree = (dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (rel: string) => {
    const abs = path.join(dir, rel)
    const st = fs.lstatSync(abs)
    out.push(rel)
    if (st.isDirectory() && !st.isSymbolicLink()) for (const name of fs.readdirSync(abs).sort()) walk(rel === "" ? name : `${rel}/${name}`)
  }
  walk("")
  return out
}

const makeWritable = (p: string) => {
  const st = fs.lstatSync(p)
  if (st.isSymbolicLink()) return
  fs.chmodSync(p, st.mode | 0o200 | (st.isDirectory() ? 0o700 : 0))
  if (st.isDirectory()) for (const name of fs.readdirSync(p)) makeWritable(path.join(p, name))
}

/**
 * A fresh temp directory `<tmp>/<x>/` with `root/.metaflow/<flow>` copies of the given flows (and the shared
 * `data/` of the root) and an `outside/` sibling for canaries. Returns the paths.
 */
export const tempCorpus = (flows: ReadonlyArray<string>) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mfc-hostile-"))
  const base = path.join(dir, "root")
  const root = path.join(base, ".metaflow")
  const outside = path.join(dir, "outside")
  fs.mkdirSync(root, { recursive: true })
  fs.mkdirSync(outside, { recursive: true })
  for (const f of flows) fs.cpSync(path.join(corpusRoot, f), path.join(root, f), { recursive: true })
  // the root's shared data/ (IncludeFile payloads)
  fs.cpSync(path.join(corpusRoot, "data"), path.join(root, "data"), { recursive: true })
  makeWritable(dir)
  return { dir, base, root, outside, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

const exitSummary = (exit: Exit.Exit<unknown, unknown>): unknown => {
  if (Exit.isSuccess(exit)) return { success: exit.value }
  const f = Cause.failureOption(exit.cause)
  if (Option.isNone(f)) return { defect: Cause.pretty(exit.cause) }
  // messages may differ (which syscall failed, which path of the chain); the typed outcome may not
  return { failure: (f.value as { readonly _tag?: string })._tag }
}

/**
 * Runs a program against a local root (all namespaces) through both readers of the local backend (the
 * portable FileSystem one, then the node:fs one), checks that they give the same Exit, and returns it.
 */
export const runLocal = async <A, E>(
  base: string,
  program: Effect.Effect<A, E, MetadataProvider.MetadataProvider | Datastore.LocalStorage>
): Promise<Exit.Exit<A, E>> => {
  const run = (layer: Layer.Layer<MetadataProvider.MetadataProvider | Datastore.LocalStorage, unknown, FileSystem.FileSystem | Path.Path>) =>
    Effect.runPromiseExit(
      program.pipe(Namespace.withNamespace(null), Effect.provide(layer), Effect.provide(NodeContext.layer))
    ) as Promise<Exit.Exit<A, E>>
  const portable = await run(LocalProvider.layer({ root: base }))
  const node = await run(NodeLocalProvider.layer({ root: base }))
  if (!isDeepStrictEqual(exitSummary(portable), exitSummary(node))) {
    throw new Error(
      `the two local readers disagree:\nFileSystem: ${inspect(exitSummary(portable), { depth: 4 })}\nnode:fs:    ${inspect(exitSummary(node), { depth: 4 })}`
    )
  }
  return node
}

/** The typed failure of an Exit (undefined for success); a defect or interruption throws with the cause. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): (E & { readonly _tag: string; readonly message: string }) | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const f = Cause.failureOption(exit.cause)
  if (Option.isNone(f)) throw new Error(`not a typed failure: ${Cause.pretty(exit.cause)}`)
  return f.value as E & { readonly _tag: string; readonly message: string }
}
