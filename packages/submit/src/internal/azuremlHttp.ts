/**
 * The pure rules of the Azure ML HTTP client: which answers are retried, how long to wait before
 * the next attempt (`Retry-After`, `retry-after-ms`, exponential back-off with jitter), how an ARM
 * error body reads, and what to tell the user for each kind of refusal.
 *
 * @internal
 */

/** @internal */
export interface Backoff {
  readonly initialMillis: number
  readonly maxMillis: number
}

/**
 * Whether an HTTP status is worth another attempt: 408, 429, 500, 502, 503, 504 and anything from
 * 506 (not 501 Not Implemented nor 505 HTTP Version Not Supported), as azure-core does.
 *
 * @internal
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504 || status >= 506

const header = (headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined => {
  const direct = headers[name]
  if (direct !== undefined) return direct
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value
  return undefined
}

/**
 * The wait the server asks for, in milliseconds: `retry-after-ms` or `x-ms-retry-after-ms`
 * (milliseconds), else `Retry-After` (seconds, or an HTTP date relative to `nowMillis`).
 * `undefined` when there is none or it cannot be read.
 *
 * @internal
 */
export const retryAfterMillis = (headers: Readonly<Record<string, string | undefined>>, nowMillis: number): number | undefined => {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = header(headers, name)
    if (value !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Math.round(Number(value)))
  }
  const value = header(headers, "retry-after")
  if (value === undefined) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Math.round(Number(value) * 1000))
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis)
}

/**
 * The back-off before retry number `retry` (1 for the first retry) without a server hint:
 * `initial × 2^(retry-1)` capped at `max`, then scaled by `jitter` (a number in [0, 1)) to between
 * half and all of it.
 *
 * @internal
 */
export const backoffMillis = (backoff: Backoff, retry: number, jitter: number): number => {
  const exponential = Math.min(backoff.maxMillis, backoff.initialMillis * 2 ** Math.max(0, retry - 1))
  return Math.round(exponential * (0.5 + 0.5 * jitter))
}

/**
 * The delay before the next attempt: the server's hint (capped at `maxServerMillis`) when there
 * is one, else the jittered exponential back-off.
 *
 * @internal
 */
export const nextDelayMillis = (
  backoff: Backoff,
  retry: number,
  jitter: number,
  serverMillis: number | undefined,
  maxServerMillis: number
): number => serverMillis !== undefined ? Math.min(serverMillis, maxServerMillis) : backoffMillis(backoff, retry, jitter)

/** @internal */
export interface ArmErrorBody {
  readonly code: string
  readonly message: string
  readonly target?: string
}

/**
 * The `{ error: { code, message, target } }` of an ARM error answer, or what can be said from
 * the raw text.
 *
 * @internal
 */
export const parseArmError = (status: number, text: string): ArmErrorBody => {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === "object" && parsed !== null) {
      const error = (parsed as { error?: unknown }).error ?? parsed
      if (typeof error === "object" && error !== null) {
        const { code, message, target } = error as { code?: unknown; message?: unknown; target?: unknown }
        if (typeof code === "string" || typeof message === "string") {
          return {
            code: typeof code === "string" ? code : `HTTP${status}`,
            message: typeof message === "string" ? message : "",
            ...(typeof target === "string" && target !== "" ? { target } : {})
          }
        }
      }
    }
  } catch {
    // not JSON
  }
  const trimmed = text.trim().slice(0, 300)
  return { code: `HTTP${status}`, message: trimmed === "" ? "no details in the answer" : trimmed }
}

/** @internal */
export const LOGIN_HINT =
  "Log in: run `az login` (Azure CLI), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal) — the credential is DefaultAzureCredential from @azure/identity."

/** @internal */
export const ROLE_HINT =
  "Your identity lacks a role on the workspace: ask an owner to grant you \"AzureML Data Scientist\" (or Contributor) on it, e.g. az role assignment create --role \"AzureML Data Scientist\" --assignee <you> --scope <workspace ARM id>."

/**
 * What the user should do about a refused request, by status and ARM error code.
 *
 * @internal
 */
export const hintFor = (status: number, code: string, operation: string): string => {
  if (status === 401) return LOGIN_HINT
  if (status === 403) {
    return operation.includes("datastore")
      ? `${ROLE_HINT} Reading a datastore's credentials needs the action Microsoft.MachineLearningServices/workspaces/datastores/listsecrets/action, which both roles include.`
      : ROLE_HINT
  }
  if (status === 404) {
    return /workspace|ResourceGroupNotFound|SubscriptionNotFound/i.test(`${code}`) || operation.includes("workspace")
      ? "Check subscription_id, resource_group and workspace_name (config.json, --workspace or the AZUREML_* variables)."
      : "Check that it exists in this workspace (subscription, resource group and workspace name as configured)."
  }
  if (status === 409) {
    return "A resource with this name already exists with other settings; Azure ML assets and jobs are immutable. Give the job another name (the spec's name), or leave the name out so a fresh run id is used."
  }
  if (status === 400) return "Azure ML rejected the request's content: the message names the field; fix it in the spec, then run again."
  if (status === 429 || status === 503 || status === 502 || status === 504 || status === 500 || status === 408) {
    return "Azure ML kept refusing after every retry (throttled or unavailable); wait a few minutes and run again."
  }
  return "See the message above; if it persists, check the Azure status page for Azure Machine Learning."
}

/**
 * `url` without its query string and fragment (never print a SAS).
 *
 * @internal
 */
export const withoutQuery = (url: string): string => {
  const at = url.search(/[?#]/)
  return at === -1 ? url : url.slice(0, at)
}

/**
 * Removes SAS signatures and bearer tokens that a library put in a message.
 *
 * @internal
 */
export const scrub = (text: string): string =>
  text
    .replace(/([?&](?:sig|se|sp|sv|sr|st|spr|skoid|sktid|skt|ske|sks|skv|sip|ss|srt)=)[^&\s"']*/gi, "$1<redacted>")
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, "$1<redacted>")
    .replace(/(AccountKey=)[^;\s"']+/gi, "$1<redacted>")
