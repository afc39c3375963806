import { Secret } from "@estimator/core"
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as Redact from "../src/Redact.js"

const R = Secret.REDACTED

describe("Redact.string", () => {
  it("replaces every occurrence of every value", () => {
    const redactor = Redact.make(["hunter2", "s3cr3t"])
    expect(Redact.string(redactor, "login hunter2 then hunter2; key=s3cr3t.")).toBe(`login ${R} then ${R}; key=${R}.`)
    expect(Redact.string(redactor, "nothing to hide")).toBe("nothing to hide")
  })

  it("overlapping and nested values are replaced as one span, never half", () => {
    expect(Redact.string(Redact.make(["abc", "bcd"]), "xabcdx")).toBe(`x${R}x`)
    expect(Redact.string(Redact.make(["token", "token-long"]), "a token-long b token c")).toBe(`a ${R} b ${R} c`)
  })

  it("a multi-line value is also hidden line by line (logs are read a line at a time)", () => {
    const redactor = Redact.make(["-----BEGIN KEY-----\nAAAABBBB\n-----END KEY-----\n"])
    expect(Redact.string(redactor, "line: AAAABBBB")).toBe(`line: ${R}`)
    expect(Redact.string(redactor, "-----BEGIN KEY-----\nAAAABBBB\n-----END KEY-----\n")).toBe(R)
  })

  it("empty values are ignored (they would match everywhere)", () => {
    expect(Redact.make(["", "x"]).values).toEqual(["x"])
    expect(Redact.string(Redact.empty, "anything")).toBe("anything")
  })

  it("leaks says whether a value is still visible", () => {
    const redactor = Redact.make(["hunter2"])
    expect(Redact.leaks(redactor, "a hunter2")).toBe(true)
    expect(Redact.leaks(redactor, Redact.string(redactor, "a hunter2"))).toBe(false)
  })

  const secretValue = fc.string({ minLength: 1, maxLength: 12 }).filter((value) => !R.includes(value) && !value.includes("\n") && !value.includes("\r"))

  it.prop("no value survives, whatever surrounds it", [fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }), secretValue], ([pieces, value]) => {
    const redactor = Redact.make([value])
    const text = pieces.join(value)
    const redacted = Redact.string(redactor, text)
    expect(redacted.includes(value)).toBe(false)
    expect(Redact.string(redactor, redacted)).toBe(redacted)
  })

  it("a value the marker and the text beside it would spell is hidden too", () => {
    // `<redacted>` followed by the text's own `\\` would show the value `>\\` again.
    expect(Redact.string(Redact.make([">\\"]), ">\\\\")).toBe(R)
    expect(Redact.string(Redact.make(["d>x"]), "d>xx")).toBe(R)
    expect(Redact.string(Redact.make(["x<r"]), "xx<r")).toBe(R)
    expect(Redact.string(Redact.make(["d>a", "zz"]), "zzazz")).toBe(R)
    expect(Redact.string(Redact.make(["d>a", "zz"]), "zz>azz")).toBe(`${R}>a${R}`)
    expect(Redact.string(Redact.make(["ab>"]), "kab> ab>")).toBe(`k${R} ${R}`)
  })

  it("a value the marker itself spells ends the redaction (the marker cannot hide it)", () => {
    // "redact" is in "<redacted>": each occurrence is replaced once, and the result is given back.
    expect(Redact.string(Redact.make(["redact"]), "a redact b")).toBe(`a ${R} b`)
    expect(Redact.string(Redact.make(["redact", "d>x"]), "redact d>xx")).toBe(`${R} ${R}`)
  })

  // Values made of a piece of the marker and other text, so that markers and text meet often.
  const nearMarker = fc.tuple(fc.integer({ min: 0, max: R.length }), fc.integer({ min: 0, max: R.length }), fc.string({ maxLength: 3 }), fc.boolean())
    .map(([a, b, rest, before]) => (before ? rest + R.slice(Math.min(a, b), Math.max(a, b)) : R.slice(Math.min(a, b), Math.max(a, b)) + rest))
    .filter((value) => value !== "")

  it.prop("no value survives beside a marker either (and redaction ends, even for values inside the marker)", [fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom(...R)), { maxLength: 6 }), fc.array(nearMarker, { minLength: 1, maxLength: 3 })], ([pieces, values]) => {
    const redactor = Redact.make(values)
    const text = pieces.join(values[0])
    const redacted = Redact.string(redactor, text)
    // A value inside the marker itself stays visible there (it is no secret a marker can hide).
    for (const value of values) if (!R.includes(value)) expect(redacted.includes(value)).toBe(false)
    if (values.every((value) => !R.includes(value))) expect(Redact.string(redactor, redacted)).toBe(redacted)
  }, { fastCheck: { numRuns: 2000 } })

  it.prop("text without the value is unchanged", [fc.string({ maxLength: 30 }), secretValue], ([text, value]) => {
    fc.pre(!text.includes(value))
    expect(Redact.string(Redact.make([value]), text)).toBe(text)
  })
})

describe("Redact.json and Redact.error", () => {
  it("redacts strings at any depth, object keys included, and leaves the input alone", () => {
    const redactor = Redact.make(["hunter2"])
    const record = { env: { TOKEN: "hunter2", hunter2: "key" }, argv: ["--password", "hunter2"], exitCode: 1, ok: null }
    const redacted = Redact.json(redactor, record)
    expect(redacted).toEqual({ env: { TOKEN: R, [R]: "key" }, argv: ["--password", R], exitCode: 1, ok: null })
    expect(record.env.TOKEN).toBe("hunter2")
  })

  it("an error's message, stack and own fields are redacted", () => {
    const redactor = Redact.make(["hunter2"])
    const cause = Object.assign(new Error("auth failed for hunter2"), { request: "Authorization: hunter2" })
    const redacted = Redact.error(redactor, cause)
    expect(redacted.message).toBe(`auth failed for ${R}`)
    expect(redacted["request"]).toBe(`Authorization: ${R}`)
    expect(JSON.stringify(redacted)).not.toContain("hunter2")
    expect(Redact.error(redactor, "plain hunter2").message).toBe(`plain ${R}`)
    expect(Redact.error(redactor, { detail: "hunter2" }).message).toBe(`{"detail":"${R}"}`)
  })
})
