/**
 * Bundle-size budget (see README): this package's entry + the parts of core it uses + aws4fetch,
 * bundled by esbuild (bundle, minify, ESM, platform neutral) with `effect` and `@effect/platform`
 * external (peers the application already ships), gzipped at level 9, must stay under 12 KiB.
 * A second, informational bound covers a whole serverless Layer (everything, effect included).
 */
import { assert, describe, it } from "@effect/vitest"
import * as esbuild from "esbuild"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

/** The budget for our code + aws4fetch, minified and gzipped. */
export const BUDGET_GZIP_BYTES = 12 * 1024
/** Ceiling for a complete `layerFromEnv` + `FetchHttpClient` bundle, effect included. */
export const FULL_LAYER_CEILING_GZIP_BYTES = 128 * 1024

const pkgDir = fileURLToPath(new URL("..", import.meta.url))

const bundle = async (contents: string, external: Array<string>) => {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: pkgDir, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["import"],
    external,
    write: false,
    metafile: true,
    logLevel: "silent"
  })
  const code = result.outputFiles[0]!.contents
  // Modules that contributed bytes (parsed-but-tree-shaken ones contribute 0)
  const inputs = Object.values(result.metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k)
  )
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, inputs, text: new TextDecoder().decode(code) }
}

describe("bundle size", () => {
  it("package entry + used core + aws4fetch stays under the budget", async () => {
    const r = await bundle(`export { Credentials, S3Datastore } from "./src/index.ts"`, [
      "effect",
      "effect/*",
      "@effect/platform",
      "@effect/platform/*"
    ])
    console.log(`datastore-s3 bundle: ${r.minified} B minified, ${r.gzipped} B gzipped (budget ${BUDGET_GZIP_BYTES})`)
    assert.isBelow(r.gzipped, BUDGET_GZIP_BYTES)
    assert.isTrue(r.inputs.some((i) => i.includes("aws4fetch")), "aws4fetch is counted")
    assert.isTrue(r.inputs.some((i) => i.includes("packages/core/src/Errors.ts")), "core is counted")
    // Only what S3 needs from core: no pickle decoder, no traversal.
    assert.isFalse(r.inputs.some((i) => /packages\/core\/src\/(Pickle|Artifact|Flow|Run|Task)\.ts/.test(i)))
    assert.notInclude(r.text, "@aws-sdk")
  })

  it("a whole serverless Layer (effect and @effect/platform included) stays under its ceiling", async () => {
    const r = await bundle(
      `import { S3Datastore } from "./src/index.ts"
       import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
       import * as Layer from "effect/Layer"
       export const live = S3Datastore.layerFromEnv.pipe(Layer.provide(FetchHttpClient.layer))`,
      []
    )
    console.log(`serverless Layer incl. effect: ${r.minified} B minified, ${r.gzipped} B gzipped`)
    assert.isBelow(r.gzipped, FULL_LAYER_CEILING_GZIP_BYTES)
  })
})
