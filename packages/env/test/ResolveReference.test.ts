import type { Estimator } from "@estimator/core"
import { Estimator as EstimatorModule, Validation } from "@estimator/core"
import * as fc from "fast-check"
import * as E from "fp-ts/lib/Either.js"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as BaseImages from "../src/BaseImages.js"
import * as Conda from "../src/Conda.js"
import * as Dockerfile from "../src/Dockerfile.js"
import * as ParseIssue from "../src/ParseIssue.js"
import * as Requirements from "../src/Requirements.js"
import * as ResolvedEnvironment from "../src/ResolvedEnvironment.js"
import * as Arb from "./utils/arbitraries.js"

// The resolution functions compute each package name once and build their results in one go;
// these properties pin them to the straightforward implementations they replaced (names looked
// up again for every comparison, spreads, `Set`s), key order included (compared as JSON text).

const same = (actual: unknown, expected: unknown): void => {
  expect(actual).toStrictEqual(expected)
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
}

const referencePipName = (line: string): string | undefined => {
  if (line.trimStart().startsWith("-")) return undefined
  const parsed = Requirements.parse(line)
  const entry = E.isRight(parsed) ? parsed.right[0] : undefined
  return entry?._tag === "Requirement" ? Requirements.packageName(entry) : undefined
}

const referenceMergePip = (existing: ReadonlyArray<string>, added: ReadonlyArray<string>): ReadonlyArray<string> => {
  const lines = [...existing]
  for (const line of added) {
    const name = referencePipName(line)
    const present = name === undefined ? lines.includes(line) : lines.some((other) => referencePipName(other) === name)
    if (!present) lines.push(line)
  }
  return lines
}

const referenceAddPackages = (self: Conda.CondaSpecification, conda: ReadonlyArray<string>, pip: ReadonlyArray<string>): Conda.CondaSpecification => {
  let python = self.python
  const dependencies = [...self.dependencies]
  const hasPython = () => python !== undefined || dependencies.some((d) => Conda.packageName(d) === "python")
  for (const dependency of conda) {
    const pin = Conda.pythonPin(dependency)
    if (pin !== undefined) {
      if (!hasPython()) python = pin
    } else if (!dependencies.some((d) => Conda.packageName(d) === Conda.packageName(dependency))) {
      dependencies.push(dependency)
    }
  }
  const pipLines = referenceMergePip(self.pip, pip)
  if (pipLines.length > 0 && !dependencies.some((d) => Conda.packageName(d) === "pip")) dependencies.unshift("pip")
  return {
    ...(self.name === undefined ? {} : { name: self.name }),
    channels: self.channels,
    ...(python === undefined ? {} : { python }),
    dependencies,
    pip: pipLines
  }
}

const referenceFileIssues = (field: "condaFile" | "pipRequirementsFile", file: string, issues: ReadonlyArray<ParseIssue.ParseIssue>): ReadonlyArray<Validation.Issue> =>
  issues.map((issue) => ({
    path: `environment.${field}`,
    code: field === "condaFile" ? "conda-file-invalid" : "pip-requirements-file-invalid",
    message: ParseIssue.format(issue, file),
    hint: field === "condaFile"
      ? "Fix the conda environment file: a mapping with name, channels and dependencies (package strings and one {pip: [...]} entry)."
      : "Fix the requirements file: one requirement (numpy>=1.24) or pip option (--extra-index-url URL) per line.",
    severity: "error" as const
  }))

const referenceMissing = (field: "condaFile" | "pipRequirementsFile", file: string, sourceDirectory: string): ReadonlyArray<Validation.Issue> => {
  const what = field === "condaFile" ? "conda dependencies" : "pip requirements"
  return [{
    path: `environment.${field}`,
    code: field === "condaFile" ? "conda-file-missing" : "pip-requirements-file-missing",
    message: `${path.posix.normalize(path.posix.join(sourceDirectory, file))} path doesn't exist. The ${what} file should be inside the project folder`,
    hint: `Create ${file} inside the source directory "${sourceDirectory}", or fix environment.${field} (it is relative to sourceDirectory).`,
    severity: "error"
  }]
}

const referenceCondaFromEstimator = (
  environment: Estimator.Environment,
  files: Conda.SourceFiles,
  options: Conda.FromEstimatorOptions = {}
): E.Either<ReadonlyArray<Validation.Issue>, Conda.CondaSpecification> => {
  const sourceDirectory = options.sourceDirectory ?? "."
  const lookup = (file: string) => [file, path.posix.normalize(file)].find((key) => Object.hasOwn(files, key))
  if (environment.condaFile !== undefined) {
    const file = environment.condaFile
    const key = lookup(file)
    if (key === undefined) return E.left(referenceMissing("condaFile", file, sourceDirectory))
    const parsed = Conda.parse(files[key]!)
    return E.isRight(parsed) ? parsed : E.left(referenceFileIssues("condaFile", file, parsed.left))
  }
  let requirementLines: ReadonlyArray<string> = []
  if (environment.pipRequirementsFile !== undefined) {
    const file = environment.pipRequirementsFile
    const key = lookup(file)
    if (key === undefined) return E.left(referenceMissing("pipRequirementsFile", file, sourceDirectory))
    const parsed = Requirements.parse(files[key]!)
    if (E.isLeft(parsed)) return E.left(referenceFileIssues("pipRequirementsFile", file, parsed.left))
    requirementLines = parsed.right.map(Requirements.renderEntry)
  }
  const pip = [...requirementLines]
  for (const line of environment.pipPackages) if (!pip.includes(line)) pip.push(line)
  if (pip.length > 0 && (options.azuremlDefaults ?? true) && !pip.some((line) => referencePipName(line) === Conda.AZUREML_DEFAULTS)) {
    pip.unshift(Conda.AZUREML_DEFAULTS)
  }
  const pins = [...new Set(environment.condaPackages.flatMap((p) => Conda.pythonPin(p) ?? []))]
  if (pins.length > 1) {
    return E.left([{
      path: "environment.condaPackages",
      code: "python-pinned-twice",
      message: `environment.condaPackages pins Python more than once (${pins.map((v) => `python=${v}`).join(", ")}).`,
      hint: "Keep one python=<version> entry.",
      severity: "error"
    }])
  }
  const dependencies: Array<string> = []
  for (const p of environment.condaPackages) if (Conda.pythonPin(p) === undefined && !dependencies.includes(p)) dependencies.push(p)
  if (pip.length > 0 && !dependencies.some((d) => Conda.packageName(d) === "pip")) dependencies.unshift("pip")
  const python = pins[0] ?? (dependencies.some((d) => Conda.packageName(d) === "python") ? undefined : Conda.DEFAULT_PYTHON_VERSION)
  return E.right({
    name: Conda.DEFAULT_NAME,
    channels: Conda.DEFAULT_CHANNELS,
    ...(python === undefined ? {} : { python }),
    dependencies,
    pip
  })
}

const referenceFromEstimator = (
  spec: Estimator.Estimator,
  files: Conda.SourceFiles,
  options: ResolvedEnvironment.FromEstimatorOptions = {}
): E.Either<ReadonlyArray<Validation.Issue>, ResolvedEnvironment.ResolvedEnvironment> => {
  const environment = spec.environment
  const issues: Array<Validation.Issue> = options.validated === true
    ? []
    : Validation.errors(Validation.validate(spec)).filter((issue) => issue.path === "environment" || issue.path.startsWith("environment."))
  const common = { docker: environment.docker, environmentVariables: {} }
  if (environment.registered !== undefined) {
    return issues.length > 0 ? E.left(issues) : E.right({ _tag: "Registered", ...common, ...environment.registered })
  }
  if (environment.build !== undefined) {
    const fields: ReadonlyArray<readonly [string, boolean]> = [
      ["environment.condaPackages", environment.condaPackages.length > 0],
      ["environment.pipPackages", environment.pipPackages.length > 0],
      ["environment.condaFile", environment.condaFile !== undefined],
      ["environment.pipRequirementsFile", environment.pipRequirementsFile !== undefined]
    ]
    for (const [field, present] of fields) {
      if (present) {
        issues.push({
          path: field,
          code: "build-context-with-packages",
          message: `${field} is set together with the build context "${environment.build.context}": packages are not installed on top of an image built from a Dockerfile.`,
          hint: `Install them in ${environment.build.context}/${environment.build.dockerfile ?? ResolvedEnvironment.DEFAULT_DOCKERFILE}, or remove the build context and use a base image.`,
          severity: "error"
        })
      }
    }
    return issues.length > 0 ? E.left(issues) : E.right({
      _tag: "Build",
      ...common,
      context: environment.build.context,
      dockerfile: environment.build.dockerfile ?? ResolvedEnvironment.DEFAULT_DOCKERFILE
    })
  }
  let python: ResolvedEnvironment.Python = ResolvedEnvironment.userManaged
  if (!environment.userManagedPython) {
    const specification = referenceCondaFromEstimator(environment, files, {
      sourceDirectory: spec.sourceDirectory,
      ...(options.azuremlDefaults === undefined ? {} : { azuremlDefaults: options.azuremlDefaults })
    })
    if (E.isLeft(specification)) issues.push(...specification.left)
    else python = ResolvedEnvironment.conda(specification.right)
  }
  if (issues.length > 0) return E.left(issues)
  const registry = environment.image?.registry
  return E.right({
    _tag: "Image",
    ...common,
    baseImage: environment.image?.name ?? BaseImages.defaultImage(spec.gpu),
    ...(registry === undefined ? {} : { registry }),
    python
  })
}

/** Package specifications that share names (pins, channels, case, `-`/`_`), python pins, pip options. */
const packageSpec = fc.oneof(
  fc.tuple(
    fc.constantFrom("numpy", "NumPy", "pip", "python", "torch", "scikit_learn", "scikit-learn", "azureml-defaults", "mpi4py", "horovod"),
    fc.constantFrom("", "==1.0", ">=2", "=3.6.2", "[extra]==1", " ; python_version<'3.8'"),
    fc.constantFrom("", "conda-forge::")
  ).map(([name, pin, channel]) => `${channel}${name}${pin}`),
  fc.constantFrom("python=3.6.2", "python=3.10", "python>=3.8", "--extra-index-url http://x/simple", "-r other.txt", "./local"),
  Arb.condaDependency,
  Arb.pipLine
)
const packages = fc.array(packageSpec, { maxLength: 6 })

describe("Conda.pythonPin against the regular expression it used", () => {
  const referencePythonPin = (dependency: string): string | undefined => /^python=([0-9][0-9A-Za-z.*+_-]*)$/.exec(dependency)?.[1]
  it("gives the same version, or none, for any dependency", () => {
    const dependency = fc.oneof(
      packageSpec,
      fc.string(),
      fc.tuple(fc.constantFrom("python=", "python==", "Python=", " python=", "python"), fc.string({ maxLength: 8 }), fc.constantFrom("", "\n", " ", "*", "a")).map((parts) => parts.join(""))
    )
    fc.assert(fc.property(dependency, (d) => {
      expect(Conda.pythonPin(d)).toBe(referencePythonPin(d))
    }), { numRuns: 2000 })
    for (const d of ["python=3.10", "python=3", "python=3.10\n", "python=", "python=x", "python=3.*", "python=3 .1"]) expect(Conda.pythonPin(d)).toBe(referencePythonPin(d))
  })
})

describe("Conda combinators against the straightforward implementations", () => {
  it("mergePip", () => {
    fc.assert(fc.property(packages, packages, (existing, added) => {
      same(Conda.mergePip(existing, added), referenceMergePip(existing, added))
    }), { numRuns: 500 })
  })

  it("addPackages, data-first and data-last", () => {
    const specification = fc.record(
      { name: fc.string(), channels: fc.array(Arb.text, { maxLength: 2 }), python: Arb.version, dependencies: packages, pip: packages },
      { requiredKeys: ["channels", "dependencies", "pip"] }
    )
    fc.assert(fc.property(specification, packages, packages, (self, conda, pip) => {
      const expected = referenceAddPackages(self, conda, pip)
      same(Conda.addPackages(self, conda, pip), expected)
      same(Conda.addPackages(conda, pip)(self), expected)
    }), { numRuns: 500 })
  })
})

const base = EstimatorModule.make({ entryScript: "train.py" })

/** Specs with every environment shape, packages that collide, and files present, missing or malformed. */
const spec: fc.Arbitrary<Estimator.Estimator> = fc.record({
  gpu: fc.boolean(),
  docker: fc.boolean(),
  userManagedPython: fc.boolean(),
  condaPackages: packages,
  pipPackages: packages,
  condaFile: fc.option(fc.constantFrom("env.yml", "./env.yml", "missing.yml", "bad.yml"), { nil: undefined }),
  pipRequirementsFile: fc.option(fc.constantFrom("requirements.txt", "./requirements.txt", "missing.txt", "bad.txt"), { nil: undefined }),
  image: fc.option(fc.record({ name: fc.constantFrom("me/img:1", "mcr.microsoft.com/azureml/x"), registry: fc.option(fc.record({ address: fc.constantFrom("r.example", "https://r.example/") }), { nil: undefined }) }), { nil: undefined }),
  build: fc.option(fc.record({ context: fc.constantFrom("docker", "."), dockerfile: fc.option(fc.constantFrom("Dockerfile.gpu"), { nil: undefined }) }), { nil: undefined }),
  registered: fc.option(fc.record({ name: fc.constantFrom("env"), version: fc.option(fc.constantFrom("3"), { nil: undefined }) }), { nil: undefined }),
  sourceDirectory: fc.constantFrom(".", "src", "./a/../b")
}).map((s): Estimator.Estimator => {
  // Optional fields left out rather than set to undefined (a decoded spec has no undefined fields).
  const defined = (record: object): Estimator.Environment => JSON.parse(JSON.stringify(record)) as Estimator.Environment
  return {
    ...base,
    gpu: s.gpu,
    sourceDirectory: s.sourceDirectory,
    environment: defined({
      docker: s.docker,
      userManagedPython: s.userManagedPython,
      condaPackages: s.condaPackages,
      pipPackages: s.pipPackages,
      condaFile: s.condaFile,
      pipRequirementsFile: s.pipRequirementsFile,
      image: s.image,
      build: s.build,
      registered: s.registered
    })
  }
})

const files: Conda.SourceFiles = {
  "env.yml": "name: x\nchannels: [defaults]\ndependencies:\n  - python=3.10\n  - numpy\n  - pip:\n      - torch\n",
  "bad.yml": "dependencies: [[",
  "requirements.txt": "numpy>=1\n--extra-index-url http://x/simple\nscipy ; python_version < \"3.10\"\n",
  "bad.txt": "-r\n"
}

describe("fromEstimator against the straightforward implementations", () => {
  it("Conda.fromEstimator", () => {
    fc.assert(fc.property(spec, fc.option(fc.boolean(), { nil: undefined }), (s, azuremlDefaults) => {
      const options = { sourceDirectory: s.sourceDirectory, ...(azuremlDefaults === undefined ? {} : { azuremlDefaults }) }
      same(Conda.fromEstimator(s.environment, files, options), referenceCondaFromEstimator(s.environment, files, options))
    }), { numRuns: 1000 })
  })

  it("ResolvedEnvironment.fromEstimator, validated or not", () => {
    fc.assert(fc.property(spec, fc.option(fc.boolean(), { nil: undefined }), fc.boolean(), (s, azuremlDefaults, validated) => {
      const options = { validated, ...(azuremlDefaults === undefined ? {} : { azuremlDefaults }) }
      same(ResolvedEnvironment.fromEstimator(s, files, options), referenceFromEstimator(s, files, options))
    }), { numRuns: 1000 })
  })
})

describe("ResolvedEnvironment.withBaseImage against the straightforward implementation", () => {
  const reference = (self: ResolvedEnvironment.ResolvedEnvironment, baseImage: string, registry?: ResolvedEnvironment.Registry) => {
    if (self._tag !== "Image") return self
    const { registry: _, ...rest } = self
    return registry === undefined ? { ...rest, baseImage } : { ...rest, baseImage, registry }
  }

  it("keeps the key order and drops or sets the registry", () => {
    fc.assert(fc.property(Arb.resolvedEnvironment, fc.string(), fc.option(Arb.registry, { nil: undefined }), fc.nat(), (environment, image, registry, seed) => {
      const shuffled = Arb.shuffleKeys(environment, seed)
      same(ResolvedEnvironment.withBaseImage(shuffled, image, registry), reference(shuffled, image, registry))
    }))
  })
})

describe("BaseImages.hasConda", () => {
  it("is whether parseReference's repository is under mcr.microsoft.com/azureml/", () => {
    const image = fc.tuple(
      fc.constantFrom("", "mcr.microsoft.com/azureml/", "mcr.microsoft.com/", "host:5000/", "mcr.microsoft.com/azureml"),
      fc.constantFrom("base", "x:y", "a/b"),
      fc.constantFrom("", ":1", ":tag@sha256:abc", "@sha256:abc", "@x:y/z")
    ).map((parts) => parts.join(""))
    fc.assert(fc.property(fc.oneof(image, fc.string()), (name) => {
      expect(BaseImages.hasConda(name)).toBe(BaseImages.parseReference(name).repository.startsWith("mcr.microsoft.com/azureml/"))
    }))
  })
})

describe("Dockerfile.render writes its instructions as documented", () => {
  const header = "# Generated by @estimator/env from the job's environment; the image tag is its content hash."
  const condaRun = "conda env create --prefix /opt/estimator/env --file /opt/estimator/conda.yml && conda clean --all --yes"

  it("for a conda environment on a conda image, with and without a pip index", () => {
    const environment = ResolvedEnvironment.image({ baseImage: BaseImages.DEFAULT_CPU_IMAGE, python: ResolvedEnvironment.conda(Conda.fromPip(["numpy"])) })
    const plain = Dockerfile.render(environment)
    same(plain, E.right({
      dockerfile: `${header}\nFROM ${BaseImages.DEFAULT_CPU_IMAGE}\nCOPY conda.yml /opt/estimator/conda.yml\nRUN ${condaRun}\nENV PATH=/opt/estimator/env/bin:$PATH\n`,
      files: { "conda.yml": Conda.render(Conda.fromPip(["numpy"])) },
      warnings: []
    }))
    const indexed = Dockerfile.render(environment, { pipIndexUrl: "http://10.0.0.1:8766/simple" })
    expect(E.isRight(indexed) && indexed.right.dockerfile).toBe(
      `${header}\nFROM ${BaseImages.DEFAULT_CPU_IMAGE}\nCOPY conda.yml /opt/estimator/conda.yml\nRUN PIP_INDEX_URL=http://10.0.0.1:8766/simple PIP_TRUSTED_HOST=10.0.0.1 ${condaRun}\nENV PATH=/opt/estimator/env/bin:$PATH\n`
    )
  })

  it("for pip lines on an image without conda, with and without a pip index", () => {
    const environment = ResolvedEnvironment.image({ baseImage: "python:3.11", python: ResolvedEnvironment.pip(["numpy", "scipy==1.10"]) })
    const install = "RUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir"
    same(Dockerfile.render(environment), E.right({
      dockerfile: `${header}\nFROM python:3.11\nCOPY requirements.txt /opt/estimator/requirements.txt\n${install} --requirement /opt/estimator/requirements.txt\n`,
      files: { "requirements.txt": "numpy\nscipy==1.10\n" },
      warnings: []
    }))
    const indexed = Dockerfile.render(environment, { pipIndexUrl: "http://h:1/simple" })
    expect(E.isRight(indexed) && indexed.right.dockerfile).toBe(
      `${header}\nFROM python:3.11\nCOPY requirements.txt /opt/estimator/requirements.txt\n${install} --index-url http://h:1/simple --trusted-host h --requirement /opt/estimator/requirements.txt\n`
    )
  })

  it("for a user-managed Python: the image only", () => {
    same(
      Dockerfile.render(ResolvedEnvironment.image({ baseImage: "me/img:1", python: ResolvedEnvironment.userManaged })),
      E.right({ dockerfile: `${header}\nFROM me/img:1\n`, files: {}, warnings: [] })
    )
  })
})
