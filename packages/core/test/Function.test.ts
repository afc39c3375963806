import { describe, expect, it } from "vitest"
import * as fc from "fast-check"
import * as Function from "../src/Function.js"

describe("Function.memoizeString", () => {
  it("gives f's result for every key, computing each key once while it is kept", () => {
    fc.assert(fc.property(fc.array(fc.string(), { maxLength: 50 }), (keys) => {
      const calls = new Map<string, number>()
      const f = (key: string) => {
        calls.set(key, (calls.get(key) ?? 0) + 1)
        return `${key.length}:${key}`
      }
      const memoized = Function.memoizeString(f)
      for (const key of [...keys, ...keys]) expect(memoized(key)).toBe(`${key.length}:${key}`)
      for (const count of calls.values()) expect(count).toBe(1)
    }))
  })

  it("keeps the last `size` keys only: the oldest is computed again", () => {
    let calls = 0
    const memoized = Function.memoizeString((key: string) => {
      calls++
      return key.toUpperCase()
    }, 2)
    memoized("a")
    memoized("b")
    memoized("c") // "a" goes out
    expect(calls).toBe(3)
    memoized("b")
    memoized("c")
    expect(calls).toBe(3)
    expect(memoized("a")).toBe("A")
    expect(calls).toBe(4)
  })

  it("does not keep a key over 16 KiB", () => {
    let calls = 0
    const memoized = Function.memoizeString((key: string) => {
      calls++
      return key.length
    })
    const long = "x".repeat(16_385)
    expect(memoized(long)).toBe(16_385)
    expect(memoized(long)).toBe(16_385)
    expect(calls).toBe(2)
  })
})

describe("Function.stringCache", () => {
  it("computes a key once, and each cache is its own", () => {
    const first = Function.stringCache<number>()
    const second = Function.stringCache<number>()
    expect(first("k", () => 1)).toBe(1)
    expect(first("k", () => 2)).toBe(1)
    expect(second("k", () => 3)).toBe(3)
  })
})
