// Self time and inclusive time per function of a .cpuprofile (node --cpu-prof), top N.
import { readFileSync } from "node:fs"
const [file, topArg = "30"] = process.argv.slice(2)
const p = JSON.parse(readFileSync(file, "utf8"))
const byId = new Map(p.nodes.map((n) => [n.id, n]))
const dt = new Map()
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
const parent = new Map()
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const key = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "")}:${n.callFrame.lineNumber + 1}`
const self = new Map(), incl = new Map()
let total = 0
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0
  total += t
  self.set(key(n), (self.get(key(n)) ?? 0) + t)
  const seen = new Set()
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const k = key(byId.get(id))
    if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + t) }
  }
}
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg)).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(7)} ms ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`).join("\n")
const byFile = new Map()
for (const n of p.nodes) {
  const f = key(n).split(" ").slice(1).join(" ").replace(/:\d+$/, "")
  byFile.set(f, (byFile.get(f) ?? 0) + (dt.get(n.id) ?? 0))
}
console.log(`--- self by file\n${top(byFile)}`)
console.log(`total ${(total / 1000).toFixed(0)} ms\n--- self\n${top(self)}\n--- inclusive\n${top(incl)}`)
