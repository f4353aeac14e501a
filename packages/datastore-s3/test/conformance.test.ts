/**
 * The S3 corpus against its oracle: upload the shared bucket dump to a real S3 server on loopback (moto),
 * then run the conformance tool with local metadata (`s3/metadata`) and this package's S3 datastore.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { LocalProvider } from "@metaflow-client/provider-local"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { countLeaves, loadOracle, run, summaryLine } from "../../core/test/conformance/Conformance.js"
import { rules } from "../../core/test/conformance/Rules.js"
import { Credentials, S3Datastore } from "@metaflow-client/datastore-s3"
import { corpusDir, type MotoServer, skipS3, startMoto, testCredentials, uploadCorpus } from "./moto.js"

const fixtures = path.resolve(import.meta.dirname, "../../../testdata/fixtures")
const oracleDir = path.join(fixtures, "oracle/s3")

describe.skipIf(skipS3())("conformance (S3 corpus through moto)", () => {
  let moto: MotoServer
  beforeAll(async () => {
    moto = await startMoto()
    await uploadCorpus(moto.endpoint, corpusDir, path.join(corpusDir, "manifest.json"))
  }, 120_000)
  afterAll(async () => {
    await moto?.stop()
  })

  it("matches every fact of the Python oracle", async () => {
    const oracle = loadOracle(oracleDir)
    const s3 = S3Datastore.layer({ endpoint: moto.endpoint }).pipe(
      Layer.provide(Credentials.fromStatic(testCredentials)),
      Layer.provide(FetchHttpClient.layer)
    )
    const report = await Effect.runPromise(
      run({ oracle, concurrency: 8, flowConcurrency: 2 }).pipe(
        Effect.provide(Layer.merge(LocalProvider.layer({ root: path.join(fixtures, "s3/metadata") }), s3)),
        Effect.provide(NodeContext.layer)
      )
    )
    const summary = summaryLine(report)
    console.log(summary)
    for (const m of report.mismatches.slice(0, 30)) console.log(`MISMATCH ${m}`)
    const files = [
      ...fs.readdirSync(path.join(oracleDir, "flows")).map((f) => path.join(oracleDir, "flows", f)),
      path.join(oracleDir, "namespaces.json")
    ]
    expect(report.facts).toBe(files.reduce((n, f) => n + countLeaves(JSON.parse(fs.readFileSync(f, "utf8"))), 0))
    expect(report.valueFacts).toBeGreaterThan(0)
    expect(report.mismatches).toEqual([])
    expect(report.extras).toEqual([])
    expect(report.matched).toBe(report.facts)
    const names = new Set(rules.map((r) => r.name))
    for (const name of Object.keys(report.deviations)) expect(names.has(name)).toBe(true)
  }, 300_000)
})
