/**
 * `mfc get ARTIFACT`: an artifact's value as readable tagged JSON, or its raw bytes.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Artifact, Pathspec, TaggedJson } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "../Errors.js"
import { commonOptions, out, outJson, run } from "./common.js"
import { attemptOption } from "./show.js"

/**
 * The `get` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("get", {
  ...commonOptions,
  attempt: attemptOption,
  raw: Options.boolean("raw").pipe(
    Options.withDescription("Write the artifact's serialized bytes (the pickle, unpacked from the store) to stdout")
  ),
  pathspec: Args.text({ name: "ARTIFACT_PATHSPEC" }).pipe(Args.withDescription("Flow/Run/Step/Task/Name"))
}, (o) =>
  run(o, (env) =>
    Effect.gen(function*() {
      if (Pathspec.kindOf(o.pathspec) !== "DataArtifact") {
        return yield* new UsageError({ message: `'${o.pathspec}' is not an artifact pathspec (Flow/Run/Step/Task/Name)` })
      }
      if (o.raw && o.json) return yield* new UsageError({ message: "--raw and --json exclude each other" })
      const attempt = Option.getOrUndefined(o.attempt)
      const a = yield* Artifact.get(o.pathspec, attempt === undefined ? {} : { attempt })
      if (o.raw) {
        const bytes = yield* Artifact.bytes(a)
        return yield* Effect.async<void>((resume) => {
          process.stdout.write(bytes, () => resume(Effect.void))
        })
      }
      const value = TaggedJson.toTaggedJson(yield* Artifact.value(a))
      if (!env.json) return yield* out(JSON.stringify(value, null, 2) + "\n")
      const type = yield* Effect.option(Artifact.pythonType(a))
      const size = yield* Effect.option(Artifact.size(a))
      yield* outJson({
        pathspec: a.pathspec,
        namespace: env.namespace,
        attempt: a.record.attemptId,
        python_type: Option.getOrNull(Option.flatten(type)),
        size: Option.getOrNull(size),
        sha: a.record.sha,
        encoding: a.record.contentType,
        value
      })
    }))).pipe(Command.withDescription("Print an artifact's value as tagged JSON (or --raw bytes)"))
