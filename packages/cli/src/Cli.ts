/**
 * The `mfc` command tree and its runner: parses the arguments, runs the command, and turns the outcome
 * into an exit code (0 success; 1 not found, not in the namespace, or another failure; 2 usage error),
 * printing user errors as one line on stderr, never a stack trace.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Artifacts from "./commands/artifacts.js"
import * as Flows from "./commands/flows.js"
import * as Get from "./commands/get.js"
import * as Logs from "./commands/logs.js"
import * as Runs from "./commands/runs.js"
import * as Show from "./commands/show.js"
import * as Tag from "./commands/tag.js"
import { ExitCode } from "./Errors.js"

/**
 * The version printed by `mfc --version`.
 *
 * @since 0.1.0
 * @category constants
 */
export const version = "0.1.0"

/**
 * The root command.
 *
 * @since 0.1.0
 * @category commands
 */
export const mfc = Command.make("mfc").pipe(
  Command.withDescription("Browse Metaflow flows, runs, tasks, artifacts and logs (local .metaflow, metadata service, S3)"),
  Command.withSubcommands([
    Flows.command,
    Runs.command,
    Show.command,
    Artifacts.command,
    Get.command,
    Logs.command,
    Tag.command
  ])
)

const cli = Command.run(mfc, { name: "mfc", version })

const write = (text: string) => Effect.sync(() => void process.stderr.write(text))

/**
 * Runs `mfc` on `argv` (as `process.argv`: node, script, args...) and returns the exit code. Never fails.
 *
 * @since 0.1.0
 * @category running
 */
export const main = (argv: ReadonlyArray<string>) =>
  cli(argv).pipe(
    Effect.as(ExitCode.ok as number),
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.succeed(130)
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure)) {
        const e = failure.value
        // @effect/cli has already printed its help text for these
        if (ValidationError.isValidationError(e)) return Effect.succeed(ExitCode.usage as number)
        switch (e._tag) {
          case "UsageError":
            return Effect.as(write(`mfc: ${e.message}\n`), ExitCode.usage as number)
          case "NotFound":
            return Effect.as(write(`mfc: ${e.message}\n`), ExitCode.notFound as number)
          default:
            return Effect.as(write(`mfc: ${e.message}\n`), ExitCode.failure as number)
        }
      }
      const debug = process.env["MFC_DEBUG"] !== undefined && process.env["MFC_DEBUG"] !== ""
      const defect = Cause.squash(cause)
      const text = debug ? Cause.pretty(cause) : defect instanceof Error ? defect.message : String(defect)
      return Effect.as(write(`mfc: internal error: ${text}${debug ? "" : " (set MFC_DEBUG=1 for details)"}\n`), 1)
    })
  )
