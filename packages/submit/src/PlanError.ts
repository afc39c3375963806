/**
 * Why a backend cannot plan a spec. Every problem is reported at once, each as an issue with the
 * path of the spec field, a stable code, a message, a hint and — the one addition to
 * `Validation.Issue` — the backends that *can* honour the field, so a message can say where to
 * go instead ("nothing silently dropped": a field a backend cannot honour is an error, never
 * ignored quietly).
 *
 * - `InvalidSpec`: the spec is malformed or breaks a validation rule, or a file it names is
 *   missing or malformed (a conda file, a local input). No backend can run it as written.
 * - `Unsupported`: the spec is valid, but this backend cannot honour some of its fields.
 *
 * Nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import type { Validation } from "@estimator/core"
import { type Cause, Data } from "effect"
import type { BackendName } from "./Backend.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * A `Validation.Issue` plus the backends that can honour the field (empty when none can, e.g. for
 * a validation error).
 *
 * @category models
 * @since 0.1.0
 */
export interface PlanIssue extends Validation.Issue {
  readonly backends: ReadonlyArray<BackendName>
}

/**
 * The fields of every plan error.
 *
 * @category models
 * @since 0.1.0
 */
export interface PlanErrorFields {
  /** The backend that was asked to plan. */
  readonly backend: BackendName
  /** The errors, all of them. */
  readonly issues: ReadonlyArray<PlanIssue>
  /** Warnings found before planning stopped (validation warnings, ...). */
  readonly warnings: ReadonlyArray<Validation.Issue>
}

const render = (headline: string, fields: PlanErrorFields): string =>
  [headline, ...fields.issues.map(formatIssue)].join("\n")

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * `Data.TaggedError(tag)` without a stack trace: a plan error is an answer about the spec, not a
 * fault in the program, so its stack would say nothing — and capturing it is most of the cost of
 * a refusal. The limit is restored at once. The fields are set one by one, in the order
 * `Data.TaggedError` gives them, which costs half as much as its copy of an argument object.
 */
const StacklessError = <Tag extends string>(
  tag: Tag
): new(fields: PlanErrorFields) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<PlanErrorFields> => {
  class PlanErrorOf extends (Data.Error as unknown as new() => Cause.YieldableError) {
    declare readonly backend: BackendName
    declare readonly issues: ReadonlyArray<PlanIssue>
    declare readonly warnings: ReadonlyArray<Validation.Issue>
    declare readonly _tag: Tag
    constructor(fields: PlanErrorFields) {
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      try {
        super()
      } finally {
        Error.stackTraceLimit = limit
      }
      this.backend = fields.backend
      this.issues = fields.issues
      this.warnings = fields.warnings
      this._tag = tag
    }
  }
  // As `Data.TaggedError` does: the tag names the error in its stack and in logs.
  PlanErrorOf.prototype.name = tag
  return PlanErrorOf
}

/**
 * The spec cannot be planned as written by any backend: a decode error, a validation error, or a
 * file it names that is missing or malformed.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidSpec extends StacklessError("InvalidSpec") {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return render(
      `The spec is not valid (${count(this.issues.length)}), so the ${this.backend} backend cannot plan it:`,
      this
    )
  }
}

/**
 * The spec is valid but this backend cannot honour some of its fields; each issue names the
 * backends that can.
 *
 * @category errors
 * @since 0.1.0
 */
export class Unsupported extends StacklessError("Unsupported") {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return render(`The ${this.backend} backend cannot honour ${count(this.issues.length, "field")} of this spec:`, this)
  }
}

/**
 * @category errors
 * @since 0.1.0
 */
export type PlanError = InvalidSpec | Unsupported

// -------------------------------------------------------------------------------------
// guards
// -------------------------------------------------------------------------------------

/**
 * @category guards
 * @since 0.1.0
 */
export const isPlanError = (u: unknown): u is PlanError => u instanceof InvalidSpec || u instanceof Unsupported

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A plan issue from a validation issue and the backends that can honour its field.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromIssue = (issue: Validation.Issue, backends: ReadonlyArray<BackendName> = []): PlanIssue => ({
  ...issue,
  backends
})

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

function count(n: number, noun = "issue"): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`
}

/**
 * One issue for a human: `- error nodeCount [code]: message`, the hint, and the backends that can
 * honour the field.
 *
 * @category accessors
 * @since 0.1.0
 */
export const formatIssue = (issue: PlanIssue): string =>
  [
    `- ${issue.severity} ${issue.path === "" ? "(spec)" : issue.path} [${issue.code}]: ${issue.message}`,
    ...(issue.hint === undefined ? [] : [`  fix: ${issue.hint}`]),
    ...(issue.backends.length === 0 ? [] : [`  backends that can: ${issue.backends.join(", ")}`])
  ].join("\n")

/**
 * The error as plain JSON data (for `estimator plan --format json` and run records).
 *
 * @category accessors
 * @since 0.1.0
 */
export const toJson = (error: PlanError): {
  readonly _tag: PlanError["_tag"]
  readonly backend: BackendName
  readonly message: string
  readonly issues: ReadonlyArray<PlanIssue>
  readonly warnings: ReadonlyArray<Validation.Issue>
} => ({
  _tag: error._tag,
  backend: error.backend,
  message: error.message,
  issues: error.issues,
  warnings: error.warnings
})
