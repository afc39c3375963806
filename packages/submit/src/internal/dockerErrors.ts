/**
 * The errors of running a docker plan (re-exported by `Docker`): the engine refused a request,
 * an image is missing, a build failed. `Backend.EngineUnavailable` (the engine cannot be
 * reached) and the run store's errors (`RunStore.RunError`) complete the set.
 *
 * @internal
 */
import { Data } from "effect"
import type { EngineUnavailable } from "../Backend.js"
import type * as RunStore from "../RunStore.js"

/** @internal */
export class EngineError extends Data.TaggedError("EngineError")<{
  /** What was asked, e.g. `create container estimator-…`. */
  readonly operation: string
  readonly statusCode?: number
  readonly reason: string
}> {
  override get message(): string {
    return `The Docker engine refused to ${this.operation}${this.statusCode === undefined ? "" : ` (HTTP ${this.statusCode})`}: ${this.reason}.`
  }
}

/** @internal */
export class ImageUnavailable extends Data.TaggedError("ImageUnavailable")<{
  readonly image: string
  readonly reason: string
  readonly hint: string
}> {
  override get message(): string {
    return `The image ${this.image} is not present and no registry is reachable (${this.reason}): ${this.hint}`
  }
}

/** @internal */
export class BuildFailed extends Data.TaggedError("BuildFailed")<{
  readonly tag: string
  readonly reason: string
  /** The last lines of the build log. */
  readonly tail: ReadonlyArray<string>
  /** Where the whole build log is. */
  readonly log: string
}> {
  override get message(): string {
    return `The image ${this.tag} could not be built: ${this.reason}. Last lines of the build log (${this.log}):\n${this.tail.map((line) => `  ${line}`).join("\n")}`
  }
}

/**
 * Everything running a docker plan can fail with.
 *
 * @internal
 */
export type RunError = RunStore.RunError | EngineUnavailable | EngineError | ImageUnavailable | BuildFailed
