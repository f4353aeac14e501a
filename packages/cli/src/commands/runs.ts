/**
 * `mfc runs FLOW`: the runs of a flow, newest first, with status, times and tags.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Flow, Status } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { UsageError } from "../Errors.js"
import * as Progress from "../render/Progress.js"
import * as Style from "../render/Style.js"
import * as Table from "../render/Table.js"
import { commonOptions, out, outJson, run } from "./common.js"
import { runSummaries, type RunSummary } from "./info.js"

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * Parses `--since`: an ISO-8601 date or time (`2026-11-27`, `2026-11-27T08:00:00Z`), or an age such as
 * `30m`, `12h`, `7d`, `2w` (before now).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseSince = (text: string, now: number = Date.now()): Effect.Effect<Date, UsageError> => {
  const age = /^(\d+)\s*([smhdw])$/.exec(text.trim())
  if (age !== null) return Effect.succeed(new Date(now - Number(age[1]) * units[age[2]!]!))
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) {
    return Effect.fail(new UsageError({ message: `--since: '${text}' is neither a date (2026-11-27, ISO-8601) nor an age (30m, 12h, 7d, 2w)` }))
  }
  return Effect.succeed(new Date(ms))
}

/**
 * Renders run summaries as a table.
 *
 * @since 0.1.0
 * @category rendering
 */
export const runsTable = (style: Style.Style, runs: ReadonlyArray<RunSummary>): string =>
  Table.table(
    style,
    ["RUN", "STATUS", "STARTED", "DURATION", "TAGS"],
    runs.map((r) => [
      r.id,
      Style.status(style, r.status),
      Style.time(style, new Date(r.created_at_ms)),
      r.finished_at_ms === null ? "-" : Style.duration(r.finished_at_ms - r.created_at_ms),
      r.user_tags.join(",")
    ])
  )

/**
 * The `runs` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("runs", {
  ...commonOptions,
  flow: Args.text({ name: "FLOW" }).pipe(Args.withDescription("Flow name")),
  tag: Options.text("tag").pipe(
    Options.withAlias("t"),
    Options.withDescription("Only runs with this tag (repeat: all of them)"),
    Options.repeated
  ),
  status: Options.choice("status", Status.all).pipe(Options.withDescription("Only runs with this status"), Options.optional),
  since: Options.text("since").pipe(
    Options.withDescription("Only runs started at or after this date (ISO-8601) or this long ago (30m, 12h, 7d)"),
    Options.optional
  ),
  limit: Options.integer("limit").pipe(Options.withDescription("At most this many runs"), Options.optional)
}, (o) =>
  run(o, (env) =>
    Effect.gen(function*() {
      const since = Option.isSome(o.since) ? yield* parseSince(o.since.value) : undefined
      const limit = Option.getOrUndefined(o.limit)
      if (limit !== undefined && limit < 0) return yield* new UsageError({ message: "--limit must be 0 or more" })
      const flow = yield* Flow.get(o.flow)
      const all = Chunk.toArray(yield* Stream.runCollect(Flow.runs(flow, { tags: o.tag, ...(since === undefined ? {} : { since }) })))
      // without a status filter only the runs shown are inspected; with one, all of them
      const candidates = Option.isNone(o.status) && limit !== undefined ? all.slice(0, limit) : all
      const summarised = yield* Progress.withProgress(env.style, "runs", candidates.length, (p) =>
        runSummaries(candidates, p.tick))
      const filtered = Option.isSome(o.status) ? summarised.filter((r) => r.status === o.status.pipe(Option.getOrThrow)) : summarised
      const runs = limit === undefined ? filtered : filtered.slice(0, limit)
      if (env.json) return yield* outJson({ flow: flow.id, namespace: env.namespace, runs })
      if (runs.length === 0) return yield* out(`No runs of ${flow.id} match.\n`)
      yield* out(runsTable(env.style, runs))
    }))).pipe(Command.withDescription("List the runs of a flow, newest first"))
