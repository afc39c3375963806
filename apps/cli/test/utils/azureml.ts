/**
 * The Azure ML workspace emulator and Azurite of `@estimator/submit`'s tests, for running the
 * `estimator` binary against them. They live in packages/submit/test, outside this project's
 * TypeScript root, so they are imported at run time by path (vitest compiles them) and typed here
 * by the little the CLI tests use.
 */
import * as path from "node:path"
import { repoRoot } from "./cli.js"

export interface Azurite {
  readonly blobEndpoint: string
  readonly accountName: string
  readonly accountKey: string
  readonly close: () => Promise<void>
}

export interface JobView {
  readonly name: string
  readonly status: string
  readonly history: ReadonlyArray<string>
  readonly request: unknown
}

export interface Emulator {
  readonly url: string
  readonly workspace: { readonly subscriptionId: string; readonly resourceGroup: string; readonly workspace: string }
  readonly state: {
    readonly violations: ReadonlyArray<unknown>
    readonly responseViolations: ReadonlyArray<unknown>
    readonly unhandled: ReadonlyArray<unknown>
    readonly job: (name: string) => JobView | undefined
    readonly jobNames: () => ReadonlyArray<string>
  }
  readonly close: () => Promise<void>
}

/** The emulator's options the CLI tests use (see packages/submit/test/emulator/workspace.ts). */
export interface EmulatorOptions {
  /** The statuses a job goes through, the first answered by the PUT. */
  readonly lifecycle?: () => ReadonlyArray<string>
  /** How jobs move on: a step every N status reads, or every N ms. */
  readonly advance?: { readonly pollsPerStep: number } | { readonly msPerStep: number }
  /** Steps from a cancel request to `Canceled`. */
  readonly cancelSteps?: number
  /** `Retry-After` of the cancel operation, in seconds. */
  readonly lroRetryAfterSeconds?: number
}

interface EmulatorModule {
  readonly startEmulator: (
    options: EmulatorOptions & { readonly storage?: { readonly blobEndpoint: string; readonly accountName: string; readonly accountKey: string } }
  ) => Promise<Emulator>
}

interface AzuriteModule {
  readonly startAzurite: () => Promise<Azurite>
}

const emulatorFolder = path.join(repoRoot, "packages", "submit", "test", "emulator")

// A path in a variable: tsc does not follow it into the other project; vitest loads it.
const load = <A>(file: string): Promise<A> => import(path.join(emulatorFolder, file)) as Promise<A>

/** Azurite's blob service and a workspace emulator whose default datastore is that account. */
export const startWorkspace = async (options: EmulatorOptions = {}): Promise<{ readonly azurite: Azurite; readonly emulator: Emulator; readonly close: () => Promise<void> }> => {
  const [{ startAzurite }, { startEmulator }] = await Promise.all([load<AzuriteModule>("azurite.ts"), load<EmulatorModule>("workspace.ts")])
  const azurite = await startAzurite()
  try {
    const emulator = await startEmulator({ ...options, storage: azurite })
    return {
      azurite,
      emulator,
      close: async () => {
        await emulator.close()
        await azurite.close()
      }
    }
  } catch (error) {
    await azurite.close()
    throw error
  }
}

/** A token the emulator accepts; the binary must never print it. */
export const TOKEN = "cli-canary-token-8d2e4f6a0b1c"

/** The environment that points the binary at the emulator, with a workspace and a static token. */
export const environmentFor = (emulator: Emulator): { readonly [name: string]: string } => ({
  ESTIMATOR_AZUREML_ENDPOINT: emulator.url,
  ESTIMATOR_AZUREML_TOKEN: TOKEN,
  AZUREML_SUBSCRIPTION_ID: emulator.workspace.subscriptionId,
  AZUREML_RESOURCE_GROUP: emulator.workspace.resourceGroup,
  AZUREML_WORKSPACE_NAME: emulator.workspace.workspace,
  NO_COLOR: "1"
})
