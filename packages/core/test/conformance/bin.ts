/**
 * `pnpm conformance --corpus DIR --oracle DIR [options]`
 *
 *   --corpus DIR            directory holding `.metaflow` (local metadata + local datastore; for S3 corpora the
 *                           local metadata, e.g. `s3/metadata`)
 *   --oracle DIR            oracle folder (`flows/*.json`, `namespaces.json`), e.g. `oracle/local`
 *   --metadata service@URL  read metadata from a metadata service instead of `--corpus`
 *   --datastore-root DIR    local datastore the service's runs wrote (default: --corpus)
 *   --s3-endpoint URL       S3 datastore endpoint (moto, MinIO); credentials from AWS_* or dummies
 *   --concurrency N         tasks rendered at once (default 8)
 *   --oracle-user NAME      user of the oracle process, for its default namespace (default alice)
 *   --max-mismatches N      mismatch lines printed (default all)
 *
 * Prints every mismatch, then `conformance: M/N facts match (D by deviations: …)` as the last line.
 * Exit code 0 when M == N, 1 otherwise.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Credentials, S3Datastore } from "@metaflow-client/datastore-s3"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
import { ServiceMetadataProvider } from "@metaflow-client/provider-service"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { loadOracle, run, summaryLine } from "./Conformance.js"

const args = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const corpus = flag("--corpus")
const oracleDir = flag("--oracle")
if (oracleDir === undefined || (corpus === undefined && flag("--metadata") === undefined)) {
  process.stderr.write("usage: conformance --corpus DIR --oracle DIR [--metadata service@URL] [--datastore-root DIR] [--s3-endpoint URL]\n")
  process.exit(2)
}
const metadata = flag("--metadata")
const datastoreRoot = flag("--datastore-root") ?? corpus
const s3Endpoint = flag("--s3-endpoint")
const maxMismatches = Number(flag("--max-mismatches") ?? Infinity)

const metadataLayer = metadata !== undefined && metadata.startsWith("service@")
  ? Layer.mergeAll(
    ServiceMetadataProvider.layer({ url: metadata.slice("service@".length) }).pipe(Layer.provide(FetchHttpClient.layer)),
    datastoreRoot === undefined ? Layer.empty : NodeLocalProvider.storageLayer(datastoreRoot)
  )
  : NodeLocalProvider.layer({ root: corpus! })

const s3Layer = s3Endpoint === undefined ? Layer.empty : S3Datastore.layer({ endpoint: s3Endpoint }).pipe(
  Layer.provide(
    process.env["AWS_ACCESS_KEY_ID"] !== undefined
      ? Credentials.fromEnv
      : Credentials.fromStatic({ accessKeyId: "conformance", secretAccessKey: "conformance" })
  ),
  Layer.provide(FetchHttpClient.layer)
)

const program = Effect.gen(function*() {
  const oracle = loadOracle(oracleDir)
  const concurrency = Number(flag("--concurrency") ?? 8)
  const report = yield* run({
    oracle,
    concurrency,
    oracleUser: flag("--oracle-user") ?? "alice",
    log: (l) => process.stderr.write(`${l}\n`)
  })
  const lines = report.mismatches.slice(0, maxMismatches)
  for (const m of lines) process.stdout.write(`MISMATCH ${m}\n`)
  if (report.mismatches.length > lines.length) process.stdout.write(`… ${report.mismatches.length - lines.length} more mismatches\n`)
  for (const e of report.extras) process.stdout.write(`EXTRA ${e}\n`)
  process.stdout.write(`artifact values: ${report.valueMatched}/${report.valueFacts} facts match\n`)
  process.stdout.write(`${summaryLine(report)}\n`)
  return report
})

Effect.runPromise(program.pipe(
  Effect.provide(Layer.mergeAll(metadataLayer, s3Layer).pipe(Layer.provideMerge(NodeContext.layer)))
)).then(
  (report) => process.exit(report.matched === report.facts && report.extras.length === 0 ? 0 : 1),
  (e) => {
    process.stderr.write(`conformance: failed: ${String(e)}\n`)
    process.exit(2)
  }
)
