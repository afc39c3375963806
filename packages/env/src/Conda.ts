/**
 * Conda environment specifications: the model of a conda `environment.yml` (name, channels,
 * Python version, conda packages and the nested pip list), its deterministic rendering, a parser
 * for the user's file that reports every malformed value with its line and path, and
 * {@link fromEstimator}, which builds the specification Azure ML SDK v1 built from an estimator's
 * `conda_packages`, `pip_packages`, `pip_requirements_file` and `conda_dependencies_file`.
 * Nothing in this module performs IO: file contents are passed in.
 *
 * @since 0.1.0
 */
import type { Estimator } from "@estimator/core"
import { Validation } from "@estimator/core"
import * as E from "fp-ts/lib/Either.js"
import * as path from "node:path"
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from "yaml"
import * as Function from "@estimator/core/Function"
import * as ParseIssue from "./ParseIssue.js"
import * as Requirements from "./Requirements.js"

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * A conda environment. `python` is the version of the `python=<version>` dependency, kept apart
 * because everything that installs an environment needs to know it; `dependencies` are the other
 * conda package specs (never a `python=<version>` pin); `pip` is the nested pip list (requirements
 * and pip options such as `--extra-index-url ...`).
 *
 * @category models
 * @since 0.1.0
 */
export interface CondaSpecification {
  readonly name?: string
  readonly channels: ReadonlyArray<string>
  readonly python?: string
  readonly dependencies: ReadonlyArray<string>
  readonly pip: ReadonlyArray<string>
}

/**
 * The text of files the spec refers to, keyed by their path relative to the source directory as
 * the spec writes it (`environment.condaFile`, `environment.pipRequirementsFile`).
 *
 * @category models
 * @since 0.1.0
 */
export interface SourceFiles {
  readonly [relativePath: string]: string
}

/**
 * The Python version of a specification built from packages. v1's default was era-dependent
 * (3.6.2 in 2019–2020); 3.8 is the oldest version the last v1 default images carry.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_PYTHON_VERSION = "3.8"

/**
 * The environment name v1's `CondaDependencies()` uses.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_NAME = "project_environment"

/**
 * The channels of a specification built from packages (the curated environments used conda-forge).
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_CHANNELS: ReadonlyArray<string> = ["conda-forge"]

/**
 * The pip package v1 put first in the pip list whenever pip packages were given.
 *
 * @category models
 * @since 0.1.0
 */
export const AZUREML_DEFAULTS = "azureml-defaults"

/**
 * A specification with the default name, channels and Python version, and no packages.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultSpecification: CondaSpecification = {
  name: DEFAULT_NAME,
  channels: DEFAULT_CHANNELS,
  python: DEFAULT_PYTHON_VERSION,
  dependencies: [],
  pip: []
}

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

const PYTHON_PIN = /^python=[0-9][0-9A-Za-z.*+_-]*$/

/**
 * The version of a `python=<version>` dependency, `undefined` for any other dependency.
 *
 * @category accessors
 * @since 0.1.0
 */
export const pythonPin = (dependency: string): string | undefined =>
  // `test` and a slice: no match array per call.
  dependency.startsWith("python=") && PYTHON_PIN.test(dependency) ? dependency.slice(7) : undefined

/**
 * The package name of a conda match spec, lower-cased, without channel
 * (`conda-forge::NumPy>=1.24` → `numpy`).
 *
 * @category accessors
 * @since 0.1.0
 */
export const packageName: (dependency: string) => string = Function.memoizeString((dependency) => {
  const withoutChannel = dependency.includes("::") ? dependency.slice(dependency.lastIndexOf("::") + 2) : dependency
  return withoutChannel.trim().split(/[\s=<>!~[]/, 1)[0]!.toLowerCase()
})

const pipName: (line: string) => string | undefined = Function.memoizeString((line) => {
  if (line.trimStart().startsWith("-")) return undefined
  const parsed = Requirements.parse(line)
  const entry = E.isRight(parsed) ? parsed.right[0] : undefined
  return entry?._tag === "Requirement" ? Requirements.packageName(entry) : undefined
})

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

/**
 * Append the pip lines whose package is not already in `existing` (pip options are compared as
 * whole lines); what `existing` says wins.
 *
 * @category combinators
 * @since 0.1.0
 */
export const mergePip = (existing: ReadonlyArray<string>, added: ReadonlyArray<string>): ReadonlyArray<string> => {
  const lines = [...existing]
  if (added.length === 0) return lines
  // The package name of each line, computed once (undefined for pip options).
  const names = existing.map(pipName)
  for (let i = 0; i < added.length; i++) {
    const line = added[i] as string
    const name = pipName(line)
    const present = name === undefined ? lines.includes(line) : names.includes(name)
    if (!present) {
      lines.push(line)
      names.push(name)
    }
  }
  return lines
}

/**
 * Add conda packages and pip lines that the specification does not already have. A package whose
 * name is already there is skipped, so what the specification says wins (as v1 let the user's
 * packages override a framework's); pip options are compared as whole lines. A `python=<version>`
 * package sets the Python version only when none is set. `pip` is added to the conda packages
 * when the pip list becomes non-empty.
 *
 * @example
 * pipe(spec, Conda.addPackages(["mpi4py"], ["torch==1.6.0"]))
 *
 * @category combinators
 * @since 0.1.0
 */
export const addPackages: {
  (conda: ReadonlyArray<string>, pip: ReadonlyArray<string>): (self: CondaSpecification) => CondaSpecification
  (self: CondaSpecification, conda: ReadonlyArray<string>, pip: ReadonlyArray<string>): CondaSpecification
} = Function.dual(3, (self: CondaSpecification, conda: ReadonlyArray<string>, pip: ReadonlyArray<string>): CondaSpecification => {
  let python = self.python
  const dependencies = [...self.dependencies]
  // The package name of each dependency, computed once.
  const names = dependencies.map(packageName)
  for (let i = 0; i < conda.length; i++) {
    const dependency = conda[i] as string
    const pin = pythonPin(dependency)
    if (pin !== undefined) {
      if (python === undefined && !names.includes("python")) python = pin
    } else {
      const name = packageName(dependency)
      if (!names.includes(name)) {
        dependencies.push(dependency)
        names.push(name)
      }
    }
  }
  const pipLines = mergePip(self.pip, pip)
  if (pipLines.length > 0 && !names.includes("pip")) dependencies.unshift("pip")
  const channels = self.channels
  if (self.name === undefined) {
    return python === undefined ? { channels, dependencies, pip: pipLines } : { channels, python, dependencies, pip: pipLines }
  }
  return python === undefined ? { name: self.name, channels, dependencies, pip: pipLines } : { name: self.name, channels, python, dependencies, pip: pipLines }
})

/**
 * A specification that installs pip lines (requirements and options) on the default Python,
 * for backends that need a conda file for an environment described by pip alone.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromPip = (pip: ReadonlyArray<string>, python: string = DEFAULT_PYTHON_VERSION): CondaSpecification => ({
  ...defaultSpecification,
  python,
  dependencies: pip.length > 0 ? ["pip"] : [],
  pip
})

// -------------------------------------------------------------------------------------
// codecs
// -------------------------------------------------------------------------------------

/**
 * The specification as a conda `environment.yml`: `name` (when set), `channels`, then
 * `dependencies` with the Python pin first, the conda packages in order, and one `pip:` entry
 * last (when the pip list is not empty). The same specification always renders the same text.
 *
 * @category codecs
 * @since 0.1.0
 */
export const render = (self: CondaSpecification): string =>
  renderPlain(self) ??
    rendered(JSON.stringify([self.name ?? null, self.channels, self.python ?? null, self.dependencies, self.pip]), () => renderText(self))

/**
 * Strings the YAML library writes as they are: a letter first, then nothing that could start a
 * comment, a mapping or an alias, and not a word the YAML 1.2 core schema reads as a boolean or
 * null. Package specifications almost always are such strings.
 */
const PLAIN = /^[A-Za-z][A-Za-z0-9_.=<>~+,/*!-]*$/
const NOT_STRINGS: ReadonlySet<string> = new Set(["true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL"])
const isPlain = (text: string): boolean => PLAIN.test(text) && !NOT_STRINGS.has(text)

/** {@link renderText} written directly when every string is plain (the same text), else `undefined`. */
const renderPlain = (self: CondaSpecification): string | undefined => {
  let out = ""
  if (self.name !== undefined) {
    if (!isPlain(self.name)) return undefined
    out += `name: ${self.name}\n`
  }
  if (self.channels.length === 0) out += "channels: []\n"
  else {
    out += "channels:\n"
    for (const channel of self.channels) {
      if (!isPlain(channel)) return undefined
      out += `  - ${channel}\n`
    }
  }
  const python = self.python === undefined ? undefined : `python=${self.python}`
  if (python === undefined && self.dependencies.length === 0 && self.pip.length === 0) return `${out}dependencies: []\n`
  out += "dependencies:\n"
  if (python !== undefined) {
    if (!isPlain(python)) return undefined
    out += `  - ${python}\n`
  }
  for (const dependency of self.dependencies) {
    if (!isPlain(dependency)) return undefined
    out += `  - ${dependency}\n`
  }
  if (self.pip.length > 0) {
    out += "  - pip:\n"
    for (const line of self.pip) {
      if (!isPlain(line)) return undefined
      out += `      - ${line}\n`
    }
  }
  return out
}

const rendered = Function.stringCache<string>()

const renderText = (self: CondaSpecification): string =>
  stringify(
    {
      ...(self.name === undefined ? {} : { name: self.name }),
      channels: [...self.channels],
      dependencies: [
        ...(self.python === undefined ? [] : [`python=${self.python}`]),
        ...self.dependencies,
        ...(self.pip.length === 0 ? [] : [{ pip: [...self.pip] }])
      ]
    },
    { lineWidth: 0, minContentWidth: 0 }
  )

const KNOWN_KEYS = ["name", "channels", "dependencies", "prefix"]

const describe = (node: unknown): string => {
  if (isAlias(node)) return `the alias *${node.source}`
  if (isMap(node)) return "a mapping"
  if (isSeq(node)) return "a list"
  if (isScalar(node)) {
    const value = node.value
    return value === null ? "nothing" : typeof value === "string" ? `"${value}"` : `${String(value)} (a ${typeof value})`
  }
  return "nothing"
}

/**
 * Parse the text of a conda environment file. The document must be a mapping with `name` (a
 * string), `channels` (strings) and `dependencies` (package strings, and `{pip: [strings]}`
 * entries, whose lists are concatenated); `prefix` is ignored (it is a path on the machine that
 * exported the file). Every problem is reported with its line, column and path: YAML syntax
 * errors, wrong types, blank entries, unknown keys, `variables`, and a Python version pinned twice.
 *
 * @category codecs
 * @since 0.1.0
 */
export const parse: (text: string) => E.Either<ReadonlyArray<ParseIssue.ParseIssue>, CondaSpecification> = Function.memoizeString((text) => parseText(text))

const parseText = (text: string): E.Either<ReadonlyArray<ParseIssue.ParseIssue>, CondaSpecification> => {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const at = (offset: number | undefined, message: string, where?: string): ParseIssue.ParseIssue => {
    const position = lineCounter.linePos(offset ?? 0)
    return ParseIssue.make(position.line, position.col, message, where)
  }
  const startOf = (node: unknown, fallback: number): number =>
    (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) && node.range !== undefined && node.range !== null ? node.range[0] : fallback
  if (doc.errors.length > 0) return E.left(doc.errors.map((error) => at(error.pos[0], error.message.split("\n")[0] ?? error.message)))

  const root = doc.contents
  if (!isMap(root)) {
    return E.left([at(startOf(root, 0), `expected a mapping with name, channels and dependencies, got ${describe(root)}`)])
  }
  const issues: Array<ParseIssue.ParseIssue> = []
  const stringsOf = (node: unknown, where: string, fallback: number): Array<string> => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return []
    if (!isSeq(node)) {
      issues.push(at(startOf(node, fallback), `expected a list of strings, got ${describe(node)}`, where))
      return []
    }
    const values: Array<string> = []
    node.items.forEach((item, index) => {
      if (isScalar(item) && typeof item.value === "string" && item.value.trim() !== "") values.push(item.value)
      else {
        issues.push(at(startOf(item, startOf(node, fallback)), `expected a non-empty string, got ${describe(item)}${isScalar(item) && typeof item.value !== "string" && item.value !== null ? ": quote it" : ""}`, `${where}[${index}]`))
      }
    })
    return values
  }

  let name: string | undefined
  let channels: Array<string> = []
  const dependencies: Array<string> = []
  const pip: Array<string> = []
  let python: string | undefined
  let pythonWhere: string | undefined
  for (const pair of root.items) {
    const key = pair.key
    const keyOffset = startOf(key, startOf(root, 0))
    if (!isScalar(key) || typeof key.value !== "string") {
      issues.push(at(keyOffset, `expected a key among ${KNOWN_KEYS.join(", ")}, got ${describe(key)}`))
      continue
    }
    const value = pair.value
    switch (key.value) {
      case "name":
        if (isScalar(value) && typeof value.value === "string") name = value.value
        else issues.push(at(startOf(value, keyOffset), `expected a string, got ${describe(value)}`, "name"))
        break
      case "channels":
        channels = stringsOf(value, "channels", keyOffset)
        break
      case "prefix":
        break
      case "dependencies": {
        if (value === null || value === undefined || (isScalar(value) && value.value === null)) break
        if (!isSeq(value)) {
          issues.push(at(startOf(value, keyOffset), `expected a list of packages, got ${describe(value)}`, "dependencies"))
          break
        }
        value.items.forEach((item, index) => {
          const where = `dependencies[${index}]`
          if (isScalar(item) && typeof item.value === "string" && item.value.trim() !== "") {
            const pin = pythonPin(item.value)
            if (pin === undefined) dependencies.push(item.value)
            else if (python === undefined) {
              python = pin
              pythonWhere = where
            } else {
              issues.push(at(startOf(item, keyOffset), `python is pinned twice (python=${python} at ${pythonWhere} and ${item.value}): keep one`, where))
            }
          } else if (isMap(item) && item.items.length === 1 && isScalar(item.items[0]!.key) && item.items[0]!.key.value === "pip") {
            pip.push(...stringsOf(item.items[0]!.value, `${where}.pip`, startOf(item, keyOffset)))
          } else {
            issues.push(at(startOf(item, keyOffset), `expected a package string or a {pip: [...]} entry, got ${describe(item)}${isScalar(item) && typeof item.value !== "string" && item.value !== null ? ": quote it" : ""}`, where))
          }
        })
        break
      }
      case "variables":
        issues.push(at(keyOffset, "conda environment variables are not supported: set them on the job with Estimator.withEnv", "variables"))
        break
      default:
        issues.push(at(keyOffset, `unknown key "${key.value}"; a conda environment file has ${KNOWN_KEYS.join(", ")}`, key.value))
    }
  }
  if (issues.length > 0) return E.left(issues)
  return E.right({
    ...(name === undefined ? {} : { name }),
    channels,
    ...(python === undefined ? {} : { python }),
    dependencies,
    pip
  })
}

// -------------------------------------------------------------------------------------
// compiling
// -------------------------------------------------------------------------------------

/**
 * Options of {@link fromEstimator}.
 *
 * @category models
 * @since 0.1.0
 */
export interface FromEstimatorOptions {
  /** The spec's source directory, used in messages as v1 used it (default `.`). */
  readonly sourceDirectory?: string
  /**
   * Put `azureml-defaults` first in the pip list when pip packages or a requirements file are
   * given, as v1 did (default `true`). Pass `false` when the image is built where the Azure ML
   * SDK cannot be installed (a local pip index without it), or is not used.
   */
  readonly azuremlDefaults?: boolean
}

/**
 * The text of the file at `relativePath`, looked up as written and in normalised form (`./a.yml`).
 *
 * @category accessors
 * @since 0.1.0
 */
export const lookup = (files: SourceFiles, relativePath: string): string | undefined => {
  if (Object.hasOwn(files, relativePath)) return files[relativePath]
  const normalized = path.posix.normalize(relativePath)
  return Object.hasOwn(files, normalized) ? files[normalized] : undefined
}

const fullPath = (sourceDirectory: string, relativePath: string): string =>
  path.posix.normalize(path.posix.join(sourceDirectory, relativePath))

/** Whether a pip line installs the package `name`. */
const hasPipPackage = (lines: ReadonlyArray<string>, name: string): boolean => {
  for (let i = 0; i < lines.length; i++) {
    if (pipName(lines[i] as string) === name) return true
  }
  return false
}

/** The distinct versions of the `python=<version>` packages, in order. */
const distinctPins = (dependencies: ReadonlyArray<string>): ReadonlyArray<string> => {
  const pins: Array<string> = []
  for (let i = 0; i < dependencies.length; i++) {
    const pin = pythonPin(dependencies[i] as string)
    if (pin !== undefined && !pins.includes(pin)) pins.push(pin)
  }
  return pins
}

const fileIssue = (
  field: "condaFile" | "pipRequirementsFile",
  file: string,
  issues: ReadonlyArray<ParseIssue.ParseIssue>
): ReadonlyArray<Validation.Issue> =>
  issues.map((issue) => ({
    path: `environment.${field}`,
    code: field === "condaFile" ? "conda-file-invalid" : "pip-requirements-file-invalid",
    message: ParseIssue.format(issue, file),
    hint: field === "condaFile"
      ? "Fix the conda environment file: a mapping with name, channels and dependencies (package strings and one {pip: [...]} entry)."
      : "Fix the requirements file: one requirement (numpy>=1.24) or pip option (--extra-index-url URL) per line.",
    severity: "error" as const
  }))

/**
 * The conda specification v1 builds for an estimator (`_create_conda_dependencies`):
 * - a conda file replaces the whole specification (the spec's packages are then a validation error);
 * - otherwise the default specification ({@link defaultSpecification}) whose pip list is the
 *   requirements file's lines followed by the pip packages that are not already among them
 *   (v1's `merge_list(requirements, pip_packages)`), with `azureml-defaults` first (see
 *   {@link FromEstimatorOptions}) unless listed already, and whose conda packages are the spec's
 *   in order (a `python=<version>` package replaces the default Python, another `python` spec
 *   removes the pin); `pip` joins the conda packages when the pip list is not empty.
 *
 * A file the spec names but `files` lacks is an issue with v1's message
 * ("{path} path doesn't exist. The conda dependencies file should be inside the project folder").
 *
 * @category compiling
 * @since 0.1.0
 */
export const fromEstimator = (
  environment: Estimator.Environment,
  files: SourceFiles,
  options: FromEstimatorOptions = {}
): E.Either<ReadonlyArray<Validation.Issue>, CondaSpecification> => {
  const sourceDirectory = options.sourceDirectory ?? "."
  if (environment.condaFile !== undefined) {
    const file = environment.condaFile
    const text = lookup(files, file)
    if (text === undefined) {
      return E.left([{
        path: "environment.condaFile",
        code: "conda-file-missing",
        message: `${fullPath(sourceDirectory, file)} path doesn't exist. The conda dependencies file should be inside the project folder`,
        hint: `Create ${file} inside the source directory "${sourceDirectory}", or fix environment.condaFile (it is relative to sourceDirectory).`,
        severity: "error"
      }])
    }
    return E.mapLeft((issues: ReadonlyArray<ParseIssue.ParseIssue>) => fileIssue("condaFile", file, issues))(parse(text))
  }

  let requirementLines: ReadonlyArray<string> = []
  if (environment.pipRequirementsFile !== undefined) {
    const file = environment.pipRequirementsFile
    const text = lookup(files, file)
    if (text === undefined) {
      return E.left([{
        path: "environment.pipRequirementsFile",
        code: "pip-requirements-file-missing",
        message: `${fullPath(sourceDirectory, file)} path doesn't exist. The pip requirements file should be inside the project folder`,
        hint: `Create ${file} inside the source directory "${sourceDirectory}", or fix environment.pipRequirementsFile (it is relative to sourceDirectory).`,
        severity: "error"
      }])
    }
    const parsed = Requirements.parse(text)
    if (E.isLeft(parsed)) return E.left(fileIssue("pipRequirementsFile", file, parsed.left))
    requirementLines = parsed.right.map(Requirements.renderEntry)
  }

  const pip = [...requirementLines]
  const pipPackages = environment.pipPackages
  for (let i = 0; i < pipPackages.length; i++) {
    const line = pipPackages[i] as string
    if (!pip.includes(line)) pip.push(line)
  }
  if (pip.length > 0 && (options.azuremlDefaults ?? true) && !hasPipPackage(pip, AZUREML_DEFAULTS)) {
    pip.unshift(AZUREML_DEFAULTS)
  }
  const dependencies: Array<string> = []
  let pin: string | undefined
  let pinnedTwice = false
  let hasPythonPackage = false
  let hasPipCondaPackage = false
  const condaPackages = environment.condaPackages
  for (let i = 0; i < condaPackages.length; i++) {
    const dependency = condaPackages[i] as string
    const version = pythonPin(dependency)
    if (version !== undefined) {
      if (pin === undefined) pin = version
      else if (version !== pin) pinnedTwice = true
    } else if (!dependencies.includes(dependency)) {
      dependencies.push(dependency)
      const name = packageName(dependency)
      if (name === "python") hasPythonPackage = true
      else if (name === "pip") hasPipCondaPackage = true
    }
  }
  if (pinnedTwice) {
    return E.left([{
      path: "environment.condaPackages",
      code: "python-pinned-twice",
      message: `environment.condaPackages pins Python more than once (${distinctPins(condaPackages).map((v) => `python=${v}`).join(", ")}).`,
      hint: "Keep one python=<version> entry.",
      severity: "error"
    }])
  }
  if (pip.length > 0 && !hasPipCondaPackage) dependencies.unshift("pip")
  const python = pin ?? (hasPythonPackage ? undefined : DEFAULT_PYTHON_VERSION)
  return E.right(
    python === undefined
      ? { name: DEFAULT_NAME, channels: DEFAULT_CHANNELS, dependencies, pip }
      : { name: DEFAULT_NAME, channels: DEFAULT_CHANNELS, python, dependencies, pip }
  )
}
