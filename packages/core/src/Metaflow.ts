/**
 * The root of the object tree: every flow of the metadata provider. Python: `Metaflow()`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Artifact from "./Artifact.js"
import { InvalidAttempt } from "./Errors.js"
import * as Flow from "./Flow.js"
import { MetadataProvider } from "./MetadataProvider.js"
import * as Namespace from "./Namespace.js"
import type { Kind } from "./Pathspec.js"
import * as Run from "./Run.js"
import * as Step from "./Step.js"
import * as Task from "./Task.js"
import { type AnyObject, FlowObject } from "./internal/model.js"

/**
 * Flows visible in the current namespace, in the provider's order (Python does not sort them). A flow is
 * visible when at least one of its runs is in the namespace; flows are checked with bounded concurrency.
 *
 * @since 0.1.0
 * @category listing
 */
export const flows: Stream.Stream<Flow.Flow, Flow.LookupError, MetadataProvider> = Stream.unwrap(
  Effect.gen(function*() {
    const md = yield* MetadataProvider
    const namespace = yield* Namespace.get
    return md.listFlows.pipe(
      Stream.mapEffect(
        (record) =>
          Effect.map(
            namespace === null ? Effect.succeed(true) : Flow.hasRunInNamespace({ flow: record.flowId }, namespace),
            (visible) => visible ? [new FlowObject({ path: { flow: record.flowId }, record, namespace })] : []
          ),
        { concurrency: 16 }
      ),
      Stream.flattenIterables
    )
  })
)

/**
 * A flow by name. Python: `Metaflow()[name]`, the same as `Flow(name)`.
 *
 * @since 0.1.0
 * @category lookup
 */
export const flow = (name: string) => Flow.get(name)

/**
 * Python's `get_metadata()`: which provider answers, e.g. `local@/home/alice/proj`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const describe: Effect.Effect<string, never, MetadataProvider> = Effect.map(MetadataProvider, (md) => md.describe)

/**
 * Any object by kind and pathspec, as Python's constructors take them: `Flow(p)`, `Run(p)`, `Step(p)`,
 * `Task(p, attempt=k)`, `DataArtifact(p, attempt=k)`. An attempt given for a flow, run or step fails with
 * Python's `MetaflowNotFound` message ("Attempts can only be specified for Task or DataArtifact").
 *
 * @since 0.1.0
 * @category lookup
 */
export const lookup = (kind: Kind, pathspec: string, options: { readonly attempt?: unknown } = {}) => {
  const attempt = options.attempt
  if (kind === "Task") return Effect.map(Task.get(pathspec, options), (o): AnyObject => o)
  if (kind === "DataArtifact") return Effect.map(Artifact.get(pathspec, options), (o): AnyObject => o)
  if (attempt !== undefined && attempt !== null) {
    return Effect.fail(new InvalidAttempt({ attempt, reason: "Attempts can only be specified for Task or DataArtifact" }))
  }
  if (kind === "Flow") return Effect.map(Flow.get(pathspec), (o): AnyObject => o)
  if (kind === "Run") return Effect.map(Run.get(pathspec), (o): AnyObject => o)
  return Effect.map(Step.get(pathspec), (o): AnyObject => o)
}
