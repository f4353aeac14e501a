/**
 * Path safety of the local provider through the public API: no pathspec, id, tag, `ds-root`, artifact
 * `location` or IncludeFile URL makes the client read or write outside its root, and symlinks that leave
 * the root are refused. Each test works on a temp copy of a corpus flow with canary files OUTSIDE the root
 * (holding "CANARY" bytes, a canary pickle and canary records); every hostile read must fail with one of
 * core's typed errors (or answer from inside the root) and never return canary content.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Chunk, Effect, Stream } from "effect"
import { Artifact, Flow, Logs, Metaflow, Run, Step, Task, TaggedJson } from "@metaflow-client/core"
import { failureOf, hashTree, listTree, runLocal, tempCorpus, TYPED_ERRORS } from "./support.js"

const FLOW = "ParamsFlow"
const RUN = "1795767092266168"
const TASK = `${FLOW}/${RUN}/start/1`
const CANARY = "CANARY-7f3a"

let t: ReturnType<typeof tempCorpus>
let outsideBefore: Array<string>

/** A protocol-2 pickle of `metaflow.includefile.IncludedFile` whose `_descriptor` names `url`. */
const includedFilePickle = (url: string): Uint8Array => {
  const enc = new TextEncoder()
  const str = (s: string) => {
    const b = enc.encode(s)
    return [0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, 0, ...b]
  }
  const bytes = [
    0x80, 2, 0x63, ...enc.encode("metaflow.includefile\nIncludedFile\n"), 0x29, 0x81, 0x7d,
    ...str("_descriptor"), 0x7d, 0x28,
    ...str("type"), ...str("uploader-v2"), ...str("url"), ...str(url), ...str("is_text"), 0x88, ...str("encoding"), ...str("utf-8"),
    0x75, 0x73, 0x62, 0x2e
  ]
  return Uint8Array.from(bytes)
}
/** A protocol-2 pickle of a str. */
const strPickle = (s: string) => {
  const b = new TextEncoder().encode(s)
  return Uint8Array.from([0x80, 2, 0x58, b.length, 0, 0, 0, ...b, 0x2e])
}

/** Stores a CAS blob (gzip + sidecar) below `metaflowDir` and returns its sha. */
const putBlob = (metaflowDir: string, pickle: Uint8Array, sha: string) => {
  const dir = path.join(metaflowDir, FLOW, "data", sha.slice(0, 2))
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, sha), zlib.gzipSync(pickle))
  fs.writeFileSync(path.join(dir, `${sha}_meta`), "{\"cas_raw\": false, \"cas_version\": 1}")
  return sha
}

/** Writes an artifact record `name` for attempt 0 of the test task. */
const putArtifactRecord = (name: string, sha: string, location: string) => {
  const file = path.join(t.root, TASK, "_meta", `0_artifact_${name}.json`)
  fs.writeFileSync(file, JSON.stringify({
    flow_id: FLOW, run_number: RUN, step_name: "start", task_id: "1", name, sha, ds_type: "local", location,
    content_type: "gzip+pickle-v2", attempt_id: 0, user_name: "alice", ts_epoch: 1795767093999, tags: [], system_tags: []
  }))
}

const neverCanary = (value: unknown) => {
  const text = value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : JSON.stringify(TaggedJson.toTaggedJson(value as never))
  expect(text).not.toContain(CANARY)
}

/** Runs a program that must fail with a typed error (one of `tags` when given) or succeed without canary content. */
const expectSafe = async <A, E>(program: Effect.Effect<A, E, never> | Parameters<typeof runLocal<A, E>>[1], tags?: ReadonlyArray<string>) => {
  const exit = await runLocal(t.base, program)
  const err = failureOf(exit)
  if (err === undefined) {
    if (tags !== undefined) throw new Error(`expected ${tags.join("|")}, got success: ${JSON.stringify(exit._tag === "Success" ? exit.value : null)?.slice(0, 300)}`)
    if (exit._tag === "Success") neverCanary(exit.value)
    return undefined
  }
  expect(TYPED_ERRORS.has(err._tag), `${err._tag}: ${err.message}`).toBe(true)
  if (tags !== undefined) expect(tags, err.message).toContain(err._tag)
  expect(err.message).not.toContain(CANARY)
  return err
}

beforeAll(() => {
  t = tempCorpus([FLOW])
  // canaries outside the root: a file, a blob of the same flow, a whole flow, a run record, a log
  fs.writeFileSync(path.join(t.outside, "secret.txt"), CANARY)
  const outMeta = path.join(t.outside, ".metaflow")
  putBlob(outMeta, strPickle(CANARY), "ca" + "0".repeat(38))
  fs.mkdirSync(path.join(t.outside, "EvilFlow", "_meta"), { recursive: true })
  fs.writeFileSync(path.join(t.outside, "EvilFlow", "_meta", "_self.json"), JSON.stringify({ flow_id: CANARY, ts_epoch: 1, user_name: "x", tags: [], system_tags: [] }))
  fs.mkdirSync(path.join(t.outside, "runmeta"), { recursive: true })
  fs.writeFileSync(path.join(t.outside, "runmeta", "_self.json"), JSON.stringify({ flow_id: FLOW, run_number: RUN, ts_epoch: 1, user_name: "x", tags: [CANARY], system_tags: [] }))
  const logDir = path.join(outMeta, TASK)
  fs.mkdirSync(logDir, { recursive: true })
  fs.writeFileSync(path.join(logDir, "0.runtime_stdout.log"), `[MFLOG|0|2026-11-27T08:00:00.000000Z|runtime|x]${CANARY}\n`)
  fs.writeFileSync(path.join(logDir, "0.task_stdout.log"), `[MFLOG|0|2026-11-27T08:00:00.000000Z|task|x]${CANARY}\n`)
  outsideBefore = listTree(t.outside)
})

afterAll(() => {
  // nothing was written outside the root
  expect(listTree(t.outside)).toEqual(outsideBefore)
  t.remove()
})

const hostileIds = [
  "..", ".", "../outside", "../../outside/secret.txt", "/etc/passwd", "a/../..", "x\u0000", "x\\..\\..", "%2e%2e", "%2e%2e%2foutside",
  "..%2f..%2foutside", "\uff0e\uff0e", "\u2025", "\uff0f", "\uff0e\uff0e\uff0foutside", "\u2024\u2024", "x".repeat(300), "x".repeat(5000), "", " "
]

describe("hostile pathspecs", () => {
  it("Flow.get / Run.get / Step.get / Task.get / Artifact.get refuse or do not find hostile ids", async () => {
    for (const id of hostileIds) {
      const specs: Array<[string, Effect.Effect<unknown, unknown, never> | Parameters<typeof runLocal>[1]]> = [
        [`Flow.get(${JSON.stringify(id)})`, Flow.get(id)],
        [`Run.get`, Run.get(`${FLOW}/${id}`)],
        [`Step.get`, Step.get(`${FLOW}/${RUN}/${id}`)],
        [`Task.get`, Task.get(`${FLOW}/${RUN}/start/${id}`)],
        [`Artifact.get`, Artifact.get(`${TASK}/${id}`)],
        [`Metaflow.flow + Flow.run`, Effect.flatMap(Flow.get(FLOW), (f) => Flow.run(f, id))]
      ]
      for (const [label, program] of specs) {
        const err = await expectSafe(program as Parameters<typeof runLocal>[1], ["InvalidPathspec", "ObjectNotFound", "BackendError", "PathOutsideRoot"])
        expect(err, `${label} ${JSON.stringify(id).slice(0, 40)}`).toBeDefined()
      }
    }
  })

  it("ids that are only lookalikes of '..' or '/' are plain names: not found, nothing outside read", async () => {
    // a directory literally named like the lookalike, outside the root, must not be reached
    for (const id of ["\uff0e\uff0e", "\u2025", "%2e%2e"]) {
      const err = await expectSafe(Run.get(`${FLOW}/${id}`), ["ObjectNotFound"])
      expect(err!.message).toContain(id)
    }
  })
})

describe("crafted records pointing outside the root", () => {
  it("an artifact whose location names a datastore root outside reads below the configured root only", async () => {
    const sha = "ca" + "0".repeat(38) // exists only outside
    putArtifactRecord("evil_root", sha, `:root:${path.join(t.outside, ".metaflow")}`)
    putArtifactRecord("evil_legacy", sha, `${path.join(t.outside, ".metaflow")}/${FLOW}/data/ca/${sha}`)
    putArtifactRecord("evil_dotdot", sha, `:root:${t.root}/../../outside/.metaflow`)
    for (const name of ["evil_root", "evil_legacy", "evil_dotdot"]) {
      const err = await expectSafe(Effect.flatMap(Artifact.get(`${TASK}/${name}`), Artifact.value), ["CorruptBlob", "PathOutsideRoot"])
      expect(err!.message).not.toContain(CANARY)
      await expectSafe(Effect.flatMap(Artifact.get(`${TASK}/${name}`), Artifact.bytes), ["CorruptBlob", "PathOutsideRoot"])
    }
  })

  it("an artifact whose sha is a path (../, absolute) is refused", async () => {
    for (const [name, sha] of [["evil_sha1", "../../../../outside/secret.txt"], ["evil_sha2", "/../../outside/secret.txt"], ["evil_sha3", "..\u0000"]] as const) {
      putArtifactRecord(name, sha, ":root:/corpus/.metaflow")
      await expectSafe(Effect.flatMap(Artifact.get(`${TASK}/${name}`), Artifact.value), ["CorruptBlob", "PathOutsideRoot"])
    }
  })

  it("IncludeFile URLs outside the root, with .., NUL, other schemes or through symlinks are refused", async () => {
    fs.mkdirSync(path.join(t.root, "data"), { recursive: true })
    fs.symlinkSync(path.join(t.outside, "secret.txt"), path.join(t.root, "data", "escape-link"))
    const urls = [
      `local://${path.join(t.outside, "secret.txt")}`,
      `local://${t.root}/../../outside/secret.txt`,
      `local:///corpus/.metaflow/../../${t.outside}/secret.txt`,
      `local://${t.root}/data/%2e%2e/%2e%2e/%2e%2e/outside/secret.txt`,
      `local://${t.root}/data/escape-link`,
      `local://${t.root}/data/x\u0000/../../../outside/secret.txt`,
      `local://${t.root}\uff0f..\uff0f..\uff0foutside/secret.txt`,
      `file://${path.join(t.outside, "secret.txt")}`,
      `local:${path.join(t.outside, "secret.txt")}`,
      `s3://bucket/secret.txt`,
      `local://relative/../../secret.txt`
    ]
    let i = 0
    for (const url of urls) {
      const sha = (++i).toString(16).padStart(2, "0").repeat(20)
      putBlob(t.root, includedFilePickle(url), sha)
      putArtifactRecord(`evil_include_${i}`, sha, ":root:/corpus/.metaflow")
      const err = await expectSafe(Effect.flatMap(Artifact.get(`${TASK}/evil_include_${i}`), Artifact.value), ["PathOutsideRoot", "CorruptBlob", "DatastoreNotProvided"])
      expect(err, url).toBeDefined()
    }
  })

  // BUG (internal/values.ts, `includedFile`): `String(get("type") ?? "")` throws a TypeError (a defect, not a
  // typed error) when the descriptor's `type` is an object whose `toString` is not a function, e.g. the
  // JSON descriptor {"url": "local:///x", "type": {"toString": 1}}. Expected a typed error (CorruptBlob).
  it("an IncludeFile descriptor with a non-string type fails typed, not with a defect", async () => {
    const enc = new TextEncoder()
    const str = (x: string) => {
      const b = enc.encode(x)
      return [0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b]
    }
    const desc = JSON.stringify({ url: `local://${t.root}/data/x`, type: { toString: 1 } })
    const pickle = Uint8Array.from([0x80, 2, 0x63, ...enc.encode("metaflow.includefile\nIncludedFile\n"), 0x29, 0x81, 0x7d, ...str("_descriptor"), ...str(desc), 0x73, 0x62, 0x2e])
    const sha = "de".repeat(20)
    putBlob(t.root, pickle, sha)
    putArtifactRecord("evil_descriptor", sha, ":root:/corpus/.metaflow")
    const exit = await runLocal(t.base, Effect.flatMap(Artifact.get(`${TASK}/evil_descriptor`), Artifact.value))
    expect(TYPED_ERRORS.has(failureOf(exit)?._tag ?? "none")).toBe(true) // failureOf throws on a defect
  })

  it("a ds-root metadata value outside the root does not move where logs are read", async () => {
    const metaDir = path.join(t.root, TASK, "_meta")
    for (const [i, value] of [path.join(t.outside, ".metaflow"), `${t.root}/../../outside/.metaflow`, "/"].entries()) {
      fs.writeFileSync(path.join(metaDir, `sysmeta_ds-root_${1895767093566 + i}.json`), JSON.stringify({
        flow_id: FLOW, run_number: RUN, step_name: "start", task_id: "1", field_name: "ds-root", type: "ds-root", value,
        tags: ["attempt_id:0"], user_name: "alice", ts_epoch: 1895767093566 + i
      }))
      const task = Task.get(TASK)
      const text = await expectSafe(Effect.flatMap(task, (x) => Logs.text(x, "stdout")))
      expect(text).toBeUndefined() // success (read below the configured root), checked to hold no canary
      await expectSafe(Effect.flatMap(task, (x) => Logs.size(x, "stdout")))
    }
  })
})

describe("symlinks leaving the root", () => {
  // BUG (provider-local, LocalMetadataProvider: fetchSelf/listedSelf/readJson): metadata files are read
  // without the realpath-inside-root check LocalStorage does, so a flow directory symlinked to outside the
  // root is read: Flow.get("EvilFlow") returns the outside record (flowId "CANARY-7f3a"). Expected
  // PathOutsideRoot (or the entry ignored).
  it("a flow directory that is a symlink to outside is refused or invisible, never read", async () => {
    fs.symlinkSync(path.join(t.outside, "EvilFlow"), path.join(t.root, "EvilFlow"))
    try {
      await expectSafe(Flow.get("EvilFlow"), ["PathOutsideRoot", "ObjectNotFound"])
      const listed = await runLocal(t.base, Stream.runCollect(Metaflow.flows).pipe(Effect.map(Chunk.toArray)))
      const err = failureOf(listed)
      if (err === undefined && listed._tag === "Success") {
        expect(listed.value.map((f) => f.record.flowId)).not.toContain(CANARY)
      } else {
        expect(err!._tag).toBe("PathOutsideRoot")
      }
    } finally {
      fs.unlinkSync(path.join(t.root, "EvilFlow"))
    }
  })

  const withSymlinkedRunMeta = async (body: () => Promise<void>) => {
    const meta = path.join(t.root, FLOW, RUN, "_meta")
    const saved = path.join(t.dir, "saved-run-meta")
    fs.renameSync(meta, saved)
    fs.symlinkSync(path.join(t.outside, "runmeta"), meta)
    const before = fs.readFileSync(path.join(t.outside, "runmeta", "_self.json"), "utf8")
    try {
      await body()
    } finally {
      expect(fs.readFileSync(path.join(t.outside, "runmeta", "_self.json"), "utf8")).toBe(before)
      expect(fs.readdirSync(path.join(t.outside, "runmeta"))).toEqual(["_self.json"])
      fs.unlinkSync(meta)
      fs.renameSync(saved, meta)
    }
  }

  it("tag writes to a run whose _meta is a symlink to outside are refused (PathOutsideRoot), nothing written outside", async () => {
    await withSymlinkedRunMeta(async () => {
      // (today Run.get itself reads through the symlink, see the bug below; the write is refused either way)
      await expectSafe(Effect.flatMap(Run.get(`${FLOW}/${RUN}`), (r) => Run.addTags(r, ["pwned"])), ["PathOutsideRoot"])
    })
  })

  // BUG (provider-local, same as above): the run record is read through a `_meta` symlink that leaves the
  // root: Run.get returns the outside record (tags ["CANARY-7f3a"]). Expected PathOutsideRoot.
  it("a run _meta directory that is a symlink to outside is refused for reads", async () => {
    await withSymlinkedRunMeta(async () => {
      await expectSafe(Effect.map(Run.get(`${FLOW}/${RUN}`), (r) => r.record.tags), ["PathOutsideRoot"])
    })
  })

  it("a blob that is a symlink to a file outside is refused", async () => {
    const sha = "5e" + "1".repeat(38)
    fs.mkdirSync(path.join(t.root, FLOW, "data", "5e"), { recursive: true })
    fs.symlinkSync(path.join(t.outside, ".metaflow", FLOW, "data", "ca", "ca" + "0".repeat(38)), path.join(t.root, FLOW, "data", "5e", sha))
    putArtifactRecord("evil_symlink_blob", sha, ":root:/corpus/.metaflow")
    await expectSafe(Effect.flatMap(Artifact.get(`${TASK}/evil_symlink_blob`), Artifact.value), ["PathOutsideRoot"])
  })
})

describe("hostile tags", () => {
  it("Run.addTags with path-like, NUL, lookalike and very long tags stores them verbatim or refuses typed; nothing else changes", async () => {
    const runSelf = path.join(t.root, FLOW, RUN, "_meta", "_self.json")
    const treeBefore = listTree(t.root)
    const hashesBefore = hashTree(path.join(t.root, FLOW, "data"))
    const tags = ["../../outside/pwned", "/etc/passwd", "x\u0000y", "\uff0e\uff0e\uff0fpwned", "\u2025", "%2e%2e%2f", "a\\b", "\n", "\"'", "t".repeat(500)]
    const exit = await runLocal(t.base, Effect.flatMap(Run.get(`${FLOW}/${RUN}`), (r) => Run.addTags(r, tags)))
    const err = failureOf(exit)
    if (err !== undefined) expect(err._tag).toBe("TaggingError")
    const stored = JSON.parse(fs.readFileSync(runSelf, "utf8")) as { tags: Array<string> }
    if (err === undefined) for (const tag of tags) expect(stored.tags).toContain(tag)
    await expectSafe(Effect.flatMap(Run.get(`${FLOW}/${RUN}`), (r) => Run.addTags(r, ["t".repeat(501)])), ["TaggingError"])
    await expectSafe(Effect.flatMap(Run.get(`${FLOW}/${RUN}`), (r) => Run.addTags(r, ["\ud800"])), ["TaggingError"])
    expect(listTree(t.root)).toEqual(treeBefore)
    expect(hashTree(path.join(t.root, FLOW, "data"))).toBe(hashesBefore)
    // the run still reads back, with every hostile tag as data
    const again = await runLocal(t.base, Effect.map(Run.get(`${FLOW}/${RUN}`), (r) => r.record.tags))
    expect(failureOf(again)).toBeUndefined()
  })
})
