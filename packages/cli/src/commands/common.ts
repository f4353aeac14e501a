/**
 * What every command shares: the backend and namespace options, `--json`, the output style, and the
 * wrapper that builds the backend, sets the namespace and turns every error into a one-line message.
 *
 * @since 0.1.0
 */
import * as Options from "@effect/cli/Options"
import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type { MetadataProvider } from "@metaflow-client/core"
import { Namespace } from "@metaflow-client/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Backend from "../Backend.js"
import { type CliError, fromUnknown, UsageError } from "../Errors.js"
import * as Style from "../render/Style.js"

/**
 * Options taken by every command.
 *
 * @since 0.1.0
 * @category options
 */
export const commonOptions = {
  namespace: Options.text("namespace").pipe(
    Options.withAlias("n"),
    Options.withDescription("Namespace to look in (a tag such as user:alice or production:TOKEN); default as in Metaflow"),
    Options.optional
  ),
  all: Options.boolean("all").pipe(Options.withDescription("Look in all namespaces (Python: namespace(None))")),
  root: Options.text("root").pipe(
    Options.withDescription("Directory containing .metaflow (or the .metaflow directory) to read"),
    Options.optional
  ),
  metadata: Options.text("metadata").pipe(
    Options.withDescription("Metadata provider: local[@DIR] or service[@URL] (default: METAFLOW_DEFAULT_METADATA, else local)"),
    Options.optional
  ),
  json: Options.boolean("json").pipe(Options.withDescription("Print JSON (schema in the README) instead of text"))
} as const

/**
 * Parsed common options.
 *
 * @since 0.1.0
 * @category models
 */
export interface Common {
  readonly namespace: Option.Option<string>
  readonly all: boolean
  readonly root: Option.Option<string>
  readonly metadata: Option.Option<string>
  readonly json: boolean
}

/**
 * What a command body gets.
 *
 * @since 0.1.0
 * @category models
 */
export interface Env {
  readonly style: Style.Style
  readonly json: boolean
  /** The namespace in effect (`null` = all). */
  readonly namespace: string | null
  /** The backend, as `local@DIR` or `service@URL`. */
  readonly backend: string
}

/**
 * Writes text to stdout.
 *
 * @since 0.1.0
 * @category output
 */
export const out = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(text))

/**
 * Writes a JSON document to stdout (two-space indented, one trailing newline).
 *
 * @since 0.1.0
 * @category output
 */
export const outJson = (value: unknown): Effect.Effect<void> => out(JSON.stringify(value, null, 2) + "\n")

/**
 * Writes a note to stderr (never to stdout, so that output stays parseable).
 *
 * @since 0.1.0
 * @category output
 */
export const note = (text: string): Effect.Effect<void> => Effect.sync(() => void process.stderr.write(`mfc: ${text}\n`))

/**
 * Runs a command body: picks the backend, resolves the namespace (`--all` → all namespaces,
 * `--namespace NS`, else Python's default; the bundled example defaults to all namespaces), and maps
 * every failure to a {@link CliError}.
 *
 * @since 0.1.0
 * @category combinators
 */
export const run = <E, R extends MetadataProvider.MetadataProvider | FileSystem.FileSystem | Path.Path>(
  common: Common,
  body: (env: Env) => Effect.Effect<void, E, R>
): Effect.Effect<void, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    if (common.all && Option.isSome(common.namespace)) {
      return yield* new UsageError({ message: "--all and --namespace exclude each other" })
    }
    const selection = yield* Backend.select(common)
    const backend = yield* Backend.resolve(selection)
    if (backend.example) {
      yield* note(`no .metaflow found here; showing the example bundled with mfc (${backend.description}), all namespaces`)
    }
    const namespace: string | null = common.all
      ? null
      : Option.isSome(common.namespace)
      ? common.namespace.value
      : backend.example
      ? null
      : yield* Effect.mapError(Namespace.defaultNamespace, fromUnknown(null))
    const env: Env = { style: Style.detect(common.json), json: common.json, namespace, backend: backend.description }
    yield* body(env).pipe(
      Namespace.withNamespace(namespace),
      Effect.provide(backend.layer),
      Effect.mapError(fromUnknown(namespace))
    ) as Effect.Effect<void, CliError, FileSystem.FileSystem | Path.Path>
  }).pipe(Effect.mapError(fromUnknown(null)))
