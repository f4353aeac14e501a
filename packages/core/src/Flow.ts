/**
 * Flows and their runs. Python: `Flow`.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { InvalidPathspec, NamespaceMismatch, ObjectNotFound, StorageError, UnknownUser } from "./Errors.js"
import { MetadataProvider } from "./MetadataProvider.js"
import * as Namespace from "./Namespace.js"
import * as Pathspec from "./Pathspec.js"
import * as Run from "./Run.js"
import type { RunRecord } from "./Records.js"
import { ensureInNamespace, hasAllTags, inNamespace, orNotFound } from "./internal/lookup.js"
import { FlowObject, newestFirstInProviderOrder, RunObject } from "./internal/model.js"
import { NamespaceMismatch as Mismatch } from "./Errors.js"

/**
 * A flow: its path, its record, and the namespace it was looked up in.
 *
 * @since 0.1.0
 * @category models
 */
export type Flow = FlowObject

/**
 * Errors of looking objects up: not found, out of namespace, a bad pathspec, or a backend failure.
 *
 * @since 0.1.0
 * @category errors
 */
export type LookupError = ObjectNotFound | NamespaceMismatch | InvalidPathspec | UnknownUser | StorageError

/** @internal whether at least one run of the flow carries the namespace tag. */
export const hasRunInNamespace = (path: Pathspec.FlowPath, namespace: string) =>
  Effect.flatMap(MetadataProvider, (md) =>
    md.listRuns(path, { tags: [namespace] }).pipe(
      Stream.filter((run) => inNamespace(namespace, run)),
      Stream.runHead,
      Effect.map(Option.isSome)
    ))

/**
 * A flow by name, in the current namespace. A flow is in a namespace when one of its runs is.
 *
 * @since 0.1.0
 * @category lookup
 */
export const get = Effect.fn("Flow.get")(function*(name: string) {
  const path = yield* Pathspec.parse("Flow", name)
  const md = yield* MetadataProvider
  const namespace = yield* Namespace.get
  const record = yield* md.getFlow(path).pipe(orNotFound("Flow", name))
  if (namespace !== null && !(yield* hasRunInNamespace(path, namespace))) {
    return yield* new Mismatch({ pathspec: name, namespace })
  }
  return new FlowObject({ path, record, namespace })
})

/**
 * Options of a run listing.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunsOptions {
  /** Keep runs that carry all of these tags (user or system). Python: `flow.runs(*tags)`. */
  readonly tags?: ReadonlyArray<string>
  /** Keep runs created at or after this time. */
  readonly since?: Date
}

const runRecords = (flow: Flow, options: RunsOptions = {}) =>
  Effect.gen(function*() {
    const md = yield* MetadataProvider
    const tags = options.tags ?? []
    // the hint narrows by the caller's tags (the selective part of the question), or by the namespace tag
    // when there are none; core re-applies the namespace and every tag below
    const hint = tags.length > 0 || flow.namespace === null ? tags : [flow.namespace]
    const since = options.since?.getTime()
    const records = yield* md.listRuns(flow.path, {
      ...(hint.length > 0 ? { tags: hint } : {}),
      ...(since !== undefined ? { since } : {})
    }).pipe(Stream.runCollect)
    const kept = Chunk.filter(records, (r) =>
      inNamespace(flow.namespace, r) && hasAllTags(r, tags) && (since === undefined || r.tsEpoch >= since))
    return newestFirstInProviderOrder(Chunk.toReadonlyArray(kept), (r) => r.tsEpoch)
  })

const runObject = (flow: Flow, record: RunRecord) =>
  new RunObject({ path: { flow: flow.path.flow, run: record.runId }, record, namespace: flow.namespace })

/**
 * The runs of a flow in the flow's namespace, newest first. Python: `iter(flow)`, `flow.runs(*tags)`.
 * Runs created in the same millisecond keep the provider's order, as in Python (the local folder's
 * directory order; the service's order).
 *
 * @since 0.1.0
 * @category listing
 */
export const runs = (flow: Flow, options?: RunsOptions): Stream.Stream<RunObject, StorageError, MetadataProvider> =>
  Stream.unwrap(Effect.map(runRecords(flow, options), (records) => Stream.fromIterable(records.map((r) => runObject(flow, r)))))

/**
 * A run of this flow by id: not found, or out of the flow's namespace, are errors. Python: `flow[id]`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const run = Effect.fn("Flow.run")(function*(flow: Flow, id: string) {
  const pathspec = `${flow.pathspec}/${id}`
  const path = yield* Pathspec.parse("Run", pathspec)
  const md = yield* MetadataProvider
  const record = yield* md.getRun(path).pipe(orNotFound("Run", pathspec))
  yield* ensureInNamespace(flow.namespace, pathspec, record)
  return new RunObject({ path, record, namespace: flow.namespace })
})

/**
 * Whether a run exists, whatever its namespace. Python: `id in flow`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const hasRun = Effect.fn("Flow.hasRun")(function*(flow: Flow, id: string) {
  const path = yield* Pathspec.parse("Run", `${flow.pathspec}/${id}`)
  const md = yield* MetadataProvider
  return Option.isSome(yield* md.getRun(path))
})

/**
 * The newest run in the flow's namespace, finished or not. Python: `flow.latest_run` (`None` → `Option.none`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const latestRun = (flow: Flow) => Stream.runHead(runs(flow))

/**
 * The newest run in the flow's namespace whose end task succeeded; runs are checked newest first, one
 * at a time, and the walk stops at the first success. Python: `flow.latest_successful_run`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const latestSuccessfulRun = (flow: Flow) =>
  runs(flow).pipe(Stream.filterEffect((r) => Run.successfulUntraced(r)), Stream.runHead)

/**
 * When the flow was first run. Flows carry no tags in Metaflow's metadata.
 *
 * @since 0.1.0
 * @category accessors
 */
export const createdAt = (flow: Flow): Date => new Date(flow.record.tsEpoch)
