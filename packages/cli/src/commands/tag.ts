/**
 * `mfc tag add|remove|replace RUN ...`: changes a run's user tags (system tags cannot be removed; adding
 * one is ignored, as in Python).
 *
 * - `mfc tag add RUN TAG...` adds the tags.
 * - `mfc tag remove RUN TAG...` removes them.
 * - `mfc tag replace RUN --remove OLD... --add NEW...` removes then adds, as one mutation (Python's
 *   `run.replace_tags(remove, add)`); at least one of `--remove` / `--add` is required.
 *
 * Each prints the run's tags afterwards.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Pathspec, Run } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import { UsageError } from "../Errors.js"
import * as Style from "../render/Style.js"
import * as Table from "../render/Table.js"
import { commonOptions, type Env, out, outJson, run } from "./common.js"

const runArg = Args.text({ name: "RUN_PATHSPEC" }).pipe(Args.withDescription("Flow/Run"))

const mutate = (env: Env, pathspec: string, remove: ReadonlyArray<string>, add: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (Pathspec.kindOf(pathspec) !== "Run") {
      return yield* new UsageError({ message: `'${pathspec}' is not a run pathspec (Flow/Run)` })
    }
    const r = yield* Run.get(pathspec)
    const after = yield* Run.replaceTags(r, remove, add)
    const user = Array.from(new Set(after.record.tags)).sort()
    const system = Array.from(new Set(after.record.systemTags)).sort()
    if (env.json) return yield* outJson({ pathspec: after.pathspec, user_tags: user, system_tags: system })
    yield* out(Table.fields(env.style, [
      ["run", Style.cyan(env.style, after.pathspec)],
      ["tags", user.length === 0 ? "-" : user.join(", ")]
    ]))
  })

const tagsArg = Args.text({ name: "TAG" }).pipe(Args.atLeast(1))

/** `mfc tag add RUN TAG...` */
const add = Command.make("add", { ...commonOptions, run: runArg, tags: tagsArg }, (o) =>
  run(o, (env) => mutate(env, o.run, [], o.tags))).pipe(Command.withDescription("Add user tags to a run"))

/** `mfc tag remove RUN TAG...` */
const remove = Command.make("remove", { ...commonOptions, run: runArg, tags: tagsArg }, (o) =>
  run(o, (env) => mutate(env, o.run, o.tags, []))).pipe(Command.withDescription("Remove user tags from a run"))

/** `mfc tag replace RUN --remove OLD... --add NEW...` */
const replace = Command.make("replace", {
  ...commonOptions,
  run: runArg,
  remove: Options.text("remove").pipe(Options.withDescription("Tag to remove (repeatable)"), Options.repeated),
  add: Options.text("add").pipe(Options.withDescription("Tag to add (repeatable)"), Options.repeated)
}, (o) =>
  run(o, (env) =>
    o.remove.length === 0 && o.add.length === 0
      ? Effect.fail(new UsageError({ message: "tag replace needs --remove TAG and/or --add TAG" }))
      : mutate(env, o.run, o.remove, o.add))).pipe(
    Command.withDescription("Remove then add user tags, as one change: mfc tag replace RUN --remove OLD --add NEW")
  )

/**
 * The `tag` command and its subcommands.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("tag").pipe(
  Command.withDescription("Change a run's user tags"),
  Command.withSubcommands([add, remove, replace])
)
