/**
 * Entry point of the local run supervisor (see `localRun.ts`): `node localRunMain.js`, with the
 * job as JSON on standard input. Whatever goes wrong is recorded as the run's `Failed` status.
 *
 * @internal
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import * as Redact from "../Redact.js"
import * as RunStore from "../RunStore.js"
import { readStdin, supervise, type Job } from "./localRun.js"

const main = async (): Promise<void> => {
  const job = JSON.parse(await readStdin()) as Job
  try {
    await supervise(job)
  } catch (cause) {
    const redactor = Redact.make(job.secrets)
    const store = RunStore.make(job.root, { redactor })
    const reason = `the supervisor failed: ${Redact.error(redactor, cause).message}`
    process.stderr.write(`${reason}\n`)
    await Effect.runPromise(Effect.provide(Effect.ignore(store.appendStatus(job.runId, "Failed", { reason })), NodeFileSystem.layer))
    process.exitCode = 1
  }
}

void main().then(() => process.exit())
