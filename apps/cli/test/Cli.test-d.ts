import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import type * as Effect from "effect/Effect"
import { describe, expectTypeOf, it } from "vitest"
import * as Args from "../src/Args.js"
import * as Cli from "../src/Cli.js"
import type { Io } from "../src/Io.js"

describe("Cli", () => {
  it("run never fails and needs only the terminal, a file system and paths", () => {
    expectTypeOf(Cli.run).returns.toEqualTypeOf<Effect.Effect<Cli.ExitCode, never, Io | FileSystem.FileSystem | Path.Path>>()
  })

  it("exit codes are the four documented numbers", () => {
    expectTypeOf<Cli.ExitCode>().toEqualTypeOf<0 | 1 | 2 | 130>()
  })
})

describe("Args", () => {
  it("an invocation narrows by _tag to its own fields", () => {
    const parsed = Args.parse([])
    if (parsed._tag === "Ok" && parsed.invocation._tag === "Plan") {
      expectTypeOf(parsed.invocation.backend).toEqualTypeOf<"dry-run" | "local" | "docker" | "azureml">()
      expectTypeOf(parsed.invocation.format).toEqualTypeOf<"text" | "json">()
      expectTypeOf(parsed.invocation.workspace).toEqualTypeOf<string | undefined>()
    }
    if (parsed._tag === "Ok" && parsed.invocation._tag === "Import") {
      expectTypeOf(parsed.invocation.from).toEqualTypeOf<"azureml-yaml" | "v1">()
      expectTypeOf(parsed.invocation.json).toEqualTypeOf<boolean>()
    }
    if (parsed._tag === "Ok" && parsed.invocation._tag === "Run") {
      expectTypeOf(parsed.invocation.backend).toEqualTypeOf<"local" | "docker" | "azureml">()
      expectTypeOf(parsed.invocation.workspace).toEqualTypeOf<string | undefined>()
      expectTypeOf(parsed.invocation.detach).toEqualTypeOf<boolean>()
    }
  })

  it("command names are the keys of the command table", () => {
    expectTypeOf<Args.CommandName>().toEqualTypeOf<
      "validate" | "plan" | "run" | "status" | "logs" | "cancel" | "runs" | "export" | "import" | "schema"
    >()
    // @ts-expect-error -- there is no such command
    Args.help("submit")
  })
})
