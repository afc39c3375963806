/**
 * The environment a framework preset implies, and how it combines with the user's own
 * environment. `frameworkEnvironment` is Azure ML SDK v1's full-build path for a framework
 * estimator (base image, conda and pip packages, environment variables), with the 2020 curated
 * environments standing in for v1's unpublished scenario files. `effectivePackages` applies v1's
 * rules to a spec: user packages replace the framework's copies of the same package (with v1's
 * warning); a custom image or build context replaces the framework's image but keeps its packages;
 * a conda file or a registered environment means no framework packages; a user-managed Python
 * means nothing is added.
 *
 * Deliberate differences from v1: v1's "framework image" fast path (`pytorch:1.6-gpu` from a
 * private registry) is not modelled, because that registry is not public; variables the user
 * sets win over the framework's (v1 overwrote the user's `NCCL_TREE_THRESHOLD`). The output is
 * plain data; `@estimator/env` renders it. Nothing in this module performs IO.
 *
 * @since 0.1.0
 */
import { Function } from "@estimator/core"
import type { Estimator, Framework, Validation } from "@estimator/core"
import * as Chainer from "./Chainer.js"
import * as PyTorch from "./PyTorch.js"
import * as SKLearn from "./SKLearn.js"
import * as TensorFlow from "./TensorFlow.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * What a framework at a version adds to a job's environment on CPU or GPU. `confirmed` is `false`
 * when v1's image for it was never captured and the closest documented image stands in.
 * `curatedEnvironment` is the Azure ML curated environment with the same content, when one existed.
 *
 * @category models
 * @since 0.1.0
 */
export interface FrameworkEnvironment {
  readonly baseImage: string
  readonly confirmed: boolean
  readonly condaPackages: ReadonlyArray<string>
  readonly pipPackages: ReadonlyArray<string>
  readonly environmentVariables: { readonly [name: string]: string }
  readonly curatedEnvironment?: string
}

/**
 * A spec's packages and variables once its framework's are merged in. `framework` is the framework
 * environment consulted (absent without a framework, for an unsupported version, or for SKLearn on
 * GPU); `baseImage` is the framework's image when the job uses it (absent when the spec brings its
 * own image, build context or registered environment, runs without Docker, or manages its own
 * Python: then the spec and `@estimator/env` decide). `warnings` are v1's package-override warnings.
 *
 * @category models
 * @since 0.1.0
 */
export interface EffectivePackages {
  readonly framework?: FrameworkEnvironment
  readonly baseImage?: string
  readonly condaPackages: ReadonlyArray<string>
  readonly pipPackages: ReadonlyArray<string>
  readonly environmentVariables: { readonly [name: string]: string }
  readonly warnings: ReadonlyArray<Validation.Issue>
}

/**
 * The code of the warning `effectivePackages` gives when user packages replace the framework's.
 *
 * @category models
 * @since 0.1.0
 */
export const PACKAGES_OVERRIDDEN = "framework-packages-overridden"

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * The environment `framework` implies on CPU (`gpu = false`) or GPU; `undefined` for a version the
 * framework does not support and for SKLearn on GPU (v1 had no such scenario).
 *
 * @example
 * frameworkEnvironment(Framework.make("PyTorch", "1.6"), true)?.baseImage
 * // "mcr.microsoft.com/azureml/openmpi3.1.2-cuda10.1-cudnn7-ubuntu18.04:20200821.v1"
 *
 * @category accessors
 * @since 0.1.0
 */
export const frameworkEnvironment = (framework: Framework.Framework, gpu: boolean): FrameworkEnvironment | undefined => {
  const entry = environmentsOf(framework.name)?.get(framework.version)
  return entry === undefined ? undefined : gpu ? entry.gpu : entry.cpu
}

interface Environments {
  readonly cpu: FrameworkEnvironment
  readonly gpu: FrameworkEnvironment | undefined
}

/** The presets' environments (the same values) by supported version: one look-up per job. */
const byVersion = <V extends string>(
  versions: ReadonlyArray<V>,
  environment: (version: V, gpu: boolean) => FrameworkEnvironment | undefined
): ReadonlyMap<string, Environments> =>
  new Map(versions.map((version) => [version, { cpu: environment(version, false) as FrameworkEnvironment, gpu: environment(version, true) }]))

const chainerEnvironments = byVersion(Chainer.supportedVersions, Chainer.environment)
const pytorchEnvironments = byVersion(PyTorch.supportedVersions, PyTorch.environment)
const tensorflowEnvironments = byVersion(TensorFlow.supportedVersions, TensorFlow.environment)
const sklearnEnvironments = byVersion(SKLearn.supportedVersions, SKLearn.environment)

const environmentsOf = (name: Framework.FrameworkName): ReadonlyMap<string, Environments> | undefined => {
  switch (name) {
    case "Chainer":
      return chainerEnvironments
    case "PyTorch":
      return pytorchEnvironments
    case "TensorFlow":
      return tensorflowEnvironments
    case "SKLearn":
      return sklearnEnvironments
  }
}

/**
 * The name of the package a conda or pip specification installs, normalised as PEP 503 does
 * (lower case, runs of `-`, `_`, `.` as one `-`), without version pins, extras, markers or a
 * conda channel: `"conda-forge::Scikit_Learn>=0.20"` → `"scikit-learn"`, `"git+https://…#egg=foo"`
 * → `"foo"`. conda and pip names are compared as they are (conda `pytorch` is not pip `torch`).
 *
 * @category accessors
 * @since 0.1.0
 */
export const packageName: (specification: string) => string = Function.memoizeString((specification) => {
  const trimmed = specification.trim()
  const egg = /#egg=([^&\s]+)/.exec(trimmed)?.[1]
  const channel = trimmed.lastIndexOf("::")
  const source = egg ?? (channel === -1 ? trimmed : trimmed.slice(channel + 2))
  const name = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/.exec(source)?.[0] ?? source
  return name.toLowerCase().replace(/[-_.]+/g, "-")
})

const pythonList = (names: ReadonlyArray<string>): string => `[${names.map((name) => `'${name}'`).join(", ")}]`

/**
 * The conda packages, pip packages and environment variables `spec` ends up with once its
 * framework's are merged in, following v1's rules (see the module comment), and v1's warning when
 * user packages override the framework's: "You have specified to install packages in your run.
 * Note that you have overridden Azure ML's installation of the following packages: [...]. We
 * cannot guarantee image build will succeed." The framework's packages come first.
 *
 * @example
 * effectivePackages(pipe(Estimator.make({ entryScript: "train.py" }), pytorch("1.4"), Estimator.withPip(["torch==1.5.0"])))
 * // pipPackages: ["torchvision==0.5.0", ..., "torch==1.5.0"], one warning naming ['torch']
 *
 * @category accessors
 * @since 0.1.0
 */
export const effectivePackages = (spec: Estimator.Estimator): EffectivePackages => {
  const env = spec.environment
  const reference = spec.framework
  const framework = reference === undefined ? undefined : frameworkEnvironment(reference, spec.gpu)
  if (reference === undefined || framework === undefined) {
    return { condaPackages: env.condaPackages, pipPackages: env.pipPackages, environmentVariables: spec.environmentVariables, warnings: [] }
  }
  const environmentVariables = jobVariables(framework.environmentVariables, spec)
  if (env.userManagedPython || env.registered !== undefined) {
    return { framework, environmentVariables, condaPackages: env.condaPackages, pipPackages: env.pipPackages, warnings: [] }
  }
  const baseImage = env.docker && env.image === undefined && env.build === undefined ? framework.baseImage : undefined
  if (env.condaFile !== undefined) {
    return baseImage === undefined
      ? { framework, environmentVariables, condaPackages: env.condaPackages, pipPackages: env.pipPackages, warnings: [] }
      : { framework, environmentVariables, baseImage, condaPackages: env.condaPackages, pipPackages: env.pipPackages, warnings: [] }
  }
  const userNames = namesOf(env.condaPackages, env.pipPackages)
  const condaPackages = withoutNames(framework.condaPackages, userNames, env.condaPackages)
  const pipPackages = withoutNames(framework.pipPackages, userNames, env.pipPackages)
  const warnings = userNames.length === 0 ? [] : overrideWarnings(reference, framework, env, userNames)
  return baseImage === undefined
    ? { framework, environmentVariables, condaPackages, pipPackages, warnings }
    : { framework, environmentVariables, baseImage, condaPackages, pipPackages, warnings }
}

/**
 * The framework's variables but the secret ones, then the spec's (which win), in that key order.
 * Built as a dictionary-mode record (no prototype at creation, then the usual one): names the
 * user chose would otherwise cost a hidden class per new key sequence. The spec's secrets are
 * read only when the framework has variables (most have none).
 */
const jobVariables = (framework: { readonly [name: string]: string }, spec: Estimator.Estimator): { readonly [name: string]: string } => {
  let merged: { [name: string]: string } | undefined
  let secrets: { readonly [name: string]: unknown } | undefined
  for (const name of Object.keys(framework)) {
    secrets ??= spec.secretEnvironmentVariables
    if (Object.hasOwn(secrets, name)) continue
    merged ??= Object.setPrototypeOf(Object.create(null), Object.prototype) as { [name: string]: string }
    setVariable(merged, name, framework[name] as string)
  }
  const variables = spec.environmentVariables
  // Nothing to merge: the spec's own (readonly) variables, as without a framework.
  if (merged === undefined) return variables
  for (const name in variables) {
    if (Object.hasOwn(variables, name)) setVariable(merged, name, variables[name] as string)
  }
  return merged
}

const setVariable = (variables: { [name: string]: string }, name: string, value: string): void => {
  // defineProperty: a plain assignment to `__proto__` would set the prototype, not make a key.
  if (name === "__proto__") Object.defineProperty(variables, name, { value, writable: true, enumerable: true, configurable: true })
  else variables[name] = value
}

/** The distinct package names of conda and pip specifications, in order. */
const namesOf = (conda: ReadonlyArray<string>, pip: ReadonlyArray<string>): ReadonlyArray<string> => {
  const names: Array<string> = []
  for (let i = 0; i < conda.length; i++) pushNew(names, packageName(conda[i] as string))
  for (let i = 0; i < pip.length; i++) pushNew(names, packageName(pip[i] as string))
  return names
}

const pushNew = (names: Array<string>, name: string): void => {
  if (!names.includes(name)) names.push(name)
}

/** The framework's packages whose name the user does not list, then the user's. */
const withoutNames = (framework: ReadonlyArray<string>, userNames: ReadonlyArray<string>, user: ReadonlyArray<string>): ReadonlyArray<string> => {
  // Nothing to leave out or add: the framework's own (readonly) list.
  if (userNames.length === 0 && user.length === 0) return framework
  const packages: Array<string> = []
  for (let i = 0; i < framework.length; i++) {
    const specification = framework[i] as string
    if (!userNames.includes(packageName(specification))) packages.push(specification)
  }
  for (let i = 0; i < user.length; i++) packages.push(user[i] as string)
  return packages
}

/** v1's warning when user packages replace the framework's (none when they replace nothing). */
const overrideWarnings = (
  reference: Framework.Framework,
  framework: FrameworkEnvironment,
  env: Estimator.Environment,
  userNames: ReadonlyArray<string>
): ReadonlyArray<Validation.Issue> => {
  const frameworkNames = namesOf(framework.condaPackages, framework.pipPackages)
  const overridden = frameworkNames.filter((name) => userNames.includes(name))
  if (overridden.length === 0) return []
  const inConda = env.condaPackages.some((p) => frameworkNames.includes(packageName(p)))
  const inPip = env.pipPackages.some((p) => frameworkNames.includes(packageName(p)))
  return [{
    path: inConda && inPip ? "environment" : inConda ? "environment.condaPackages" : "environment.pipPackages",
    code: PACKAGES_OVERRIDDEN,
    message: `You have specified to install packages in your run. Note that you have overridden Azure ML's installation of the following packages: ${pythonList(overridden)}. We cannot guarantee image build will succeed.`,
    hint: `The ${reference.name} ${reference.version} environment pins ${overridden.join(", ")}: remove ${overridden.length === 1 ? "it" : "them"} from withPip/withConda to keep its tested versions, or keep yours if you need them.`,
    severity: "warning"
  }]
}
