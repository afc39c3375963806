import { HttpClient, HttpClientError, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Layer, Redacted, TestClock } from "effect"
import * as fc from "fast-check"
import * as AzureMlClient from "../src/AzureMlClient.js"
import * as follow from "../src/internal/azuremlFollow.js"
import * as http from "../src/internal/azuremlHttp.js"
import * as azuremlRun from "../src/internal/azuremlRun.js"
import * as upload from "../src/internal/azuremlUpload.js"

// -------------------------------------------------------------------------------------
// a scripted HttpClient: each request gets the next answer
// -------------------------------------------------------------------------------------

type Scripted =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: unknown }
  | "reset"
  | "hang"

interface Sent {
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
  readonly at: number
}

const scripted = (answers: ReadonlyArray<Scripted>) => {
  const sent: Array<Sent> = []
  let index = 0
  const client = HttpClient.make((request) =>
    Effect.gen(function*() {
      const now = yield* TestClock.currentTimeMillis
      sent.push({ method: request.method, url: request.url, authorization: request.headers["authorization"], at: now })
      const answer = answers[Math.min(index++, answers.length - 1)]!
      if (answer === "reset") {
        return yield* Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) }))
      }
      if (answer === "hang") return yield* Effect.never
      const body = answer.body === undefined ? null : JSON.stringify(answer.body)
      return HttpClientResponse.fromWeb(request, new Response(body, { status: answer.status, headers: answer.headers ?? {} }))
    }))
  return { sent, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

const TOKEN = "unit-token-7a1b2c3d4e5f"

const clientWith = (answers: ReadonlyArray<Scripted>, options: AzureMlClient.Options = {}) => {
  const script = scripted(answers)
  const client = AzureMlClient.make({ endpoint: "https://arm.test", ...options }).pipe(
    Effect.provide(Layer.merge(script.layer, AzureMlClient.layerStaticToken(TOKEN)))
  )
  return { sent: script.sent, client }
}

const ARM_ERROR = (code: string, message: string) => ({ error: { code, message, target: "properties.command" } })

describe("AzureMlClient: retries", () => {
  it.effect("honours Retry-After (seconds) and retry-after-ms exactly, then succeeds", () =>
    Effect.gen(function*() {
      const { sent, client } = clientWith([
        { status: 429, headers: { "retry-after": "7" }, body: ARM_ERROR("TooManyRequests", "slow down") },
        { status: 503, headers: { "retry-after-ms": "1500" } },
        { status: 200, body: { id: "x" } }
      ])
      const c = yield* client
      const fiber = yield* Effect.fork(c.send({ method: "GET", url: "/subscriptions/s/x", operation: "read x" }))
      yield* TestClock.adjust("6999 millis")
      expect(sent).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      expect(sent).toHaveLength(2)
      yield* TestClock.adjust("1499 millis")
      expect(sent).toHaveLength(2)
      yield* TestClock.adjust("1 millis")
      const answer = yield* Fiber.join(fiber)
      expect(answer.json).toEqual({ id: "x" })
      expect(sent.map((s) => s.at)).toEqual([0, 7000, 8500])
      expect(sent[0]?.url).toBe("https://arm.test/subscriptions/s/x?api-version=2024-04-01")
      expect(sent[0]?.authorization).toBe(`Bearer ${TOKEN}`)
    }))

  it.effect("without a hint: exponential back-off with jitter between half and all, up to maxAttempts, then an ArmError", () =>
    Effect.gen(function*() {
      const { sent, client } = clientWith([{ status: 500, body: ARM_ERROR("InternalServerError", "boom") }], {
        maxAttempts: 5,
        initialBackoffMillis: 1000,
        maxBackoffMillis: 3000
      })
      const c = yield* client
      const fiber = yield* Effect.fork(Effect.either(c.send({ method: "PUT", url: "/subscriptions/s/jobs/j", body: {}, operation: "create the job j" })))
      yield* TestClock.adjust("1 hours")
      const result = yield* Fiber.join(fiber)
      expect(sent).toHaveLength(5)
      const gaps = sent.slice(1).map((s, i) => s.at - sent[i]!.at)
      const caps = [1000, 2000, 3000, 3000]
      gaps.forEach((gap, i) => {
        expect(gap).toBeGreaterThanOrEqual(caps[i]! / 2)
        expect(gap).toBeLessThanOrEqual(caps[i]!)
      })
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("ArmError")
        expect(result.left.message).toContain("after 5 attempts")
        expect(result.left.message).toContain("InternalServerError")
      }
    }))

  it.effect("connection resets and timeouts are retried; the last one is a TransportError naming the endpoint variable", () =>
    Effect.gen(function*() {
      const { sent, client } = clientWith(["reset", "hang", "reset"], { maxAttempts: 3, requestTimeoutMillis: 10_000, initialBackoffMillis: 10 })
      const c = yield* client
      const fiber = yield* Effect.fork(Effect.either(c.send({ method: "GET", url: "/subscriptions/s", operation: "read the workspace" })))
      yield* TestClock.adjust("1 minutes")
      const result = yield* Fiber.join(fiber)
      expect(sent).toHaveLength(3)
      expect(Either.isLeft(result) && result.left._tag).toBe("TransportError")
      if (Either.isLeft(result)) {
        expect(result.left.message).toContain("after 3 attempts")
        expect(result.left.message).toContain(AzureMlClient.ENDPOINT_VARIABLE)
      }
    }))

  it.effect("a 400 is not retried; 401 asks to log in; 403 names the role; 501 is not retried", () =>
    Effect.gen(function*() {
      for (const [status, tag, text] of [
        [400, "ArmError", "fix it in the spec"],
        [401, "AuthenticationError", "az login"],
        [403, "ArmError", "AzureML Data Scientist"],
        [501, "ArmError", "HTTP 501"]
      ] as const) {
        const { sent, client } = clientWith([{ status, body: ARM_ERROR(`Code${status}`, "refused") }, { status: 200 }])
        const c = yield* client
        const result = yield* Effect.either(c.send({ method: "GET", url: "/subscriptions/s", operation: "read it" }))
        expect(sent).toHaveLength(1)
        expect(Either.isLeft(result) && result.left._tag).toBe(tag)
        if (Either.isLeft(result)) {
          expect(result.left.message).toContain(text)
          expect(result.left.message).not.toContain(TOKEN)
        }
      }
      const { client } = clientWith([{ status: 409, body: ARM_ERROR("UserError", "exists") }])
      const conflict = yield* Effect.flip(Effect.flatMap(client, (c) => c.send({ method: "PUT", url: "/subscriptions/s/jobs/j", body: {}, operation: "create the job j" })))
      expect(conflict._tag === "ArmError" && conflict.target).toBe("properties.command")
    }))

  it("absolute URLs keep their query and get no api-version; auth none sends no token", async () => {
    const { sent, client } = clientWith([{ status: 200, body: "ok" }])
    await Effect.runPromise(Effect.flatMap(client, (c) =>
      c.send({ method: "GET", url: "https://logs.test/a/std_log.txt?sv=1&sig=abc", auth: "none", operation: "download" })))
    expect(sent[0]).toMatchObject({ url: "https://logs.test/a/std_log.txt?sv=1&sig=abc", authorization: undefined })
  })
})

describe("azureml rules (pure)", () => {
  it("retryable statuses are 408, 429, 500, 502-504 and from 506", () => {
    const retried = [400, 401, 403, 404, 408, 409, 429, 500, 501, 502, 503, 504, 505, 506, 599].filter(http.isRetryableStatus)
    expect(retried).toEqual([408, 429, 500, 502, 503, 504, 506, 599])
  })

  it("Retry-After: milliseconds headers first, then seconds or an HTTP date", () => {
    expect(http.retryAfterMillis({ "Retry-After": "3", "retry-after-ms": "250" }, 0)).toBe(250)
    expect(http.retryAfterMillis({ "x-ms-retry-after-ms": "40" }, 0)).toBe(40)
    expect(http.retryAfterMillis({ "retry-after": "2" }, 0)).toBe(2000)
    expect(http.retryAfterMillis({ "retry-after": new Date(10_000).toUTCString() }, 4_000)).toBe(6_000)
    expect(http.retryAfterMillis({ "retry-after": "soon" }, 0)).toBeUndefined()
    expect(http.retryAfterMillis({}, 0)).toBeUndefined()
  })

  it("back-off is within [half, all] of min(max, initial·2^(n-1)) and the server's hint is capped", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (retry, jitter) => {
      const cap = Math.min(60_000, 800 * 2 ** (retry - 1))
      const delay = http.backoffMillis({ initialMillis: 800, maxMillis: 60_000 }, retry, jitter)
      return delay >= Math.floor(cap / 2) && delay <= cap
    }))
    expect(http.nextDelayMillis({ initialMillis: 1, maxMillis: 2 }, 1, 0, 900_000, 600_000)).toBe(600_000)
  })

  it("ARM error bodies are read; other text is kept short", () => {
    expect(http.parseArmError(409, JSON.stringify({ error: { code: "Conflict", message: "no", target: "x" } }))).toEqual({ code: "Conflict", message: "no", target: "x" })
    expect(http.parseArmError(502, "<html>bad gateway</html>")).toEqual({ code: "HTTP502", message: "<html>bad gateway</html>" })
  })

  it("scrub removes SAS signatures, bearer tokens and account keys from messages", () => {
    const text = "GET https://a.blob/c/b?sv=2021&sig=SECRETSIG&se=2030 Authorization: Bearer eyJ.abc.def AccountKey=KEY123=="
    const scrubbed = http.scrub(text)
    for (const secret of ["SECRETSIG", "eyJ.abc.def", "KEY123"]) expect(scrubbed).not.toContain(secret)
    expect(scrubbed).toContain("https://a.blob/c/b?sv=")
  })

  it("statuses map to the project's vocabulary; Unknown keeps the last", () => {
    expect(["NotStarted", "Starting", "Provisioning", "Preparing", "Queued", "Running", "Finalizing", "CancelRequested", "Completed", "Failed", "Canceled", "NotResponding", "Paused", "Unknown"].map(follow.toStatus)).toEqual(
      ["NotStarted", "Preparing", "Preparing", "Preparing", "Queued", "Running", "Finalizing", "CancelRequested", "Completed", "Failed", "Canceled", "NotResponding", "NotResponding", undefined]
    )
  })

  it("polling starts at the minimum, never leaves [min, max], never decreases, and reaches the maximum after minutes", () => {
    const polling = { minMillis: 2000, maxMillis: 60_000 }
    expect(follow.pollIntervalMillis(polling, 0)).toBe(2000)
    expect(follow.pollIntervalMillis(polling, 20_000)).toBe(2000)
    // 60 / (1 + 100·e^-3) s
    expect(follow.pollIntervalMillis(polling, 60_000)).toBe(Math.round(60_000 / (1 + 100 * Math.exp(-3))))
    expect(follow.pollIntervalMillis(polling, 600_000)).toBeGreaterThan(59_000)
    fc.assert(fc.property(fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: 0, max: 100_000 }), (t, dt) => {
      const a = follow.pollIntervalMillis(polling, t)
      const b = follow.pollIntervalMillis(polling, t + dt)
      return a >= 2000 && a <= 60_000 && b >= a
    }))
  })

  it("log files: rank 0 of the common runtime, else the legacy ones", () => {
    expect(follow.selectLogFiles(["user_logs/std_log_process_1.txt", "user_logs/std_log_process_0.txt", "system_logs/x.txt"])).toEqual(["user_logs/std_log_process_0.txt"])
    expect(follow.selectLogFiles(["user_logs/std_log.txt"])).toEqual(["user_logs/std_log.txt"])
    expect(follow.selectLogFiles(["azureml-logs/70_driver_log.txt", "azureml-logs/55_azureml-execution.txt", "logs/x.txt"])).toEqual(["azureml-logs/55_azureml-execution.txt", "azureml-logs/70_driver_log.txt"])
  })

  it("newLines: re-reading a growing log yields every line exactly once, in order", () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[a-z ]{0,6}$/), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), (lines, cuts) => {
      const full = lines.map((line) => `${line}\n`).join("")
      const points = [...cuts.map((cut) => (full.length === 0 ? 0 : cut % (full.length + 1))).sort((a, b) => a - b), full.length]
      let printed = 0
      const out: Array<string> = []
      points.forEach((point, index) => {
        const step = follow.newLines(full.slice(0, point), printed, index === points.length - 1)
        printed = step.printed
        out.push(...step.lines)
      })
      expect(out).toEqual(lines)
    }))
    expect(follow.newLines("a\nb", 0, false).lines).toEqual(["a"])
    expect(follow.newLines("a\nb", 1, true).lines).toEqual(["b"])
  })

  it("fill replaces only placeholders, with each upload's own storage", () => {
    const uploads = new Map([
      ["{snapshotHash}", { hash: "H1", storage: { account: "acct1", container: "c1" } }],
      ["{buildContextHash}", { hash: "H2", storage: { account: "acct2", container: "c2" } }]
    ])
    const body = {
      code: "https://{storageAccount}.blob.core.windows.net/{storageContainer}/LocalUpload/{snapshotHash}/src",
      build: ["https://{storageAccount}.blob.core.windows.net/{storageContainer}/LocalUpload/{buildContextHash}/ctx/"],
      other: "{storageAccount} stays here",
      n: 3
    }
    expect(azuremlRun.fill(body, uploads)).toEqual({
      code: "https://acct1.blob.core.windows.net/c1/LocalUpload/H1/src",
      build: ["https://acct2.blob.core.windows.net/c2/LocalUpload/H2/ctx/"],
      other: "{storageAccount} stays here",
      n: 3
    })
  })

  it("account URLs: virtual-host style for a DNS suffix, path style for an IP, localhost or host:port", () => {
    expect(upload.accountUrl("https", "core.windows.net", "acct")).toBe("https://acct.blob.core.windows.net")
    expect(upload.accountUrl("http", "127.0.0.1:10000", "devstoreaccount1")).toBe("http://127.0.0.1:10000/devstoreaccount1")
    expect(upload.accountUrl("http", "localhost", "a")).toBe("http://localhost/a")
  })

  it("a static token is served as a Redacted value", async () => {
    const token = await Effect.runPromise(Effect.flatMap(AzureMlClient.TokenProvider, (p) => p.getToken("s")).pipe(Effect.provide(AzureMlClient.layerStaticToken("abc"))))
    expect(Redacted.value(token.token)).toBe("abc")
    expect(String(token.token)).not.toContain("abc")
  })
})
