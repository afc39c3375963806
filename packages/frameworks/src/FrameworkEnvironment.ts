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
import { Framework, Function } from "@estimator/core"
import type { Estimator, Validation } from "@estimator/core"
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
  const version = framework.version
  switch (framework.name) {
    case "Chainer":
      return Framework.isSupportedVersion("Chainer", version) ? Chainer.environment(version, gpu) : undefined
    case "PyTorch":
      return Framework.isSupportedVersion("PyTorch", version) ? PyTorch.environment(version, gpu) : undefined
    case "TensorFlow":
      return Framework.isSupportedVersion("TensorFlow", version) ? TensorFlow.environment(version, gpu) : undefined
    case "SKLearn":
      return Framework.isSupportedVersion("SKLearn", version) ? SKLearn.environment(version, gpu) : undefined
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
  const user = { condaPackages: env.condaPackages, pipPackages: env.pipPackages }
  const framework = spec.framework === undefined ? undefined : frameworkEnvironment(spec.framework, spec.gpu)
  if (spec.framework === undefined || framework === undefined) {
    return { ...user, environmentVariables: spec.environmentVariables, warnings: [] }
  }
  const frameworkVariables = Object.entries(framework.environmentVariables)
    .filter(([name]) => !Object.hasOwn(spec.secretEnvironmentVariables, name))
  const base = {
    framework,
    environmentVariables: { ...Object.fromEntries(frameworkVariables), ...spec.environmentVariables }
  }
  if (env.userManagedPython || env.registered !== undefined) {
    return { ...base, ...user, warnings: [] }
  }
  const image = env.docker && env.image === undefined && env.build === undefined ? { baseImage: framework.baseImage } : {}
  if (env.condaFile !== undefined) {
    return { ...base, ...image, ...user, warnings: [] }
  }
  const userNames = new Set([...env.condaPackages, ...env.pipPackages].map(packageName))
  const kept = (specification: string) => !userNames.has(packageName(specification))
  const frameworkNames = new Set([...framework.condaPackages, ...framework.pipPackages].map(packageName))
  const overridden = [...frameworkNames].filter((name) => userNames.has(name))
  const inConda = env.condaPackages.some((p) => frameworkNames.has(packageName(p)))
  const inPip = env.pipPackages.some((p) => frameworkNames.has(packageName(p)))
  const warnings: ReadonlyArray<Validation.Issue> = overridden.length === 0 ? [] : [{
    path: inConda && inPip ? "environment" : inConda ? "environment.condaPackages" : "environment.pipPackages",
    code: PACKAGES_OVERRIDDEN,
    message: `You have specified to install packages in your run. Note that you have overridden Azure ML's installation of the following packages: ${pythonList(overridden)}. We cannot guarantee image build will succeed.`,
    hint: `The ${spec.framework.name} ${spec.framework.version} environment pins ${overridden.join(", ")}: remove ${overridden.length === 1 ? "it" : "them"} from withPip/withConda to keep its tested versions, or keep yours if you need them.`,
    severity: "warning"
  }]
  return {
    ...base,
    ...image,
    condaPackages: [...framework.condaPackages.filter(kept), ...env.condaPackages],
    pipPackages: [...framework.pipPackages.filter(kept), ...env.pipPackages],
    warnings
  }
}
