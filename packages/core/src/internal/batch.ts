/**
 * Many objects' children in one call: the metadata port's optional batch forms where the backend has
 * them, else its single-object method per object, a bounded number at a time. Results come in the order
 * of the paths asked.
 */
import * as Effect from "effect/Effect"
import type { StorageError } from "../Errors.js"
import type { Service } from "../MetadataProvider.js"
import type { StepPath, TaskPath } from "../Pathspec.js"

/** How many single-object calls run at once when the backend has no batch form. */
export const defaultConcurrency = 16

/** `batch(paths)` where the backend has it, else `single` of each path, `concurrency` at a time. */
const many = <P, A>(
  paths: ReadonlyArray<P>,
  batch: ((paths: ReadonlyArray<P>) => Effect.Effect<ReadonlyArray<A>, StorageError>) | undefined,
  single: (path: P) => Effect.Effect<A, StorageError>,
  concurrency: number
): Effect.Effect<ReadonlyArray<A>, StorageError> =>
  paths.length === 0
    ? Effect.succeed([])
    : batch !== undefined
    ? batch(paths)
    : Effect.forEach(paths, single, { concurrency })

/** The tasks of each step. */
export const tasksOfSteps = (md: Service, paths: ReadonlyArray<StepPath>, concurrency = defaultConcurrency) =>
  many(paths, md.listTasksOfSteps && ((ps) => md.listTasksOfSteps!(ps)), (p) => md.listTasks(p), concurrency)

/** The metadata records of each task (`fields`: the port's narrowing hint). */
export const metadataOfTasks = (
  md: Service,
  paths: ReadonlyArray<TaskPath>,
  fields: ReadonlyArray<string> | undefined,
  concurrency = defaultConcurrency
) =>
  many(paths, md.listMetadataOfTasks && ((ps) => md.listMetadataOfTasks!(ps, fields)), (p) => md.listMetadata(p, fields), concurrency)

/** The artifact records of each task, latest attempt included (`name`: the port's narrowing hint). */
export const artifactsOfTasks = (
  md: Service,
  paths: ReadonlyArray<TaskPath>,
  name: string | undefined,
  concurrency = defaultConcurrency
) =>
  many(paths, md.listArtifactsOfTasks && ((ps) => md.listArtifactsOfTasks!(ps, name)), (p) => md.listArtifacts(p, undefined, name), concurrency)
