/**
 * The records a metadata provider returns, normalised once for every backend. The wire form is Metaflow's
 * JSON (`_self.json`, `sysmeta_*.json`, `*_artifact_*.json`, service responses): snake_case keys, ids that
 * are sometimes integers, tag lists that are sometimes `null`. Decoding validates the shape and names the
 * file or URL on failure.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { CorruptRecord } from "./Errors.js"

/** Tags of an object: user tags (mutable) and system tags (set by Metaflow). @since 0.1.0 @category models */
export interface Tagged {
  readonly tags: ReadonlyArray<string>
  readonly systemTags: ReadonlyArray<string>
}

/** A flow record. Flows carry no tags in practice. @since 0.1.0 @category models */
export interface FlowRecord extends Tagged {
  readonly flowId: string
  readonly tsEpoch: number
  readonly userName: string | null
}

/** Status of a run as a backend may report it (the service, on status-filtered listings). @since 0.1.0 @category models */
export type ReportedStatus = "running" | "completed" | "failed"

/** A run record; `runId` is always a string. @since 0.1.0 @category models */
export interface RunRecord extends Tagged {
  readonly flowId: string
  readonly runId: string
  readonly userName: string | null
  readonly tsEpoch: number
  /** Epoch seconds of the last heartbeat (service only), or null. */
  readonly lastHeartbeatTs: number | null
  readonly status?: ReportedStatus
}

/** A step record; tags are the run's. @since 0.1.0 @category models */
export interface StepRecord extends Tagged {
  readonly flowId: string
  readonly runId: string
  readonly stepName: string
  readonly userName: string | null
  readonly tsEpoch: number
}

/** A task record; tags are the run's. @since 0.1.0 @category models */
export interface TaskRecord extends Tagged {
  readonly flowId: string
  readonly runId: string
  readonly stepName: string
  readonly taskId: string
  readonly userName: string | null
  readonly tsEpoch: number
  readonly lastHeartbeatTs: number | null
}

/** One metadata record of a task. `value` keeps its raw JSON (usually a string). @since 0.1.0 @category models */
export interface MetadataRecord {
  readonly flowId: string
  readonly runId: string
  readonly stepName: string
  readonly taskId: string
  readonly fieldName: string
  readonly value: unknown
  readonly type: string
  /** The record's own tags, normally `["attempt_id:N"]`. */
  readonly tags: ReadonlyArray<string>
  readonly tsEpoch: number
}

/** An artifact record of one attempt of a task; tags are the run's. @since 0.1.0 @category models */
export interface ArtifactRecord extends Tagged {
  readonly flowId: string
  readonly runId: string
  readonly stepName: string
  readonly taskId: string
  readonly name: string
  readonly sha: string
  readonly dsType: string
  /** `:root:<datastore root>` (Metaflow ≥ 2.4) or the full URL of the blob (older). */
  readonly location: string
  /** The serializer's encoding label: `pickle-v4`, `gzip+pickle-v2`, ... */
  readonly contentType: string
  readonly attemptId: number
  readonly tsEpoch: number
}

const Id = Schema.Union(Schema.String, Schema.Number)
const TagList = Schema.NullishOr(Schema.Array(Schema.String))
const Epoch = Schema.Number
const NullableString = Schema.optional(Schema.NullishOr(Schema.String))

const FlowWire = Schema.Struct({ flow_id: Schema.String, ts_epoch: Epoch, user_name: NullableString, tags: Schema.optional(TagList), system_tags: Schema.optional(TagList) })
const RunWire = Schema.Struct({
  flow_id: Schema.String,
  run_number: Id,
  user_name: NullableString,
  ts_epoch: Epoch,
  tags: Schema.optional(TagList),
  system_tags: Schema.optional(TagList),
  last_heartbeat_ts: Schema.optional(Schema.NullOr(Schema.Number)),
  status: Schema.optional(Schema.Literal("running", "completed", "failed"))
})
const StepWire = Schema.Struct({
  flow_id: Schema.String,
  run_number: Id,
  step_name: Schema.String,
  user_name: NullableString,
  ts_epoch: Epoch,
  tags: Schema.optional(TagList),
  system_tags: Schema.optional(TagList)
})
const TaskWire = Schema.Struct({
  ...StepWire.fields,
  task_id: Id,
  last_heartbeat_ts: Schema.optional(Schema.NullOr(Schema.Number))
})
const MetadataWire = Schema.Struct({
  flow_id: Schema.String,
  run_number: Id,
  step_name: Schema.String,
  task_id: Id,
  field_name: Schema.String,
  value: Schema.Unknown,
  type: Schema.optional(Schema.NullOr(Schema.String)),
  tags: Schema.optional(TagList),
  ts_epoch: Epoch
})
const ArtifactWire = Schema.Struct({
  ...StepWire.fields,
  task_id: Id,
  name: Schema.String,
  sha: Schema.String,
  ds_type: Schema.String,
  location: Schema.String,
  content_type: Schema.optional(Schema.NullOr(Schema.String)),
  attempt_id: Schema.optional(Schema.NullOr(Id)),
  type: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * Field checks equivalent to the wire schemas above, for the hot path: records are read by the
 * thousand, and a plain check costs a fraction of a schema decode. Input that fails them goes through
 * the schema, which decides and names the problem.
 */
type Check = (v: unknown) => boolean
const isStr: Check = (v) => typeof v === "string"
const isNum: Check = (v) => typeof v === "number"
const isId: Check = (v) => typeof v === "string" || typeof v === "number"
const opt = (c: Check): Check => (v) => v === undefined || c(v)
const optNull = (c: Check): Check => (v) => v === undefined || v === null || c(v)
const isTagList: Check = (v) => Array.isArray(v) && v.every(isStr)
const common = { user_name: optNull(isStr), tags: optNull(isTagList), system_tags: optNull(isTagList) }
const stepChecks = { ...common, flow_id: isStr, run_number: isId, step_name: isStr, ts_epoch: isNum }
const checks = {
  flow: { ...common, flow_id: isStr, ts_epoch: isNum },
  run: {
    ...common,
    flow_id: isStr,
    run_number: isId,
    ts_epoch: isNum,
    last_heartbeat_ts: optNull(isNum),
    status: opt((v) => v === "running" || v === "completed" || v === "failed")
  },
  step: stepChecks,
  task: { ...stepChecks, task_id: isId, last_heartbeat_ts: optNull(isNum) },
  metadata: {
    flow_id: isStr,
    run_number: isId,
    step_name: isStr,
    task_id: isId,
    field_name: isStr,
    type: optNull(isStr),
    tags: optNull(isTagList),
    ts_epoch: isNum
  },
  artifact: {
    ...stepChecks,
    task_id: isId,
    name: isStr,
    sha: isStr,
    ds_type: isStr,
    location: isStr,
    content_type: optNull(isStr),
    attempt_id: optNull(isId),
    type: optNull(isStr)
  }
} satisfies Record<string, Record<string, Check>>

const passes = (fields: Record<string, Check>) => {
  const entries = Object.entries(fields)
  return (input: unknown): boolean => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) return false
    const o = input as Record<string, unknown>
    for (const [key, check] of entries) if (!check(o[key])) return false
    return true
  }
}

const decoder = <A, I>(schema: Schema.Schema<A, I>, fields: Record<string, Check>) => {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })
  const fast = passes(fields)
  return (input: unknown, path: string): Either.Either<A, CorruptRecord> =>
    fast(input)
      ? Either.right(input as A)
      : Either.mapLeft(decode(input), (e) =>
        new CorruptRecord({ path, reason: ParseResult.TreeFormatter.formatErrorSync(e).split("\n").slice(0, 4).join(" ") }))
}

const str = (id: string | number): string => typeof id === "string" ? id : String(id)
const tagsOf = (w: { readonly tags?: ReadonlyArray<string> | null | undefined; readonly system_tags?: ReadonlyArray<string> | null | undefined }): Tagged => ({
  tags: w.tags ?? [],
  systemTags: w.system_tags ?? []
})

const flowDecoder = decoder(FlowWire, checks.flow)
const runDecoder = decoder(RunWire, checks.run)
const stepDecoder = decoder(StepWire, checks.step)
const taskDecoder = decoder(TaskWire, checks.task)
const metadataDecoder = decoder(MetadataWire, checks.metadata)
const artifactDecoder = decoder(ArtifactWire, checks.artifact)

/** Decodes a flow record (`_self.json` or service JSON); `path` names the source in errors. @since 0.1.0 @category decoding */
export const decodeFlow = (input: unknown, path: string): Either.Either<FlowRecord, CorruptRecord> =>
  Either.map(flowDecoder(input, path), (w) => ({ flowId: w.flow_id, tsEpoch: w.ts_epoch, userName: w.user_name ?? null, ...tagsOf(w) }))

/** Decodes a run record. @since 0.1.0 @category decoding */
export const decodeRun = (input: unknown, path: string): Either.Either<RunRecord, CorruptRecord> =>
  Either.map(runDecoder(input, path), (w) => {
    const base: RunRecord = {
      flowId: w.flow_id,
      runId: str(w.run_number),
      userName: w.user_name ?? null,
      tsEpoch: w.ts_epoch,
      lastHeartbeatTs: w.last_heartbeat_ts ?? null,
      ...tagsOf(w)
    }
    return w.status === undefined ? base : { ...base, status: w.status }
  })

/** Decodes a step record. @since 0.1.0 @category decoding */
export const decodeStep = (input: unknown, path: string): Either.Either<StepRecord, CorruptRecord> =>
  Either.map(stepDecoder(input, path), (w) => ({
    flowId: w.flow_id,
    runId: str(w.run_number),
    stepName: w.step_name,
    userName: w.user_name ?? null,
    tsEpoch: w.ts_epoch,
    ...tagsOf(w)
  }))

/** Decodes a task record. @since 0.1.0 @category decoding */
export const decodeTask = (input: unknown, path: string): Either.Either<TaskRecord, CorruptRecord> =>
  Either.map(taskDecoder(input, path), (w) => ({
    flowId: w.flow_id,
    runId: str(w.run_number),
    stepName: w.step_name,
    taskId: str(w.task_id),
    userName: w.user_name ?? null,
    tsEpoch: w.ts_epoch,
    lastHeartbeatTs: w.last_heartbeat_ts ?? null,
    ...tagsOf(w)
  }))

/** Decodes a metadata record. @since 0.1.0 @category decoding */
export const decodeMetadata = (input: unknown, path: string): Either.Either<MetadataRecord, CorruptRecord> =>
  Either.map(metadataDecoder(input, path), (w) => ({
    flowId: w.flow_id,
    runId: str(w.run_number),
    stepName: w.step_name,
    taskId: str(w.task_id),
    fieldName: w.field_name,
    value: w.value,
    type: w.type ?? w.field_name,
    tags: w.tags ?? [],
    tsEpoch: w.ts_epoch
  }))

/**
 * Decodes an artifact record. A missing `content_type` means `gzip+pickle-v2` (the oldest writers).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeArtifact = (input: unknown, path: string): Either.Either<ArtifactRecord, CorruptRecord> =>
  Either.flatMap(artifactDecoder(input, path), (w) => {
    const attempt = w.attempt_id === undefined || w.attempt_id === null ? 0 : Number(w.attempt_id)
    if (!Number.isInteger(attempt) || attempt < 0) {
      return Either.left(new CorruptRecord({ path, reason: `attempt_id ${String(w.attempt_id)} is not an attempt number` }))
    }
    return Either.right({
      flowId: w.flow_id,
      runId: str(w.run_number),
      stepName: w.step_name,
      taskId: str(w.task_id),
      name: w.name,
      sha: w.sha,
      dsType: w.ds_type,
      location: w.location,
      contentType: w.content_type ?? "gzip+pickle-v2",
      attemptId: attempt,
      tsEpoch: w.ts_epoch,
      ...tagsOf(w)
    })
  })

/**
 * Replaces the tags of a step, task or artifact record by its run's current ones, as both of Metaflow's
 * providers do (the copies stored with those records are stale snapshots).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withRunTags = <A extends Tagged>(record: A, run: Tagged): A =>
  ({ ...record, tags: run.tags, systemTags: run.systemTags })

/**
 * The attempt a metadata record belongs to, from its first `attempt_id:<n>` tag.
 *
 * @since 0.1.0
 * @category accessors
 */
export const attemptTag = (record: MetadataRecord): number | undefined => {
  for (const tag of record.tags) {
    if (tag.startsWith("attempt_id:")) {
      const n = Number(tag.slice("attempt_id:".length))
      return Number.isInteger(n) ? n : undefined
    }
  }
  return undefined
}
