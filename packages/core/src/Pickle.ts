/**
 * Decoding of Python pickles (protocols 0–5) into {@link PyValue}s, safely: nothing is imported or executed,
 * every resource is bounded, and every failure is a typed {@link PickleError}.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { PickleError, PickleErrorReason } from "./internal/pickle/error.js"
import * as machine from "./internal/pickle/machine.js"
import type { PyObject, PyValue } from "./PyValue.js"

export {
  /**
   * A pickle could not be decoded: `reason` says why, `offset` where (byte offset of the failing opcode).
   *
   * @since 0.1.0
   * @category errors
   */
  PickleError,
  /**
   * The literal schema of {@link PickleError}'s `reason`.
   *
   * @since 0.1.0
   * @category errors
   */
  PickleErrorReason
}

/**
 * Resource bounds of one decode. Exceeding any of them fails with reason `"LimitExceeded"`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  /** Maximum nesting depth of containers and of open MARKs. Default 10,000. */
  readonly maxDepth: number
  /** Maximum total allocation in bytes (str/bytes payloads + 8 per container slot). Default 1 GiB. */
  readonly maxBytes: number
  /** Maximum number of memo entries. Default 16,777,216. */
  readonly maxMemo: number
  /** Maximum elements of one list/tuple/dict/set and of the VM stack. Default 50,000,000. */
  readonly maxContainerLength: number
}

/**
 * The default {@link Limits}.
 *
 * @since 0.1.0
 * @category models
 */
export const defaultLimits: Limits = {
  maxDepth: 10_000,
  maxBytes: 1024 * 1024 * 1024,
  maxMemo: 16 * 1024 * 1024,
  maxContainerLength: 50_000_000
}

/**
 * User decoders for classes: `"module.name"` (e.g. `"corpus_types.Point"`) → function turning the decoded
 * {@link PyObject} (with `state`, `listitems`, … filled in) into any value of the model. Applied after decoding,
 * children before parents; shared references keep pointing at one replacement.
 *
 * @since 0.1.0
 * @category models
 */
export type ClassDecoders = Readonly<Record<string, (obj: PyObject) => PyValue>>

/**
 * Options of {@link decode}: any {@link Limits} plus `classDecoders`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Partial<Limits> {
  readonly classDecoders?: ClassDecoders
}

const limitsOf = (options?: Options): Limits => ({
  maxDepth: options?.maxDepth ?? defaultLimits.maxDepth,
  maxBytes: options?.maxBytes ?? defaultLimits.maxBytes,
  maxMemo: options?.maxMemo ?? defaultLimits.maxMemo,
  maxContainerLength: options?.maxContainerLength ?? defaultLimits.maxContainerLength
})

/**
 * Decodes a pickle synchronously; throws {@link PickleError}. For hot paths that are already inside a
 * try/catch; prefer {@link decode}.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeSync = (bytes: Uint8Array, options?: Options): PyValue =>
  machine.decodeSync(bytes, limitsOf(options), options?.classDecoders)

/**
 * Decodes a pickle (protocols 0–5) into a {@link PyValue}. Classes are only named ({@link PyGlobal}) and
 * objects only described ({@link PyObject}); nothing is executed. Linear in the input size.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pickle, TaggedJson } from "@metaflow-client/core"
 *
 * const program = Pickle.decode(new Uint8Array([0x80, 4, 0x4b, 7, 0x2e])).pipe(Effect.map(TaggedJson.toTaggedJson))
 * // Effect<unknown, PickleError>: 7
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = Effect.fn("Pickle.decode")(function*(bytes: Uint8Array, options?: Options) {
  yield* Effect.annotateCurrentSpan("bytes", bytes.length)
  return yield* decodeUntraced(bytes, options)
})

/**
 * {@link decode} without its span, for callers inside a traced operation that decode once per object in
 * loops (a span costs more than decoding a small value).
 *
 * @internal
 */
export const decodeUntraced = (bytes: Uint8Array, options?: Options): Effect.Effect<PyValue, PickleError> =>
  Effect.try({
    try: () => decodeSync(bytes, options),
    catch: (e) =>
      e instanceof PickleError
        ? e
        : new PickleError({
          reason: e instanceof RangeError ? "LimitExceeded" : "Malformed",
          offset: -1,
          detail: String(e)
        })
  })
