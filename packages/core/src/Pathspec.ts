/**
 * Pathspecs: `Flow/Run/Step/Task/Artifact`, parsed into typed paths and validated so that no id can
 * address anything outside the object it names (no `/`, `.` or `..` ids, no NUL, no empty component).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { InvalidPathspec } from "./Errors.js"

/**
 * The object kinds, named as Python names their classes.
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = "Flow" | "Run" | "Step" | "Task" | "DataArtifact"

/** @since 0.1.0 @category models */
export interface FlowPath {
  readonly flow: string
}
/** @since 0.1.0 @category models */
export interface RunPath extends FlowPath {
  readonly run: string
}
/** @since 0.1.0 @category models */
export interface StepPath extends RunPath {
  readonly step: string
}
/** @since 0.1.0 @category models */
export interface TaskPath extends StepPath {
  readonly task: string
}
/** @since 0.1.0 @category models */
export interface ArtifactPath extends TaskPath {
  readonly artifact: string
}

/**
 * The path type of each kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface PathOf {
  readonly Flow: FlowPath
  readonly Run: RunPath
  readonly Step: StepPath
  readonly Task: TaskPath
  readonly DataArtifact: ArtifactPath
}

/**
 * Number of components of each kind.
 *
 * @since 0.1.0
 * @category constants
 */
export const depth: { readonly [K in Kind]: number } = { Flow: 1, Run: 2, Step: 3, Task: 4, DataArtifact: 5 }

const expects: { readonly [K in Kind]: string } = {
  Flow: "Expects Flow('FlowName')",
  Run: "Expects Run('FlowName/RunID')",
  Step: "Expects Step('FlowName/RunID/StepName')",
  Task: "Expects Task('FlowName/RunID/StepName/TaskID')",
  DataArtifact: "Expects DataArtifact('FlowName/RunID/StepName/TaskID/ArtifactName')"
}

/**
 * Why an id is unsafe, or `undefined` when it is fine. Ids become path segments (local files, S3 keys,
 * service URLs), so anything that could change which object a path names is refused.
 *
 * @since 0.1.0
 * @category validation
 */
export const idProblem = (id: string): string | undefined => {
  if (id.length === 0) return "empty id"
  if (id === "." || id === "..") return `id '${id}' is a relative path`
  if (id.includes("/")) return `id '${id}' contains '/'`
  if (id.includes("\\")) return `id '${id}' contains '\\'`
  if (id.includes("\u0000")) return "id contains NUL"
  if (id.length > 1024) return "id longer than 1024 characters"
  return undefined
}

/**
 * Checks one id (for `obj[id]`-style lookups of a child).
 *
 * @since 0.1.0
 * @category validation
 */
export const validateId = (id: string, pathspec: string): Either.Either<string, InvalidPathspec> => {
  const problem = idProblem(id)
  return problem === undefined ? Either.right(id) : Either.left(new InvalidPathspec({ pathspec, reason: problem }))
}

/**
 * Splits and validates a pathspec of the given kind, synchronously.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseEither = <K extends Kind>(kind: K, text: string): Either.Either<PathOf[K], InvalidPathspec> => {
  const parts = text.split("/")
  if (parts.length !== depth[kind]) return Either.left(new InvalidPathspec({ pathspec: text, reason: expects[kind] }))
  for (const part of parts) {
    const problem = idProblem(part)
    if (problem !== undefined) return Either.left(new InvalidPathspec({ pathspec: text, reason: problem }))
  }
  const [flow, run, step, task, artifact] = parts as [string, string, string, string, string]
  const path = kind === "Flow"
    ? { flow }
    : kind === "Run"
    ? { flow, run }
    : kind === "Step"
    ? { flow, run, step }
    : kind === "Task"
    ? { flow, run, step, task }
    : { flow, run, step, task, artifact }
  return Either.right(path as PathOf[K])
}

/**
 * Splits and validates a pathspec of the given kind.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = <K extends Kind>(kind: K, text: string): Effect.Effect<PathOf[K], InvalidPathspec> =>
  parseEither(kind, text)

/**
 * The kind a pathspec has by its number of components, for commands that accept any object.
 *
 * @since 0.1.0
 * @category parsing
 */
export const kindOf = (text: string): Kind | undefined => {
  const n = text.split("/").length
  return (["Flow", "Run", "Step", "Task", "DataArtifact"] as const)[n - 1]
}

/**
 * The components of a path, outermost first.
 *
 * @since 0.1.0
 * @category formatting
 */
export const components = (path: FlowPath): ReadonlyArray<string> => {
  const p = path as Partial<ArtifactPath>
  const out = [path.flow]
  for (const part of [p.run, p.step, p.task, p.artifact]) {
    if (part === undefined) break
    out.push(part)
  }
  return out
}

/**
 * `Flow/Run/Step/Task/Artifact` text of a path.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (path: FlowPath): string => components(path).join("/")
