/**
 * Many objects' children in one call: the metadata port's optional batch forms where the backend has
 * them, else its single-object method per object, a bounded number at a time. Results come in the order
 * of the paths asked.
 */
import * as Effect from "effect/Effect"
import type { Service } from "../MetadataProvider.js"
import type { StepPath, TaskPath } from "../Pathspec.js"

/** How many single-object calls run at once when the backend has no batch form. */
export const defaultConcurrency = 16

/** The tasks of each step. */
export const tasksOfSteps = (md: Service, paths: ReadonlyArray<StepPath>, concurrency = defaultConcurrency) =>
  paths.length === 0
    ? Effect.succeed([])
    : md.listTasksOfSteps !== undefined
    ? md.listTasksOfSteps(paths)
    : Effect.forEach(paths, (p) => md.listTasks(p), { concurrency })

/** The metadata records of each task (`fields`: the port's narrowing hint). */
export const metadataOfTasks = (
  md: Service,
  paths: ReadonlyArray<TaskPath>,
  fields: ReadonlyArray<string> | undefined,
  concurrency = defaultConcurrency
) =>
  paths.length === 0
    ? Effect.succeed([])
    : md.listMetadataOfTasks !== undefined
    ? md.listMetadataOfTasks(paths, fields)
    : Effect.forEach(paths, (p) => md.listMetadata(p, fields), { concurrency })

/** The artifact records of each task, latest attempt included (`name`: the port's narrowing hint). */
export const artifactsOfTasks = (
  md: Service,
  paths: ReadonlyArray<TaskPath>,
  name: string | undefined,
  concurrency = defaultConcurrency
) =>
  paths.length === 0
    ? Effect.succeed([])
    : md.listArtifactsOfTasks !== undefined
    ? md.listArtifactsOfTasks(paths, name)
    : Effect.forEach(paths, (p) => md.listArtifacts(p, undefined, name), { concurrency })
