/**
 * The object classes shared by Flow.ts … Artifact.ts (one place, so that parents and children can refer to
 * each other without import cycles at evaluation time).
 */
import * as Data from "effect/Data"
import type { Namespace } from "../Namespace.js"
import type { ArtifactPath, FlowPath, RunPath, StepPath, TaskPath } from "../Pathspec.js"
import * as Pathspec from "../Pathspec.js"
import type { ArtifactRecord, FlowRecord, RunRecord, StepRecord, Tagged, TaskRecord } from "../Records.js"

/** What every object carries: the namespace captured when it was made (children inherit it). */
interface Base<P, R> {
  readonly path: P
  readonly record: R
  /** The namespace this object filters its children with; `null` = no filtering. */
  readonly namespace: Namespace
}

export class FlowObject extends Data.TaggedClass("Flow")<Base<FlowPath, FlowRecord>> {
  get id(): string {
    return this.path.flow
  }
  get pathspec(): string {
    return this.path.flow
  }
}

export class RunObject extends Data.TaggedClass("Run")<Base<RunPath, RunRecord>> {
  get id(): string {
    return this.path.run
  }
  get pathspec(): string {
    return Pathspec.format(this.path)
  }
}

export class StepObject extends Data.TaggedClass("Step")<Base<StepPath, StepRecord>> {
  get id(): string {
    return this.path.step
  }
  get pathspec(): string {
    return Pathspec.format(this.path)
  }
}

export class TaskObject extends Data.TaggedClass("Task")<Base<TaskPath, TaskRecord> & {
  /** The attempt asked for at construction; `undefined` = the latest (see `Task.ts`). */
  readonly attempt: number | undefined
}> {
  get id(): string {
    return this.path.task
  }
  get pathspec(): string {
    return Pathspec.format(this.path)
  }
}

export class ArtifactObject extends Data.TaggedClass("DataArtifact")<Base<ArtifactPath, ArtifactRecord> & {
  readonly attempt: number | undefined
}> {
  get id(): string {
    return this.path.artifact
  }
  get pathspec(): string {
    return Pathspec.format(this.path)
  }
}

export type AnyObject = FlowObject | RunObject | StepObject | TaskObject | ArtifactObject

/** Python's repr, used in not-found messages: `Task('F/1/a/2', attempt=1)`. */
export const displayName = (kind: Pathspec.Kind, pathspec: string, attempt?: number): string =>
  attempt === undefined ? `${kind}('${pathspec}')` : `${kind}('${pathspec}', attempt=${attempt})`

/** All tags of a record, user and system, sorted and without duplicates. */
export const allTags = (r: Tagged): ReadonlyArray<string> => Array.from(new Set([...r.systemTags, ...r.tags])).sort()

/** Ids compare numerically when both are decimal numbers, else as text: a deterministic tie-break. */
export const compareIds = (a: string, b: string): number => {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Python's run order: newest `created_at` first, runs of the same millisecond in the provider's order
 * (Python sorts the provider's list with a stable sort: the local folder's directory order, the service's
 * order), so that a tie (`make_scale.py` gives every run one timestamp) picks the run Python picks.
 */
export const newestFirstInProviderOrder = <A>(items: ReadonlyArray<A>, ts: (a: A) => number): Array<A> =>
  [...items].sort((x, y) => ts(y) - ts(x))

/** Python's child order: newest `created_at` first; ties broken by id, descending, to be deterministic. */
export const newestFirst = <A>(items: ReadonlyArray<A>, ts: (a: A) => number, id: (a: A) => string): Array<A> =>
  [...items].sort((x, y) => ts(y) - ts(x) || compareIds(id(y), id(x)))
