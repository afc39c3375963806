/**
 * The `estimator` executable: runs {@link Cli.run} on the process's arguments with the Node
 * file system, and exits with the command's exit code (130 when interrupted by Ctrl-C). The only
 * place that runs an Effect.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Cli from "./Cli.js"
import * as Io from "./Io.js"

const layer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, Io.layerNode)

NodeRuntime.runMain(Cli.run(process.argv.slice(2)).pipe(Effect.provide(layer)), {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    onExit(
      Exit.isSuccess(exit) && typeof exit.value === "number"
        ? exit.value
        : Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
        ? 130
        : 1
    )
})
