/**
 * Cold start, our client: a fresh process imports the client and lists the runs of ScaleFlow
 * (namespace None). bench/run.ts bundles this file with esbuild (as the CLI is shipped) and spawns it.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Flow, Namespace } from "@metaflow-client/core"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const program = Effect.flatMap(Flow.get("ScaleFlow"), (f) => Stream.runCollect(Flow.runs(f))).pipe(
  Effect.map((runs) => Chunk.size(runs)),
  Namespace.withNamespace(null),
  Effect.provide(NodeLocalProvider.layer({ root: process.argv[2]! })),
  Effect.provide(NodeContext.layer)
)
Effect.runPromise(program).then((n) => console.log(JSON.stringify({ count: n })))
