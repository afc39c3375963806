/**
 * The job's environment as the YAML carries it. Export writes the environment the azureml plan
 * registers: `resolve` (`environment.ts`) with Azure ML's defaults gives the image (the spec's, the
 * framework's or the default one), the conda specification (with the framework's packages and
 * Python pin, `pip` and `azureml-defaults`) and the framework's variables. Import goes back: an
 * image the spec would pick anyway becomes no image, an inline conda specification becomes the
 * fewest user packages that rebuild exactly it, and the framework's variables are dropped. Both
 * directions ask `resolve` itself, so they follow whatever it adds.
 *
 * @internal
 */
import { Estimator } from "@estimator/core"
import type { Framework, Validation } from "@estimator/core"
import { Conda } from "@estimator/env"
import type { ResolvedEnvironment } from "@estimator/env"
import * as FrameworkEnvironment from "@estimator/frameworks/FrameworkEnvironment"
import { Either } from "effect"
import * as jobEnvironment from "./environment.js"

type Files = { readonly [relativePath: string]: string }

const define = <A>(target: { [key: string]: A }, key: string, value: A): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Stands in for a conda file whose text is not known: the YAML refers to the file, and only the image is asked of `resolve`. */
const UNREAD_CONDA_FILE = "dependencies: []\n"

const withUnreadCondaFile = (condaFile: string | undefined, files: Files): Files => {
  if (condaFile === undefined || Conda.lookup(files, condaFile) !== undefined) return files
  const result: { [relativePath: string]: string } = { ...files }
  define(result, condaFile, UNREAD_CONDA_FILE)
  return result
}

// -------------------------------------------------------------------------------------
// export
// -------------------------------------------------------------------------------------

/**
 * The environment and variables the azureml plan uses for `spec`. `files` holds the text of the
 * conda and requirements files, keyed as the spec writes their paths; a conda file that is not
 * among them is only referred to, so its text is not needed.
 *
 * @internal
 */
export const resolveForExport = (
  spec: Estimator.Estimator,
  files: Files
): Either.Either<jobEnvironment.JobEnvironment, ReadonlyArray<Validation.Issue>> =>
  jobEnvironment.resolve(spec, withUnreadCondaFile(spec.environment.condaFile, files), { azuremlDefaults: true })

/**
 * The job's variables with the framework's names first (in the framework's order), so that the
 * text is the same whether the user also set one of them to the framework's value or not.
 *
 * @internal
 */
export const frameworkVariablesFirst = (
  variables: { readonly [name: string]: string },
  gpu: boolean,
  framework: Framework.Framework | undefined
): { readonly [name: string]: string } => {
  const names = Object.keys((framework === undefined ? undefined : FrameworkEnvironment.frameworkEnvironment(framework, gpu)?.environmentVariables) ?? {})
  const result: { [name: string]: string } = {}
  for (const name of [...names.filter((name) => Object.hasOwn(variables, name)), ...Object.keys(variables).filter((name) => !names.includes(name))]) {
    define(result, name, variables[name] ?? "")
  }
  return result
}

/**
 * A conda specification as the inline `conda_file` mapping: the document `Conda.render` writes.
 *
 * @internal
 */
export const condaDocument = (specification: Conda.CondaSpecification): { readonly [key: string]: unknown } => ({
  ...(specification.name === undefined ? {} : { name: specification.name }),
  channels: [...specification.channels],
  dependencies: [
    ...(specification.python === undefined ? [] : [`python=${specification.python}`]),
    ...specification.dependencies,
    ...(specification.pip.length === 0 ? [] : [{ pip: [...specification.pip] }])
  ]
})

/**
 * The conda specification an image environment installs (`undefined` when the image is used as it is).
 *
 * @internal
 */
export const condaSpecificationOf = (environment: ResolvedEnvironment.ImageEnvironment): Conda.CondaSpecification | undefined => {
  const python = environment.python
  switch (python._tag) {
    case "UserManaged":
      return undefined
    case "Conda":
      return python.specification
    case "Pip":
      return Conda.fromPip(python.packages)
  }
}

// -------------------------------------------------------------------------------------
// import
// -------------------------------------------------------------------------------------

/**
 * An inline `conda_file` as written: `dependencies` keeps the Python pins in place.
 *
 * @internal
 */
export interface InlineConda {
  readonly name?: string
  readonly channels?: ReadonlyArray<string>
  readonly dependencies: ReadonlyArray<string>
  readonly pip: ReadonlyArray<string>
}

const probe = (environment: Estimator.Environment, gpu: boolean, framework: Framework.Framework | undefined): Estimator.Estimator => ({
  ...Estimator.make({ command: "probe" }),
  gpu,
  environment,
  ...(framework === undefined ? {} : { framework })
})

const resolveProbe = (
  environment: Estimator.Environment,
  gpu: boolean,
  framework: Framework.Framework | undefined
): ResolvedEnvironment.ResolvedEnvironment | undefined => {
  const resolved = jobEnvironment.resolve(probe(environment, gpu, framework), withUnreadCondaFile(environment.condaFile, {}), { azuremlDefaults: true })
  return Either.isRight(resolved) ? resolved.right.environment : undefined
}

/**
 * `environment` without its image when the spec would pick that image anyway (the framework's
 * image, or the default CPU/GPU image); the image decides nothing else, so packages are left out
 * of the question.
 *
 * @internal
 */
export const withoutImpliedImage = (
  environment: Estimator.Environment,
  gpu: boolean,
  framework: Framework.Framework | undefined
): Estimator.Environment => {
  const image = environment.image
  if (image === undefined || image.registry !== undefined) return environment
  const { image: _, ...rest } = environment
  const resolved = resolveProbe({ ...rest, condaPackages: [], pipPackages: [] }, gpu, framework)
  return resolved?._tag === "Image" && resolved.baseImage === image.name ? rest : environment
}

const pythonPins = (dependencies: ReadonlyArray<string>): ReadonlyArray<string> =>
  dependencies.flatMap((dependency) => Conda.pythonPin(dependency) ?? [])

const sameList = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((item, index) => item === b[index])

/** The ways the two specifications differ, as `field: <built> (YAML: <written>)`. */
const differences = (built: Conda.CondaSpecification, written: InlineConda): ReadonlyArray<string> => {
  const show = (list: ReadonlyArray<string>) => (list.length === 0 ? "none" : list.join(", "))
  const pins = pythonPins(written.dependencies)
  const writtenPython = pins.length === 0 ? "none" : pins.join(", ")
  const writtenDependencies = written.dependencies.filter((dependency) => Conda.pythonPin(dependency) === undefined)
  const found: Array<string> = []
  if (built.name !== written.name) found.push(`name: ${built.name ?? "none"} (YAML: ${written.name ?? "none"})`)
  if (!sameList(built.channels, written.channels ?? [])) found.push(`channels: ${show(built.channels)} (YAML: ${show(written.channels ?? [])})`)
  if ((built.python ?? "none") !== writtenPython) found.push(`python: ${built.python ?? "none"} (YAML: ${writtenPython})`)
  if (!sameList(built.dependencies, writtenDependencies)) found.push(`conda packages: ${show(built.dependencies)} (YAML: ${show(writtenDependencies)})`)
  if (!sameList(built.pip, written.pip)) found.push(`pip: ${show(built.pip)} (YAML: ${show(written.pip)})`)
  return found
}

const matches = (built: Conda.CondaSpecification, written: InlineConda): boolean => differences(built, written).length === 0

/** Every choice of keeping (`false`) or stripping (`true`) `count` things, stripping everything first. */
const choices = (count: number): ReadonlyArray<ReadonlyArray<boolean>> =>
  Array.from({ length: 2 ** count }, (_, n) => Array.from({ length: count }, (_, bit) => ((n >> (count - 1 - bit)) & 1) === 0))

/**
 * The user packages that, on `environment` (its image already settled), rebuild exactly the
 * written specification; the candidates drop what resolving adds (the default or framework Python,
 * `pip`, `azureml-defaults`, the framework's packages), most dropped first. `undefined` when none
 * does: the YAML's specification is not one the spec builds.
 *
 * @internal
 */
export const exactPackages = (
  written: InlineConda,
  environment: Estimator.Environment,
  gpu: boolean,
  framework: Framework.Framework | undefined
): { readonly condaPackages: ReadonlyArray<string>; readonly pipPackages: ReadonlyArray<string> } | undefined => {
  if (written.name === undefined || written.channels === undefined) return undefined
  const pins = pythonPins(written.dependencies)
  if (pins.length > 1) return undefined
  const python = pins[0]
  const dependencies = written.dependencies.filter((dependency) => Conda.pythonPin(dependency) === undefined)
  const frameworkEnvironment = framework === undefined ? undefined : FrameworkEnvironment.frameworkEnvironment(framework, gpu)
  const frameworkConda = new Set(frameworkEnvironment?.condaPackages ?? [])
  const frameworkPip = new Set(frameworkEnvironment?.pipPackages ?? [])
  const tried = new Set<string>()
  for (const [noPin, noPip, noFrameworkConda, noDefaults, noFrameworkPip] of choices(5)) {
    const condaPackages = [
      ...(python === undefined || noPin ? [] : [`python=${python}`]),
      ...dependencies.filter((dependency, index) =>
        !(noPip && index === 0 && dependency === "pip" && written.pip.length > 0) && !(noFrameworkConda && frameworkConda.has(dependency))
      )
    ]
    const pipPackages = written.pip.filter((line, index) =>
      !(noDefaults && index === 0 && line === Conda.AZUREML_DEFAULTS) && !(noFrameworkPip && frameworkPip.has(line))
    )
    const key = JSON.stringify([condaPackages, pipPackages])
    if (tried.has(key)) continue
    tried.add(key)
    const resolved = resolveProbe({ ...environment, condaPackages, pipPackages }, gpu, framework)
    const built = resolved?._tag === "Image" ? condaSpecificationOf(resolved) : undefined
    if (built !== undefined && matches(built, written)) return { condaPackages, pipPackages }
  }
  return undefined
}

/**
 * How the specification `environment` builds differs from the written one (empty when it cannot
 * be built).
 *
 * @internal
 */
export const builtDifferences = (
  written: InlineConda,
  environment: Estimator.Environment,
  gpu: boolean,
  framework: Framework.Framework | undefined
): ReadonlyArray<string> => {
  const resolved = resolveProbe(environment, gpu, framework)
  const built = resolved?._tag === "Image" ? condaSpecificationOf(resolved) : undefined
  return built === undefined ? [] : differences(built, written)
}

/**
 * The job's variables without those the framework sets to the same value (resolving adds them back).
 *
 * @internal
 */
export const withoutFrameworkVariables = (
  variables: { readonly [name: string]: string },
  gpu: boolean,
  framework: Framework.Framework | undefined
): { readonly [name: string]: string } => {
  const added = framework === undefined ? undefined : FrameworkEnvironment.frameworkEnvironment(framework, gpu)?.environmentVariables
  if (added === undefined) return variables
  const result: { [name: string]: string } = {}
  for (const [name, value] of Object.entries(variables)) {
    if (!(Object.hasOwn(added, name) && added[name] === value)) define(result, name, value)
  }
  return result
}
