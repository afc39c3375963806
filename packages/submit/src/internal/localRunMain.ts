/**
 * Entry point of the local run supervisor (see `localRun.ts`): `node localRunMain.js`, with the
 * job as JSON on standard input. Whatever goes wrong is recorded as the run's `Failed` status.
 *
 * @internal
 */
import { readStdin, supervise, type Job } from "./localRun.js"

const main = async (): Promise<void> => {
  const job = JSON.parse(await readStdin()) as Job
  const failure = await supervise(job)
  if (failure !== undefined) {
    process.stderr.write(`${failure}\n`)
    process.exitCode = 1
  }
}

void main().then(() => process.exit())
