/**
 * The Metaflow metadata service as a `MetadataProvider`: primitives over the service's read API (and the
 * tag-mutation PATCH), with its quirks handled once — JSON bodies labelled `text/plain`, ids that are
 * integers or strings, `404 {}` for missing objects but `200 []` for listings under missing parents,
 * cursor pagination where the service offers it, server-side run filters, step- and run-level artifact
 * listings, retries with bounded backoff, a timeout per request and typed errors.
 *
 * Policy (namespaces, ordering, which attempt is the latest, status) stays in core.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { Errors, MetadataProvider, Pathspec, Records } from "@metaflow-client/core"
import * as Auth from "./Auth.js"
import * as Api from "./internal/api.js"
import type { Observer } from "./Observe.js"

/**
 * How listings are requested. `"auto"` (default): send `_limit` and learn from the answer's `X-Limit`
 * whether the service paginates (an older service ignores `_limit` and answers the whole listing, after
 * which plain requests are sent). `"always"`: always page. `"never"`: the plain requests Python sends.
 *
 * @since 0.1.0
 * @category models
 */
export type Pagination = Api.Pagination

/**
 * Options of the service provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The service root, e.g. `http://host:8080` or `https://gw/api` (a trailing `/` is dropped). */
  readonly url: string
  /** Headers sent on every request (values may be `Redacted`). */
  readonly headers?: Auth.Headers
  /**
   * A request step supplying more headers, run before every attempt: an `Effect` of headers, or an
   * {@link Auth.Auth} (see `Auth.cached` for a refreshed token). Its headers override `headers`.
   */
  readonly auth?: Effect.Effect<Auth.Headers, Errors.BackendError> | Auth.Auth
  /** Time allowed for one attempt, answer and body included. Default 30 seconds. */
  readonly timeout?: Duration.DurationInput
  /** Retries of a transient failure (timeout, connection error, 5xx, 429, truncated body). Default 4. */
  readonly retries?: number
  /** First retry delay; doubles each time, capped by `retryMaxDelay`, jittered. Default 250 ms. */
  readonly retryDelay?: Duration.DurationInput
  /** Longest delay between retries. Default 8 seconds. */
  readonly retryMaxDelay?: Duration.DurationInput
  /** `_limit` of paged listings, 1 to 500 (the service's cap). Default 100. */
  readonly pageSize?: number
  /** See {@link Pagination}. Default `"auto"`. */
  readonly pagination?: Pagination
  /** Requests in flight when a question must fan out over tasks. Default 8. */
  readonly concurrency?: number
  /** PATCH attempts of a tag mutation (Python: 10). */
  readonly tagMutationAttempts?: number
  /** First delay between tag-mutation attempts; grows ×1.5 with jitter (Python: 0.3 s). */
  readonly tagMutationDelay?: Duration.DurationInput
  /** Called after every HTTP attempt (see `Observe.requestCounter`). */
  readonly onRequest?: Observer
}

const isAuth = (u: Options["auth"]): u is Auth.Auth => u !== undefined && !Effect.isEffect(u)

/** The auth step of the options, and the revealed headers of every request when there is no step to run. */
const authOf = (options: Options): { readonly auth: Auth.Auth; readonly fixedHeaders: Record<string, string> | undefined } => {
  const fixed = options.headers ?? {}
  const extra = options.auth
  if (extra === undefined) return { auth: Auth.staticHeaders(fixed), fixedHeaders: Auth.reveal(fixed) }
  const step = isAuth(extra) ? extra : { headers: extra }
  const merged: Auth.Auth = { headers: Effect.map(step.headers, (h) => ({ ...fixed, ...h })) }
  return { auth: step.invalidate === undefined ? merged : { ...merged, invalidate: step.invalidate }, fixedHeaders: undefined }
}

/** Python's message when every tag-mutation attempt collided. */
const tooManyConflicts = "Tagging failed due to too many conflicting updates from other processes"

class TagRetry extends Data.TaggedError("TagRetry")<{ readonly error: Errors.BackendError; readonly conflict: boolean }> {}

const TagsReply = (json: unknown, url: string): Either.Either<ReadonlyArray<string>, Errors.CorruptRecord> => {
  const tags = json !== null && typeof json === "object" ? (json as { tags?: unknown }).tags : undefined
  return Array.isArray(tags) && tags.every((t) => typeof t === "string")
    ? Either.right(tags as ReadonlyArray<string>)
    : Either.left(new Errors.CorruptRecord({ path: url, reason: "expected {\"tags\": [string, ...]}" }))
}

const flowSeg = (p: Pathspec.FlowPath) => ["flows", p.flow]
const runSeg = (p: Pathspec.RunPath) => [...flowSeg(p), "runs", p.run]
const stepSeg = (p: Pathspec.StepPath) => [...runSeg(p), "steps", p.step]
const taskSeg = (p: Pathspec.TaskPath) => [...stepSeg(p), "tasks", p.task]

const isTask = (s: MetadataProvider.ArtifactScope): s is Pathspec.TaskPath => "task" in s
const isStep = (s: MetadataProvider.ArtifactScope): s is Pathspec.StepPath => "step" in s

/**
 * Keeps, per task, only the records of its highest attempt. Paged artifact listings return, for every
 * (task, name), the newest row — so names that only an older attempt wrote come back too. Plain
 * listings already hold one attempt per task.
 */
const latestAttemptOnly = (records: ReadonlyArray<Records.ArtifactRecord>): ReadonlyArray<Records.ArtifactRecord> => {
  const latest = new Map<string, number>()
  for (const r of records) {
    const key = `${r.stepName}\u0000${r.taskId}`
    const seen = latest.get(key)
    if (seen === undefined || r.attemptId > seen) latest.set(key, r.attemptId)
  }
  return records.filter((r) => latest.get(`${r.stepName}\u0000${r.taskId}`) === r.attemptId)
}

/**
 * Builds the provider from options, using the `HttpClient` in context (its transport and keep-alive are
 * the application's choice). Each request gets the client's span when the application has installed a
 * tracer; under Effect's built-in tracer, whose spans go nowhere, requests make none (they cost a fifth
 * of a loopback request). Public functions of core keep their one span per call either way.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fn("ServiceMetadataProvider.make")(function*(options: Options) {
  const client = yield* HttpClient.HttpClient
  const baseUrl = options.url.replace(/\/+$/, "")
  const pageSize = Math.max(1, Math.min(500, Math.floor(options.pageSize ?? 100)))
  const pagination = options.pagination ?? "auto"
  const api: Api.Api = {
    baseUrl,
    client: HttpClient.withScope(client),
    ...authOf(options),
    timeout: Duration.decode(options.timeout ?? "30 seconds"),
    retries: Math.max(0, Math.floor(options.retries ?? 4)),
    retryDelay: Duration.decode(options.retryDelay ?? "250 millis"),
    retryMaxDelay: Duration.decode(options.retryMaxDelay ?? "8 seconds"),
    pageSize,
    pagination,
    onRequest: options.onRequest,
    mode: { current: pagination === "always" ? "paged" : pagination === "never" ? "plain" : "unknown" }
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8))
  const tagAttempts = Math.max(1, Math.floor(options.tagMutationAttempts ?? 10))
  const tagDelay = Duration.decode(options.tagMutationDelay ?? "300 millis")

  const paged = { paginated: true } as const
  const plain = { paginated: false } as const

  const artifactsOf = (scope: MetadataProvider.ArtifactScope) =>
    Api.listAll(
      api,
      [...(isTask(scope) ? taskSeg(scope) : isStep(scope) ? stepSeg(scope) : runSeg(scope)), "artifacts"],
      paged,
      Records.decodeArtifact
    )

  const attemptArtifacts = (task: Pathspec.TaskPath, attempt: number) =>
    Api.listAll(api, [...taskSeg(task), "attempt", String(attempt), "artifacts"], plain, Records.decodeArtifact)

  /**
   * One artifact of a task, the request Python sends for `task[name]` (and `successful`, `finished`, ...):
   * `.../artifacts/{name}` (the latest attempt that saved artifacts; `404` when that attempt lacks the
   * name) or `.../artifacts/{name}/attempt/{n}`. One small record instead of the task's whole listing.
   */
  const namedArtifact = (task: Pathspec.TaskPath, name: string, attempt: number | undefined) =>
    Effect.map(
      Api.getObject(
        api,
        [...taskSeg(task), "artifacts", name, ...(attempt === undefined ? [] : ["attempt", String(attempt)])],
        Records.decodeArtifact
      ),
      Option.match({ onNone: (): ReadonlyArray<Records.ArtifactRecord> => [], onSome: (r) => [r] })
    )

  /**
   * Exactly one attempt's records over a step or run: one scope listing, where a task whose latest
   * artifact-writing attempt is `attempt` already has exactly that attempt's rows; only tasks with a
   * later attempt need their own `/attempt/{n}/artifacts` request (bounded concurrency).
   */
  const scopeAttempt = (scope: Pathspec.StepPath | Pathspec.RunPath, attempt: number) =>
    Effect.flatMap(artifactsOf(scope), (rows) => {
      const latest = new Map<string, { task: Pathspec.TaskPath; max: number }>()
      for (const r of rows) {
        const key = `${r.stepName}\u0000${r.taskId}`
        const seen = latest.get(key)
        if (seen === undefined || r.attemptId > seen.max) {
          latest.set(key, { task: { flow: r.flowId, run: scope.run, step: r.stepName, task: r.taskId }, max: r.attemptId })
        }
      }
      const here = rows.filter((r) => latest.get(`${r.stepName}\u0000${r.taskId}`)?.max === attempt && r.attemptId === attempt)
      const older = [...latest.values()].filter((t) => t.max > attempt).map((t) => t.task)
      return Effect.map(
        Effect.forEach(older, (task) => attemptArtifacts(task, attempt), { concurrency }),
        (more): ReadonlyArray<Records.ArtifactRecord> => [...here, ...more.flat()]
      )
    })

  const runFilters = (query: MetadataProvider.RunQuery | undefined): Api.Params | undefined => {
    if (query === undefined) return undefined
    const out: Record<string, string> = {}
    // the service splits values on ",": a tag containing one cannot be pushed down (core re-filters)
    const tags = (query.tags ?? []).filter((t) => !t.includes(",") && t.length > 0)
    if (tags.length === 1) out["_tags"] = tags[0]!
    else if (tags.length > 1) out["_tags:all"] = tags.join(",")
    if (query.since !== undefined && Number.isFinite(query.since)) out["ts_epoch:ge"] = String(Math.ceil(query.since))
    return Object.keys(out).length === 0 ? undefined : out
  }

  const mutateRunTags = Effect.fn("ServiceMetadataProvider.mutateRunTags")(function*(
    path: Pathspec.RunPath,
    mutation: { readonly add: ReadonlyArray<string>; readonly remove: ReadonlyArray<string> }
  ) {
    yield* Effect.annotateCurrentSpan("pathspec", Pathspec.format(path))
    const body = { tags_to_add: [...mutation.add], tags_to_remove: [...mutation.remove] }
    const once = Effect.flatMap(
      Effect.mapError(
        Api.send(api, "PATCH", [...runSeg(path), "tag", "mutate"], { body, json: true, retry: false }),
        (error) => new TagRetry({ error, conflict: false })
      ),
      (reply): Effect.Effect<ReadonlyArray<string>, TagRetry | Errors.TaggingError | Errors.CorruptRecord> => {
        if (reply.status >= 200 && reply.status < 300) return TagsReply(reply.json, reply.url)
        if (reply.status === 400 || reply.status === 422) {
          return Effect.fail(new Errors.TaggingError({ reason: Api.messageOf(reply.text) }))
        }
        if (reply.status === 404) {
          return Effect.fail(new Errors.TaggingError({ reason: `Run '${Pathspec.format(path)}' does not exist` }))
        }
        return Effect.fail(new TagRetry({ error: Api.statusError(reply), conflict: reply.status === 409 }))
      }
    )
    // 409 and anything transient (5xx, timeouts, resets) are retried here, not in `send`: one bounded loop
    let conflicts = 0
    return yield* once.pipe(
      Effect.tapError((e) => Effect.sync(() => e._tag === "TagRetry" && e.conflict && conflicts++)),
      Effect.retry({
        schedule: Schedule.exponential(tagDelay, 1.5).pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(tagAttempts - 1))),
        while: (e) => e._tag === "TagRetry"
      }),
      Effect.catchTag("TagRetry", (e): Effect.Effect<never, Errors.TaggingError | Errors.BackendError> =>
        conflicts > 0 ? Effect.fail(new Errors.TaggingError({ reason: tooManyConflicts })) : Effect.fail(e.error))
    )
  })

  const service: MetadataProvider.Service = {
    describe: `service@${baseUrl}`,
    listFlows: Api.listing(api, ["flows"], paged, Records.decodeFlow),
    getFlow: Effect.fn("ServiceMetadataProvider.getFlow")(function*(path: Pathspec.FlowPath) {
      return yield* Api.getObject(api, flowSeg(path), Records.decodeFlow)
    }),
    listRuns: (path, query) => {
      const filters = runFilters(query)
      return Api.listing(api, [...flowSeg(path), "runs"], filters === undefined ? paged : { paginated: true, filters }, Records.decodeRun)
    },
    getRun: Effect.fn("ServiceMetadataProvider.getRun")(function*(path: Pathspec.RunPath) {
      return yield* Api.getObject(api, runSeg(path), Records.decodeRun)
    }),
    listSteps: (path) => Api.listAll(api, [...runSeg(path), "steps"], plain, Records.decodeStep),
    getStep: Effect.fn("ServiceMetadataProvider.getStep")(function*(path: Pathspec.StepPath) {
      return yield* Api.getObject(api, stepSeg(path), Records.decodeStep)
    }),
    listTasks: (path) => Api.listAll(api, [...stepSeg(path), "tasks"], paged, Records.decodeTask),
    getTask: Effect.fn("ServiceMetadataProvider.getTask")(function*(path: Pathspec.TaskPath) {
      return yield* Api.getObject(api, taskSeg(path), Records.decodeTask)
    }),
    listMetadata: (path) => Api.listAll(api, [...taskSeg(path), "metadata"], paged, Records.decodeMetadata),
    listMetadataInScope: (scope) => {
      const rows = Api.listing(api, [...runSeg(scope), "metadata"], paged, Records.decodeMetadata)
      return "step" in scope ? Stream.filter(rows, (m) => m.stepName === scope.step) : rows
    },
    listArtifacts: (scope, attempt, name) =>
      isTask(scope) && name !== undefined && name !== ""
        ? namedArtifact(scope, name, attempt)
        : attempt === undefined
        ? Effect.map(artifactsOf(scope), latestAttemptOnly)
        : isTask(scope)
        ? attemptArtifacts(scope, attempt)
        : scopeAttempt(scope, attempt),
    mutateRunTags
  }
  return service
})

/**
 * The provider as a layer over the application's `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<MetadataProvider.MetadataProvider, never, HttpClient.HttpClient> =>
  Layer.effect(MetadataProvider.MetadataProvider, make(options))

/**
 * Options read the way Python Metaflow reads them: `METAFLOW_SERVICE_URL`, headers from
 * `METAFLOW_SERVICE_HEADERS` and `METAFLOW_SERVICE_AUTH_KEY` (see `Auth.headersConfig`, all `Redacted`),
 * and `METAFLOW_DEFAULT_METADATA`, which must be `service` (or `service@<url>`, whose url then wins)
 * when set.
 *
 * @since 0.1.0
 * @category config
 */
export const envConfig: Config.Config<Options> = Config.all({
  defaultMetadata: Config.option(Config.string("METAFLOW_DEFAULT_METADATA")),
  url: Config.option(Config.string("METAFLOW_SERVICE_URL")),
  headers: Auth.headersConfig
}).pipe(
  Config.mapOrFail(({ defaultMetadata, headers, url }) => {
    const md = Option.getOrUndefined(defaultMetadata)?.trim()
    let fromMetadata: string | undefined
    if (md !== undefined && md !== "" && md !== "service") {
      if (!md.startsWith("service@")) {
        return Either.left(
          ConfigError.InvalidData(["METAFLOW_DEFAULT_METADATA"], `is '${md}': the service provider needs 'service' (or 'service@<url>')`)
        )
      }
      fromMetadata = md.slice("service@".length)
    }
    const chosen = fromMetadata ?? Option.getOrUndefined(url)
    if (chosen === undefined || chosen.trim() === "") {
      return Either.left(ConfigError.MissingData(["METAFLOW_SERVICE_URL"], "the metadata service URL is not set"))
    }
    return Either.right<Options>({ url: chosen.trim(), headers })
  })
)

/**
 * The provider with options from `Config` (default {@link envConfig}); `overrides` adds what config does
 * not carry (timeouts, an auth step, an observer).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config<Options> = envConfig,
  overrides?: Omit<Partial<Options>, "url">
): Layer.Layer<MetadataProvider.MetadataProvider, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(config, (options) => layer({ ...options, ...overrides })))
