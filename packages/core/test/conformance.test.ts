/**
 * Runs the conformance tool on the shared local corpus (testdata/fixtures) and checks every fact of the
 * Python oracle: non-value facts must all match (exactly or by a named deviation), and so must artifact
 * values now that the pickle decoder is complete.
 */
import { NodeContext } from "@effect/platform-node"
import { NodeLocalProvider } from "@metaflow-client/provider-local/node"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { countLeaves, loadOracle, run, summaryLine } from "./conformance/Conformance.js"
import { rules } from "./conformance/Rules.js"

const fixtures = fileURLToPath(new URL("../../../testdata/fixtures/", import.meta.url))
const oracleDir = path.join(fixtures, "oracle/local")

describe("conformance (local corpus)", () => {
  it("matches every fact of the Python oracle", async () => {
    const oracle = loadOracle(oracleDir)
    const report = await Effect.runPromise(
      run({ oracle, concurrency: 8, flowConcurrency: 4 }).pipe(
        Effect.provide(NodeLocalProvider.layer({ root: path.join(fixtures, "local") })),
        Effect.provide(NodeContext.layer)
      )
    )
    const summary = summaryLine(report)
    console.log(`artifact values: ${report.valueMatched}/${report.valueFacts}\n${summary}`)
    for (const m of report.mismatches.slice(0, 50)) console.log(`MISMATCH ${m}`)
    for (const e of report.extras.slice(0, 50)) console.log(`EXTRA ${e}`)

    // N is counted from the files themselves
    const files = [
      ...fs.readdirSync(path.join(oracleDir, "flows")).map((f) => path.join(oracleDir, "flows", f)),
      path.join(oracleDir, "namespaces.json")
    ]
    const leaves = files.reduce((n, f) => n + countLeaves(JSON.parse(fs.readFileSync(f, "utf8"))), 0)
    expect(report.facts).toBe(leaves)

    // every fact that is not an artifact value matches (or is matched by a named deviation)
    expect(report.matched - report.valueMatched).toBe(report.facts - report.valueFacts)
    // artifact values: the decoder is complete, all of them match
    expect(report.valueFacts).toBeGreaterThan(0)
    expect(report.valueMatched).toBe(report.valueFacts)
    expect(report.matched).toBe(report.facts)
    expect(report.mismatches).toEqual([])
    expect(report.extras).toEqual([])
    // only named rules excuse anything
    const names = new Set(rules.map((r) => r.name))
    for (const name of Object.keys(report.deviations)) expect(names.has(name)).toBe(true)
    expect(summary).toMatch(/^conformance: (\d+)\/\1 facts match/)
  }, 300_000)
})
