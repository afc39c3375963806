/**
 * The run contract as the `local` and `docker` backends implement it: where inputs and outputs
 * are, the `ESTIMATOR_*` variables, the script's argv (references replaced by paths, nothing
 * re-parsed) and, for a `command`, `${{inputs.x}}` replaced by quoted paths.
 *
 * @internal
 */
import { Estimator, Secret } from "@estimator/core"
import type { Data } from "@estimator/core"
import { LaunchPlan } from "@estimator/distributed"
import type * as Plan from "../Plan.js"
import * as record from "./record.js"
import * as shell from "./shell.js"

/** @internal */
export const RUN_ID = "ESTIMATOR_RUN_ID"
/** @internal */
export const OUTPUT_DIR = "ESTIMATOR_OUTPUT_DIR"
/** @internal */
export const inputVariable = (name: string): string => `ESTIMATOR_INPUT_${name.toUpperCase()}`
/** @internal */
export const outputVariable = (name: string): string => `ESTIMATOR_OUTPUT_${name.toUpperCase()}`

/**
 * Where the job sees its data: the output directory, each named output (a folder under it), and
 * each input (a path, or a literal's value).
 *
 * @internal
 */
export interface Locations {
  readonly outputDirectory: string
  readonly outputs: { readonly [name: string]: string }
  readonly inputs: { readonly [name: string]: InputLocation }
}

/** @internal */
export type InputLocation = { readonly _tag: "Path"; readonly path: string } | { readonly _tag: "Literal"; readonly value: string }

/** @internal */
export const inputValue = (location: InputLocation): string => (location._tag === "Path" ? location.path : location.value)

/** Adds the `ESTIMATOR_*` variables of a run. */
const addContractVariables = (variables: Record<string, string>, runId: string, locations: Locations): void => {
  variables[RUN_ID] = runId
  variables[OUTPUT_DIR] = locations.outputDirectory
  const outputs = locations.outputs
  for (const name in outputs) if (hasOwn.call(outputs, name)) variables[outputVariable(name)] = outputs[name] as string
  const inputs = locations.inputs
  for (const name in inputs) if (hasOwn.call(inputs, name)) variables[inputVariable(name)] = inputValue(inputs[name] as InputLocation)
}

const hasOwn = Object.prototype.hasOwnProperty

/** Whether the record has an own key. */
const hasAny = (values: { readonly [name: string]: unknown }): boolean => {
  for (const name in values) if (hasOwn.call(values, name)) return true
  return false
}

/** Adds the secret variables of a spec, each shown as `Secret.REDACTED`. */
const addRedactedSecrets = (variables: Record<string, string>, spec: Estimator.Estimator): void => {
  const secrets = spec.secretEnvironmentVariables
  for (const name in secrets) if (hasOwn.call(secrets, name)) record.set(variables, name, Secret.REDACTED)
}

/**
 * `plain`'s variables, then the spec's secrets (redacted): `plain` itself when the spec has no
 * secret (values are never changed once made, so sharing is safe), else one new object.
 *
 * @internal
 */
export const withRedactedSecrets = (plain: Plan.Variables, spec: Estimator.Estimator): Plan.Variables => {
  if (!hasAny(spec.secretEnvironmentVariables)) return plain
  const variables = record.copy(plain)
  addRedactedSecrets(variables, spec)
  return variables
}

/**
 * `a`'s variables, then `b`'s (which win), as one new object.
 *
 * @internal
 */
export const merge = (a: Plan.Variables, b: Plan.Variables): Plan.Variables => {
  const variables = record.copy(a)
  for (const name in b) if (hasOwn.call(b, name)) record.set(variables, name, b[name] as string)
  return variables
}

/**
 * Every variable a process of the job gets from the plan, in this order: the job's plain
 * variables, its secrets (redacted), the run contract.
 *
 * @internal
 */
export const jobVariables = (
  spec: Estimator.Estimator,
  plain: Plan.Variables,
  runId: string,
  locations: Locations
): Plan.Variables => {
  const variables = record.copy(plain)
  addRedactedSecrets(variables, spec)
  addContractVariables(variables, runId, locations)
  return variables
}

/**
 * The script's arguments with references replaced by their locations.
 *
 * @internal
 */
export const renderArguments = (spec: Estimator.Estimator, locations: Locations): ReadonlyArray<string> =>
  Estimator.effectiveArguments(spec).map((argument) =>
    Estimator.renderArgument(argument, (reference) => {
      if (reference._tag === "InputRef") {
        const location = locations.inputs[reference.name]
        return location === undefined ? "" : inputValue(location)
      }
      return locations.outputs[reference.name] ?? ""
    })
  )

const COMMAND_REFERENCE = /\$\{\{\s*(inputs|outputs)\.([^\s}]+)\s*\}\}/g

/**
 * A `command` with each `${{inputs.x}}` / `${{outputs.y}}` replaced by its location, quoted for
 * the shell.
 *
 * @internal
 */
export const renderCommand = (command: string, locations: Locations): string =>
  command.replace(COMMAND_REFERENCE, (match, kind: string, name: string) => {
    if (kind === "inputs") {
      const location = locations.inputs[name]
      return location === undefined ? match : shell.quote(inputValue(location))
    }
    const location = locations.outputs[name]
    return location === undefined ? match : shell.quote(location)
  })

/**
 * The program of one process: `[script, ...args]` for an entry script (the interpreter is put in
 * front by the launcher), `["/bin/sh", "-c", command]` for a command.
 *
 * @internal
 */
export const program = (spec: Estimator.Estimator, locations: Locations): { readonly scriptArgv: ReadonlyArray<string>; readonly noPython: boolean } =>
  spec.command !== undefined
    ? { scriptArgv: ["/bin/sh", "-c", renderCommand(spec.command, locations)], noPython: true }
    : { scriptArgv: [spec.entryScript ?? "", ...renderArguments(spec, locations)], noPython: false }

/**
 * A literal input's value as the script receives it.
 *
 * @internal
 */
export const literalValue = (value: string | number | boolean): string => Estimator.renderArgument(value, () => "")

/**
 * A new record with the location of each literal input of `spec` (its value), in the spec's
 * order: each backend then adds where its data inputs are.
 *
 * @internal
 */
export const literalInputLocations = (spec: Estimator.Estimator): Record<string, InputLocation> => {
  const locations = record.empty<InputLocation>()
  const inputs = spec.inputs
  for (const name in inputs) {
    if (!hasOwn.call(inputs, name)) continue
    const input = inputs[name] as Data.Input
    if (input._tag === "Literal") locations[name] = { _tag: "Literal", value: literalValue(input.value) }
  }
  return locations
}

/**
 * The variables and launch plan of a job whose processes all run on this one host (the local
 * backend's processes, the docker backend's container): the job's variables, and the launcher's
 * processes running the program with them.
 *
 * @internal
 */
export const singleHostLaunch = (
  spec: Estimator.Estimator,
  plain: Plan.Variables,
  runId: string,
  locations: Locations,
  launcher: { readonly python: string; readonly mpirunFlags: ReadonlyArray<string> }
): { readonly env: Plan.Variables; readonly launch: LaunchPlan.PlanResult } => {
  const env = jobVariables(spec, plain, runId, locations)
  const { noPython, scriptArgv } = program(spec, locations)
  const launch = LaunchPlan.plan(spec, {
    nodeHosts: ["localhost"],
    scriptArgv,
    noPython,
    python: launcher.python,
    mpirunFlags: launcher.mpirunFlags,
    forwardEnvironment: Object.keys(env)
  })
  return { env, launch }
}
