/**
 * The HTTP client of the `azureml` backend: ARM requests (`Microsoft.MachineLearningServices`,
 * api-version `2024-04-01` — the swagger the repository keeps and the tests validate every body
 * against) and the few data-plane calls that follow a job (discovery, run history, log files), on
 * Effect's `HttpClient`.
 *
 * - **Base URL**: {@link Options.endpoint} (default `https://management.azure.com`; tests give the
 *   workspace emulator's URL). ARM paths (`/subscriptions/...`) are appended to it; absolute URLs
 *   (an LRO `Location`, a discovery URL, a log file's SAS URL) are used as they are.
 * - **Tokens** come from the {@link TokenProvider} service: {@link layerDefaultAzureCredential}
 *   uses `@azure/identity`'s `DefaultAzureCredential` (scope `https://management.azure.com/.default`;
 *   `az login`, `AZURE_*` environment variables, managed identity...), {@link layerStaticToken}
 *   serves a fixed token (tests). A token is a `Redacted` value: it is never printed or stored.
 * - **Retries**: a request is sent at most {@link Options.maxAttempts} times. It is retried on
 *   408, 429, 500, 502, 503, 504 and ≥ 506, on connection failures (reset, refused) and on its
 *   own timeout ({@link Options.requestTimeoutMillis}). The wait is the server's `retry-after-ms`
 *   / `x-ms-retry-after-ms` / `Retry-After` (capped at {@link Options.maxRetryAfterMillis}), else
 *   exponential back-off from {@link Options.initialBackoffMillis} doubling to
 *   {@link Options.maxBackoffMillis}, randomised to between half and all of it. Every request this
 *   backend sends is safe to repeat: GETs, PUTs of client-named resources (the same job name is
 *   never created twice), and POSTs that are idempotent by nature (`listSecrets`, `cancel`).
 *   Waits use Effect's `Clock` and jitter its `Random`, so `TestClock` drives them.
 * - **Errors** are tagged and say what to do: {@link AuthenticationError} (401, or no credential:
 *   log in), {@link ArmError} (the code, message and target of the ARM error, and a hint — 403
 *   names the role to ask for), {@link TransportError} (the service could not be reached).
 *
 * Nothing is logged: secrets (tokens, SAS query strings) never reach an error message.
 *
 * @since 0.1.0
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Context, Data, Duration, Effect, Layer, Random, Redacted } from "effect"
import * as http from "./internal/azuremlHttp.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The api-version of every ARM request (the swagger kept in `azureml/rest/2024-04-01`).
 *
 * @category models
 * @since 0.1.0
 */
export const API_VERSION = "2024-04-01"

/**
 * The public-cloud ARM endpoint.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_ENDPOINT = "https://management.azure.com"

/**
 * The token scope of ARM (and of Azure ML's run history).
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_SCOPE = "https://management.azure.com/.default"

/**
 * The environment variable that overrides the ARM endpoint (sovereign clouds, the emulator).
 *
 * @category models
 * @since 0.1.0
 */
export const ENDPOINT_VARIABLE = "ESTIMATOR_AZUREML_ENDPOINT"

/**
 * Options of the client; every one has a default (see {@link defaults}).
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** ARM base URL (default {@link DEFAULT_ENDPOINT}). */
  readonly endpoint?: string
  readonly apiVersion?: string
  /** Token scope for ARM and run-history calls (default {@link DEFAULT_SCOPE}). */
  readonly scope?: string
  /** Attempts per request, the first included (default 8). */
  readonly maxAttempts?: number
  /** First back-off without a server hint (default 800 ms). */
  readonly initialBackoffMillis?: number
  /** Largest back-off without a server hint (default 60 s). */
  readonly maxBackoffMillis?: number
  /** Largest wait honoured from `Retry-After` (default 600 s, the swagger's documented maximum). */
  readonly maxRetryAfterMillis?: number
  /** Timeout of one attempt, answer body included (default 100 s). */
  readonly requestTimeoutMillis?: number
}

/**
 * Options with every default filled in.
 *
 * @category models
 * @since 0.1.0
 */
export type Resolved = { readonly [K in keyof Options]-?: NonNullable<Options[K]> }

/**
 * The defaults of {@link Options}.
 *
 * @category models
 * @since 0.1.0
 */
export const defaults: Resolved = {
  endpoint: DEFAULT_ENDPOINT,
  apiVersion: API_VERSION,
  scope: DEFAULT_SCOPE,
  maxAttempts: 8,
  initialBackoffMillis: 800,
  maxBackoffMillis: 60_000,
  maxRetryAfterMillis: 600_000,
  requestTimeoutMillis: 100_000
}

/**
 * One request: `url` is an ARM path (`/subscriptions/...`, sent to the endpoint with
 * `api-version`) or an absolute URL (sent as is). `operation` says what it is for, in words
 * ("create the job"), for error messages. `auth: "none"` sends no token (SAS URLs, discovery).
 *
 * @category models
 * @since 0.1.0
 */
export interface Request {
  readonly method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD"
  readonly url: string
  readonly operation: string
  readonly query?: { readonly [name: string]: string }
  readonly body?: unknown
  readonly auth?: "bearer" | "none"
  /** Attempts for this request (default the client's). */
  readonly maxAttempts?: number
}

/**
 * A 2xx answer: status, headers (lower-case names), text and the parsed JSON (`undefined` when
 * the body is empty or not JSON).
 *
 * @category models
 * @since 0.1.0
 */
export interface Response {
  readonly status: number
  readonly headers: { readonly [name: string]: string }
  readonly text: string
  readonly json: unknown
}

/**
 * A bearer token and when it expires (epoch milliseconds, when known).
 *
 * @category models
 * @since 0.1.0
 */
export interface AccessToken {
  readonly token: Redacted.Redacted<string>
  readonly expiresOnTimestamp?: number
}

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

/**
 * No token could be had, or Azure refused it (HTTP 401).
 *
 * @category errors
 * @since 0.1.0
 */
export class AuthenticationError extends Data.TaggedError("AuthenticationError")<{
  readonly reason: string
  readonly hint: string
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `Azure authentication failed: ${this.reason}. ${this.hint}`
  }
}

/**
 * Azure ML refused a request (an ARM error answer, after every retry for retryable ones).
 *
 * @category errors
 * @since 0.1.0
 */
export class ArmError extends Data.TaggedError("ArmError")<{
  /** What the request was for, in words. */
  readonly operation: string
  readonly method: string
  /** The URL without its query. */
  readonly url: string
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly target?: string
  readonly attempts: number
  readonly hint: string
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    const target = this.target === undefined ? "" : ` (target: ${this.target})`
    const attempts = this.attempts > 1 ? ` after ${this.attempts} attempts` : ""
    return `Azure ML refused to ${this.operation}${attempts}: HTTP ${this.status} ${this.code}${target}: ${this.detail} ${this.hint}`
  }
}

/**
 * The service could not be reached (connection refused or reset, timeout, bad URL), after every
 * retry.
 *
 * @category errors
 * @since 0.1.0
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly operation: string
  readonly method: string
  readonly url: string
  readonly reason: string
  readonly attempts: number
}> {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `Azure ML could not be reached to ${this.operation} (${this.method} ${this.url}) after ${this.attempts} attempt${this.attempts === 1 ? "" : "s"}: ${this.reason}. Check the network (proxy, firewall) and the endpoint (${ENDPOINT_VARIABLE}).`
  }
}

/**
 * What a request can fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type ClientError = AuthenticationError | ArmError | TransportError

// -------------------------------------------------------------------------------------
// tags
// -------------------------------------------------------------------------------------

/**
 * Where bearer tokens come from.
 *
 * @category tags
 * @since 0.1.0
 */
export class TokenProvider extends Context.Tag("@estimator/submit/AzureMlClient/TokenProvider")<
  TokenProvider,
  { readonly getToken: (scope: string) => Effect.Effect<AccessToken, AuthenticationError> }
>() {}

/**
 * The client.
 *
 * @category models
 * @since 0.1.0
 */
export interface Client {
  readonly options: Resolved
  /** Sends a request with retries; a non-2xx final answer is an error. */
  readonly send: (request: Request) => Effect.Effect<Response, ClientError>
  /** A token for `scope` (for `@azure/storage-blob` with identity-based datastores). */
  readonly token: (scope: string) => Effect.Effect<AccessToken, AuthenticationError>
}

/**
 * The client service.
 *
 * @category tags
 * @since 0.1.0
 */
export class AzureMlClient extends Context.Tag("@estimator/submit/AzureMlClient")<AzureMlClient, Client>() {}

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/**
 * A token provider that always serves `token` (tests, or a token obtained elsewhere).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerStaticToken = (token: string | Redacted.Redacted<string>): Layer.Layer<TokenProvider> =>
  Layer.succeed(TokenProvider, {
    getToken: () => Effect.succeed({ token: Redacted.isRedacted(token) ? token : Redacted.make(token) })
  })

const describe = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "message" in cause ? String((cause as { message: unknown }).message) : String(cause)

/**
 * Tokens from `@azure/identity`'s `DefaultAzureCredential` (loaded on the first request, so
 * planning never loads it). Tokens are cached by the credential.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerDefaultAzureCredential: Layer.Layer<TokenProvider> = Layer.sync(TokenProvider, () => {
  let credential: Promise<import("@azure/identity").TokenCredential> | undefined
  const load = () =>
    (credential ??= import("@azure/identity").then((identity) => new identity.DefaultAzureCredential()))
  return {
    getToken: (scope) =>
      Effect.tryPromise({
        try: async () => (await load()).getToken(scope),
        catch: (cause) =>
          new AuthenticationError({
            reason: `no Azure credential is available (${http.scrub(describe(cause)).split("\n")[0] ?? ""})`,
            hint: http.LOGIN_HINT
          })
      }).pipe(
        Effect.flatMap((token) =>
          token === null
            ? Effect.fail(new AuthenticationError({ reason: "the credential returned no token", hint: http.LOGIN_HINT }))
            : Effect.succeed({ token: Redacted.make(token.token), expiresOnTimestamp: token.expiresOnTimestamp })
        )
      )
  }
})

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Options with defaults filled in; `endpoint` defaults to `$ESTIMATOR_AZUREML_ENDPOINT` when set.
 *
 * @category constructors
 * @since 0.1.0
 */
export const resolveOptions = (
  options: Options = {},
  environment: { readonly [name: string]: string | undefined } = process.env
): Resolved => {
  const fromEnvironment = environment[ENDPOINT_VARIABLE]
  const endpoint = options.endpoint ?? (fromEnvironment !== undefined && fromEnvironment !== "" ? fromEnvironment : DEFAULT_ENDPOINT)
  return {
    ...defaults,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
    endpoint: endpoint.replace(/\/+$/, "")
  } as Resolved
}

interface Attempt {
  readonly _tag: "Answer" | "Transport"
  readonly status: number
  readonly headers: { readonly [name: string]: string }
  readonly text: string
  readonly reason: string
}

/**
 * A client on the `HttpClient` and `TokenProvider` in context.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Client, never, HttpClient.HttpClient | TokenProvider> =>
  Effect.gen(function*() {
    const resolved = resolveOptions(options)
    const httpClient = yield* HttpClient.HttpClient
    const tokens = yield* TokenProvider

    const urlOf = (request: Request): URL => {
      const isArm = request.url.startsWith("/")
      const url = new URL(isArm ? `${resolved.endpoint}${request.url}` : request.url)
      if (isArm && !url.searchParams.has("api-version")) url.searchParams.set("api-version", resolved.apiVersion)
      for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value)
      return url
    }

    const attempt = (request: Request, url: URL): Effect.Effect<Attempt, AuthenticationError> =>
      Effect.gen(function*() {
        let outgoing = HttpClientRequest.make(request.method)(url.toString()).pipe(HttpClientRequest.acceptJson)
        if (request.auth !== "none") {
          const token = yield* tokens.getToken(resolved.scope)
          outgoing = HttpClientRequest.bearerToken(outgoing, Redacted.value(token.token))
        }
        if (request.body !== undefined) outgoing = HttpClientRequest.bodyUnsafeJson(outgoing, request.body)
        else if (request.method === "POST" || request.method === "PUT") outgoing = HttpClientRequest.setHeader(outgoing, "content-length", "0")
        const exchange = Effect.flatMap(httpClient.execute(outgoing), (response) =>
          Effect.map(response.text, (text): Attempt => ({
            _tag: "Answer",
            status: response.status,
            headers: response.headers as { readonly [name: string]: string },
            text,
            reason: ""
          })))
        return yield* exchange.pipe(
          Effect.scoped,
          Effect.timeoutFail({
            duration: Duration.millis(resolved.requestTimeoutMillis),
            onTimeout: () => `no answer within ${resolved.requestTimeoutMillis} ms`
          }),
          Effect.catchAll((error) =>
            Effect.succeed<Attempt>({
              _tag: "Transport",
              status: 0,
              headers: {},
              text: "",
              reason: typeof error === "string" ? error : http.scrub(describeHttpError(error))
            })
          )
        )
      })

    const send = (request: Request): Effect.Effect<Response, ClientError> =>
      Effect.gen(function*() {
        const url = urlOf(request)
        const printable = http.withoutQuery(url.toString())
        const maxAttempts = Math.max(1, request.maxAttempts ?? resolved.maxAttempts)
        for (let number = 1; ; number++) {
          const result = yield* attempt(request, url)
          if (result._tag === "Answer" && result.status >= 200 && result.status < 300) {
            let json: unknown
            try {
              json = result.text === "" ? undefined : JSON.parse(result.text)
            } catch {
              json = undefined
            }
            return { status: result.status, headers: result.headers, text: result.text, json }
          }
          const retryable = result._tag === "Transport" || http.isRetryableStatus(result.status)
          if (!retryable || number >= maxAttempts) {
            if (result._tag === "Transport") {
              return yield* Effect.fail(
                new TransportError({ operation: request.operation, method: request.method, url: printable, reason: result.reason, attempts: number })
              )
            }
            const body = http.parseArmError(result.status, result.text)
            if (result.status === 401) {
              return yield* Effect.fail(new AuthenticationError({
                reason: `Azure ML refused the token to ${request.operation} (HTTP 401 ${body.code}: ${http.scrub(body.message)})`,
                hint: http.LOGIN_HINT
              }))
            }
            return yield* Effect.fail(new ArmError({
              operation: request.operation,
              method: request.method,
              url: printable,
              status: result.status,
              code: body.code,
              detail: http.scrub(body.message),
              ...(body.target === undefined ? {} : { target: body.target }),
              attempts: number,
              hint: http.hintFor(result.status, body.code, request.operation)
            }))
          }
          const now = yield* Clock.currentTimeMillis
          const jitter = yield* Random.next
          const delay = http.nextDelayMillis(
            { initialMillis: resolved.initialBackoffMillis, maxMillis: resolved.maxBackoffMillis },
            number,
            jitter,
            http.retryAfterMillis(result.headers, now),
            resolved.maxRetryAfterMillis
          )
          yield* Effect.sleep(Duration.millis(delay))
        }
      })

    return { options: resolved, send, token: tokens.getToken }
  })

const describeHttpError = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    const tagged = error as { _tag: string; reason?: string; cause?: unknown; description?: string }
    const cause = tagged.cause === undefined ? "" : describeCause(tagged.cause)
    return [tagged.reason, tagged.description, cause].filter((part) => part !== undefined && part !== "").join(": ")
  }
  return describe(error)
}

const describeCause = (cause: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = cause
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const code = typeof current === "object" && "code" in current ? String((current as { code: unknown }).code) : undefined
    parts.push(code === undefined ? describe(current) : `${describe(current)} (${code})`)
    current = typeof current === "object" && "cause" in current ? (current as { cause: unknown }).cause : undefined
  }
  return parts.join(": ")
}

/**
 * The client as a layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<AzureMlClient, never, HttpClient.HttpClient | TokenProvider> =>
  Layer.effect(AzureMlClient, make(options))

/**
 * The client on `fetch` with `DefaultAzureCredential` tokens: what the CLI uses.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerDefault = (options: Options = {}): Layer.Layer<AzureMlClient> =>
  layer(options).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(layerDefaultAzureCredential))

/**
 * Whether a value is one of this module's errors.
 *
 * @category guards
 * @since 0.1.0
 */
export const isClientError = (u: unknown): u is ClientError =>
  u instanceof AuthenticationError || u instanceof ArmError || u instanceof TransportError
