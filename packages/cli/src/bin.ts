/**
 * The `mfc` executable.
 *
 * @since 0.1.0
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { main } from "./Cli.js"

// `mfc ... | head` closes the pipe early: that is not an error
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0)
  throw e
})

let code = 0
NodeRuntime.runMain(
  main(process.argv).pipe(
    Effect.tap((c) => Effect.sync(() => (code = c))),
    Effect.provide(NodeContext.layer)
  ),
  { disableErrorReporting: true, teardown: (_exit, onExit) => onExit(code) }
)
