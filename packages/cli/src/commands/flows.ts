/**
 * `mfc flows`: the flows visible in the namespace, with their latest run.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Flow, Metaflow } from "@metaflow-client/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Style from "../render/Style.js"
import * as Table from "../render/Table.js"
import { commonOptions, out, outJson, run } from "./common.js"
import { iso } from "./info.js"

/**
 * The `flows` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("flows", { ...commonOptions }, (o) =>
  run(o, (env) =>
    Effect.gen(function*() {
      const flows = Chunk.toArray(yield* Stream.runCollect(Metaflow.flows))
      const rows = yield* Effect.forEach(flows, (flow) =>
        Effect.map(Flow.latestRun(flow), (latest) => ({
          id: flow.id,
          pathspec: flow.pathspec,
          created_at: Flow.createdAt(flow).toISOString(),
          created_at_ms: Flow.createdAt(flow).getTime(),
          latest_run: Option.isSome(latest) ? latest.value.pathspec : null,
          latest_run_created_at: Option.isSome(latest) ? iso(new Date(latest.value.record.tsEpoch)) : null
        })), { concurrency: 8 })
      if (env.json) return yield* outJson({ namespace: env.namespace, flows: rows })
      if (rows.length === 0) {
        return yield* out(`No flows in ${env.namespace === null ? "any namespace" : `namespace ${env.namespace}`} (${env.backend}).\n`)
      }
      yield* out(Table.table(
        env.style,
        ["FLOW", "LATEST RUN", "STARTED"],
        rows.map((r) => [
          Style.cyan(env.style, r.id),
          r.latest_run === null ? "-" : r.latest_run.split("/")[1]!,
          Style.time(env.style, r.latest_run_created_at === null ? undefined : new Date(r.latest_run_created_at))
        ])
      ))
    }))).pipe(Command.withDescription("List the flows in the namespace, with their latest run"))
