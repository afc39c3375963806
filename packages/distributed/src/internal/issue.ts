import type { Validation } from "@estimator/core"

/** @internal */
export const error = (path: string, code: string, message: string, hint?: string): Validation.Issue =>
  hint === undefined ? { path, code, message, severity: "error" } : { path, code, message, hint, severity: "error" }

/** @internal */
export const warning = (path: string, code: string, message: string, hint?: string): Validation.Issue =>
  hint === undefined ? { path, code, message, severity: "warning" } : { path, code, message, hint, severity: "warning" }
