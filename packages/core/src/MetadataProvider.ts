/**
 * The metadata port: "what exists". A backend answers about one object or the direct children of one
 * object, and returns records. It never decides which attempt is the latest, what is in a namespace, how
 * children are ordered, or what "successful" means: core does that once for every backend.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { StorageError, TaggingError } from "./Errors.js"
import type { FlowPath, RunPath, StepPath, TaskPath } from "./Pathspec.js"
import type { ArtifactRecord, FlowRecord, MetadataRecord, RunRecord, StepRecord, TaskRecord } from "./Records.js"

/**
 * Narrowing hints for a run listing. A backend may use any of them to send less (the service filters
 * server-side); it may also ignore them. Core always re-applies the same rules to what comes back, so
 * the answer is the same either way.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunQuery {
  /** Runs must carry every one of these tags (user or system). */
  readonly tags?: ReadonlyArray<string>
  /** Runs created at or after this epoch millisecond. */
  readonly since?: number
}

/**
 * Which artifact records to list: those of one task, of every task of a step, or of every task of a run.
 * Step and run scopes let a backend answer a question about thousands of tasks in a few requests.
 *
 * @since 0.1.0
 * @category models
 */
export type ArtifactScope = TaskPath | StepPath | RunPath

/**
 * The service a metadata backend provides.
 *
 * Flows and runs are listed as Streams (a flow may have many thousands of runs, which the service pages).
 * The children of one run, step or task are returned whole, as an array in one effect: core needs all of
 * them anyway (to sort newest first, or to pick the latest attempt), and consuming a Stream costs about a
 * hundred times a small local read, once per call — the difference between a per-task walk at the speed
 * of the disk and one ten times slower (bench/NOTES.md).
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Python's `get_metadata()` string: `local@/path/of/dir` or `service@http://...`. */
  readonly describe: string
  readonly listFlows: Stream.Stream<FlowRecord, StorageError>
  readonly getFlow: (path: FlowPath) => Effect.Effect<Option.Option<FlowRecord>, StorageError>
  readonly listRuns: (path: FlowPath, query?: RunQuery) => Stream.Stream<RunRecord, StorageError>
  readonly getRun: (path: RunPath) => Effect.Effect<Option.Option<RunRecord>, StorageError>
  /** Steps of a run, `_parameters` included; tags are the run's. */
  readonly listSteps: (path: RunPath) => Effect.Effect<ReadonlyArray<StepRecord>, StorageError>
  readonly getStep: (path: StepPath) => Effect.Effect<Option.Option<StepRecord>, StorageError>
  /** Tasks of a step; tags are the run's. */
  readonly listTasks: (path: StepPath) => Effect.Effect<ReadonlyArray<TaskRecord>, StorageError>
  readonly getTask: (path: TaskPath) => Effect.Effect<Option.Option<TaskRecord>, StorageError>
  /**
   * Every metadata record of a task, of all attempts, in backend order. `fields` is a narrowing hint:
   * a backend may return only records with those field names (the local folder then reads only those
   * files); it may also ignore it. Core filters again.
   */
  readonly listMetadata: (
    path: TaskPath,
    fields?: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<MetadataRecord>, StorageError>
  /**
   * Optional: every metadata record of every task of a step or a run (all attempts), in backend order,
   * where the backend can list them in a few requests (the service's run-level `/metadata` listing). Core
   * uses it for questions about many tasks at once (the foreach neighbours of `Task.parentTaskPathspecs`
   * and `childTaskPathspecs`): one listing instead of one request per task. Without it, core lists the
   * tasks and then the metadata of each.
   */
  readonly listMetadataInScope?: (scope: StepPath | RunPath) => Stream.Stream<MetadataRecord, StorageError>
  /**
   * Artifact records in a scope. With `attempt`, exactly that attempt's records. Without it, every
   * record of each task's latest done attempt as the backend defines it: locally, the attempt named by
   * the task's last `attempt-done` record (none without one: no records), as Python's local provider;
   * the service, the latest attempt that saved artifacts. Records of older attempts may be included too
   * only where the latest attempt is the highest that has records (core keeps, per task, only the
   * highest `attemptId`).
   *
   * `name` is a narrowing hint: a backend may return only the records of that name, but then, without
   * `attempt`, only those of each task's latest done attempt, so that an artifact missing from the
   * latest attempt is not taken from an older one. A backend may also ignore `name`; core filters again.
   */
  readonly listArtifacts: (
    scope: ArtifactScope,
    attempt?: number,
    name?: string
  ) => Effect.Effect<ReadonlyArray<ArtifactRecord>, StorageError>
  /**
   * Optional batch form of `listTasks`: the tasks of each step, in the order of `paths`. A backend that
   * answers many objects in one go (the local folder: one batch of file reads) provides the batch forms;
   * without them core calls the single-object method per object, a bounded number at a time. Core uses
   * them for questions about many runs at once (`Run.outcomes`).
   */
  readonly listTasksOfSteps?: (
    paths: ReadonlyArray<StepPath>
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<TaskRecord>>, StorageError>
  /** Optional batch form of `listMetadata`: the metadata records of each task, in the order of `paths`. */
  readonly listMetadataOfTasks?: (
    paths: ReadonlyArray<TaskPath>,
    fields?: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<MetadataRecord>>, StorageError>
  /**
   * Optional batch form of `listArtifacts` without `attempt`: the artifact records of each task, in the
   * order of `paths`, under the same contract (each task's latest done attempt; `name` a hint).
   */
  readonly listArtifactsOfTasks?: (
    paths: ReadonlyArray<TaskPath>,
    name?: string
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<ArtifactRecord>>, StorageError>
  /**
   * Removes, then adds, user tags of a run, atomically as the backend allows (optimistic retries for the
   * local folder, the mutate endpoint for the service). Core has validated the tags. Returns the run's
   * user tags afterwards.
   */
  readonly mutateRunTags: (
    path: RunPath,
    mutation: { readonly add: ReadonlyArray<string>; readonly remove: ReadonlyArray<string> }
  ) => Effect.Effect<ReadonlyArray<string>, StorageError | TaggingError>
}

/**
 * The metadata port.
 *
 * @since 0.1.0
 * @category tags
 */
export class MetadataProvider extends Context.Tag("@metaflow-client/core/MetadataProvider")<MetadataProvider, Service>() {}
