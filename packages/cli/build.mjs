// Bundles the CLI into one ESM file so `mfc` starts without a TypeScript toolchain.
import { build } from "esbuild"

await build({
  entryPoints: ["src/bin.ts"],
  outfile: "dist/mfc.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  tsconfig: "../../tsconfig.base.json",
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning"
})
