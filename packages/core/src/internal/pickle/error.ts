import * as Schema from "effect/Schema"

/**
 * Why a pickle could not be decoded.
 *
 * @since 0.1.0
 * @category errors
 */
export const PickleErrorReason = Schema.Literal(
  "Truncated",
  "BadOpcode",
  "StackUnderflow",
  "MemoMiss",
  "LimitExceeded",
  "Unsupported",
  "Malformed"
)

/**
 * A pickle could not be decoded; `offset` is the byte offset of the failing opcode (or read).
 *
 * @since 0.1.0
 * @category errors
 */
export class PickleError extends Schema.TaggedError<PickleError>()("PickleError", {
  reason: PickleErrorReason,
  offset: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.reason} at byte ${this.offset}: ${this.detail}`
  }
}
