import { describe, expect, it } from "vitest"
import * as Io from "../src/Io.js"

describe("Io.colourEnabled", () => {
  it("colours only a terminal, and never when NO_COLOR is set", () => {
    expect(Io.colourEnabled(true, {})).toBe(true)
    expect(Io.colourEnabled(false, {})).toBe(false)
    expect(Io.colourEnabled(undefined, {})).toBe(false)
    expect(Io.colourEnabled(true, { NO_COLOR: "1" })).toBe(false)
    // https://no-color.org: an empty NO_COLOR does not count as set.
    expect(Io.colourEnabled(true, { NO_COLOR: "" })).toBe(true)
  })
})
