/**
 * `mfc get ARTIFACT`: an artifact's value as readable tagged JSON, or its raw bytes (to stdout, or streamed
 * to a file with `--output`).
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Artifact, Pathspec, TaggedJson } from "@metaflow-client/core"
import { setFlagsFromString } from "node:v8"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { UsageError } from "../Errors.js"
import { commonOptions, note, out, outJson, run } from "./common.js"
import { attemptOption } from "./show.js"

/**
 * Writes the artifact's serialized bytes to `file` through a sibling temporary file, renamed over `file`
 * only when the whole blob was read and its checksum matched (a corrupt or interrupted read leaves no
 * partial output); a one-line summary goes to stderr. `Artifact.writeTo` reuses its buffers, so the copy
 * stays at the process's starting memory whatever the artifact's size.
 */
const writeTo = (a: Artifact.DataArtifact, file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const target = path.resolve(file)
    const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`)
    // The copy makes little garbage, but enough small objects that V8 grows its young generation (by
    // about 11 MB for 1 GiB). Growth is decided at run time from this flag, so stopping it here keeps the
    // peak nearer the CLI's start. The CLI owns its process; a library must not set this for its host.
    yield* Effect.sync(() => setFlagsFromString("--semi-space-growth-factor=1"))
    const written = yield* Effect.scoped(Effect.flatMap(
      fs.open(partial, { flag: "w" }),
      (out) => Artifact.writeTo(a, (chunk) => out.writeAll(chunk))
    )).pipe(
      Effect.tap(() => fs.rename(partial, target)),
      Effect.onError(() => Effect.ignore(fs.remove(partial)))
    )
    yield* note(`wrote ${written} bytes (${a.pathspec}) to ${file}`)
  })

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
  output: Options.file("output").pipe(
    Options.withAlias("o"),
    Options.withDescription(
      "Write the artifact's serialized bytes (the pickle, unpacked from the store) to FILE, streamed in bounded memory"
    ),
    Options.optional
  ),
  pathspec: Args.text({ name: "ARTIFACT_PATHSPEC" }).pipe(Args.withDescription("Flow/Run/Step/Task/Name"))
}, (o) =>
  run(o, (env) =>
    Effect.gen(function*() {
      if (Pathspec.kindOf(o.pathspec) !== "DataArtifact") {
        return yield* new UsageError({ message: `'${o.pathspec}' is not an artifact pathspec (Flow/Run/Step/Task/Name)` })
      }
      if (o.raw && o.json) return yield* new UsageError({ message: "--raw and --json exclude each other" })
      if (Option.isSome(o.output) && (o.raw || o.json)) {
        return yield* new UsageError({ message: "--output excludes --raw and --json" })
      }
      const attempt = Option.getOrUndefined(o.attempt)
      const a = yield* Artifact.get(o.pathspec, attempt === undefined ? {} : { attempt })
      if (Option.isSome(o.output)) return yield* writeTo(a, o.output.value)
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
    }))).pipe(Command.withDescription("Print an artifact's value as tagged JSON (or --raw bytes, or --output FILE)"))
