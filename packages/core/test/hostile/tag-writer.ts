/**
 * Child process of concurrent-tags.test.ts: one writer of run tags. argv: <base> <Flow/Run> <writer id> <tags>.
 * Adds its tags `w<id>-<k>` one call at a time (k < tags), then removes the odd ones, one call at a time.
 * Prints one JSON line per call: {"op","tag","ok","error"?}.
 */
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { Namespace, Run } from "@metaflow-client/core"
import { LocalProvider } from "@metaflow-client/provider-local"

const [base, pathspec, id, count] = process.argv.slice(2) as [string, string, string, string]
const tags = Array.from({ length: Number(count) }, (_, k) => `w${id}-${k}`)

const program = Effect.gen(function*() {
  const run = yield* Run.get(pathspec)
  const call = (op: "add" | "remove", tag: string) =>
    (op === "add" ? Run.addTags(run, [tag]) : Run.removeTags(run, [tag])).pipe(
      Effect.match({
        onSuccess: () => ({ op, tag, ok: true }),
        onFailure: (e) => ({ op, tag, ok: false, error: `${e._tag}: ${e.message}` })
      }),
      Effect.tap((r) => Effect.sync(() => process.stdout.write(JSON.stringify(r) + "\n")))
    )
  for (const tag of tags) yield* call("add", tag)
  for (const tag of tags.filter((_, k) => k % 2 === 1)) yield* call("remove", tag)
}).pipe(
  Namespace.withNamespace(null),
  Effect.provide(LocalProvider.layer({ root: base })),
  Effect.provide(NodeContext.layer)
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String(e) + "\n")
    process.exit(1)
  }
)
