// Cold start, floor: a fresh node process lists the runs of ScaleFlow with plain node:fs.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
const dir = join(process.argv[2], ".metaflow", "ScaleFlow")
let count = 0
for (const r of readdirSync(dir)) {
  if (r === "_meta" || r.startsWith(".")) continue
  try {
    JSON.parse(readFileSync(join(dir, r, "_meta", "_self.json"), "utf8"))
    count++
  } catch {}
}
console.log(JSON.stringify({ count }))
