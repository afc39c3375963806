/**
 * The command line grammar of `estimator`: which commands exist, their positional arguments and
 * options, their help text, and a parser from `argv` to a typed {@link Invocation}. A usage
 * mistake (an unknown command or flag, a missing argument, a value outside a choice) is a
 * {@link UsageError} that says what is wrong and how to fix it; the command exits with code 2.
 * Pure: no IO.
 *
 * Grammar: `estimator <command> [arguments] [options]`. Options may come before, between or after
 * the arguments, written `--name value` or `--name=value`; `--` ends the options; `-` alone is an
 * argument (standard input).
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The backends a spec can be planned for (see DESIGN §3).
 *
 * @category models
 * @since 0.1.0
 */
export const backends = ["dry-run", "local", "docker", "azureml"] as const

/**
 * @category models
 * @since 0.1.0
 */
export type BackendName = (typeof backends)[number]

/**
 * The backends `run` can execute on (`dry-run` only plans).
 *
 * @category models
 * @since 0.1.0
 */
export const runBackends = ["local", "docker", "azureml"] as const

/**
 * @category models
 * @since 0.1.0
 */
export type RunBackendName = (typeof runBackends)[number]

/**
 * @category models
 * @since 0.1.0
 */
export type PlanFormat = "text" | "json"

/**
 * @category models
 * @since 0.1.0
 */
export type ExportFormat = "azureml-yaml" | "json"

/**
 * @category models
 * @since 0.1.0
 */
export type ImportFormat = "azureml-yaml" | "v1"

/**
 * What the user asked for, fully parsed and checked.
 *
 * @category models
 * @since 0.1.0
 */
export type Invocation =
  | { readonly _tag: "Help"; readonly command?: CommandName }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Validate"; readonly spec: string; readonly json: boolean }
  | {
    readonly _tag: "Plan"
    readonly spec: string
    readonly backend: BackendName
    readonly format: PlanFormat
    readonly workspace?: string
  }
  | {
    readonly _tag: "Run"
    readonly spec: string
    readonly backend: RunBackendName
    readonly detach: boolean
    readonly json: boolean
    readonly workspace?: string
  }
  | { readonly _tag: "Status"; readonly runId: string; readonly json: boolean }
  | { readonly _tag: "Logs"; readonly runId: string; readonly follow: boolean }
  | { readonly _tag: "Cancel"; readonly runId: string }
  | { readonly _tag: "Runs"; readonly json: boolean }
  | { readonly _tag: "Export"; readonly spec: string; readonly format: ExportFormat }
  | { readonly _tag: "Import"; readonly file: string; readonly from: ImportFormat; readonly json: boolean }
  | { readonly _tag: "Schema" }

/**
 * A mistake in the command line itself: what is wrong, and how to fix it. `command` names the
 * command whose usage applies, when there is one.
 *
 * @category models
 * @since 0.1.0
 */
export interface UsageError {
  readonly _tag: "UsageError"
  readonly message: string
  readonly hint: string
  readonly command?: CommandName
}

/**
 * The result of {@link parse}.
 *
 * @category models
 * @since 0.1.0
 */
export type ParseResult =
  | { readonly _tag: "Ok"; readonly invocation: Invocation }
  | { readonly _tag: "Error"; readonly error: UsageError }

type OptionSpec =
  | { readonly kind: "flag"; readonly description: string }
  | {
    readonly kind: "choice"
    readonly values: ReadonlyArray<string>
    readonly default?: string
    readonly description: string
  }
  | { readonly kind: "value"; readonly metavar: string; readonly description: string }

interface CommandSpec {
  readonly summary: string
  readonly positionals: ReadonlyArray<{ readonly name: string; readonly description: string }>
  readonly options: { readonly [name: string]: OptionSpec }
  readonly details: ReadonlyArray<string>
  readonly examples: ReadonlyArray<string>
}

const SPEC_DESCRIPTION =
  "a .ts/.mts/.js/.mjs module whose default export is an Estimator (or an array of them), a .json/.yaml/.yml spec file, or - for JSON on standard input"

const HELP_OPTION: OptionSpec = { kind: "flag", description: "show this help" }

/**
 * Every command, its arguments and options. The order is the order of `estimator --help`.
 *
 * @category models
 * @since 0.1.0
 */
export const commands = {
  validate: {
    summary: "check a spec against every rule; list all errors and warnings",
    positionals: [{ name: "spec", description: SPEC_DESCRIPTION }],
    options: {
      json: { kind: "flag", description: "print one JSON document (the issues) on standard output" },
      help: HELP_OPTION
    },
    details: [
      "Exit code 0 when the spec is valid (warnings are printed but allowed), 1 when it is not",
      "(every issue is listed with its path, code, message and fix), 2 on a usage error."
    ],
    examples: ["estimator validate job.ts", "estimator validate job.yaml --json", "cat job.json | estimator validate -"]
  },
  plan: {
    summary: "show exactly what a backend would do with a spec, without doing it",
    positionals: [{ name: "spec", description: SPEC_DESCRIPTION }],
    options: {
      backend: { kind: "choice", values: backends, default: "dry-run", description: "the backend to plan for" },
      format: { kind: "choice", values: ["text", "json"], default: "text", description: "a readable tree, or the JSON plan envelope" },
      json: { kind: "flag", description: "same as --format json" },
      workspace: {
        kind: "value",
        metavar: "FILE",
        description: "an Azure ML config.json (subscription_id, resource_group, workspace_name); azureml only"
      },
      help: HELP_OPTION
    },
    details: [
      "Plans never have side effects. Secrets appear as references, never as values. The azureml",
      "workspace is --workspace FILE, else AZUREML_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP and",
      "AZUREML_WORKSPACE_NAME over a config.json found in the current directory, its .azureml/",
      "folder or a parent; without one, the plan keeps the placeholders {subscriptionId},",
      "{resourceGroupName} and {workspaceName} in its request paths."
    ],
    examples: [
      "estimator plan job.ts",
      "estimator plan job.ts --backend azureml --format json",
      "estimator plan job.ts --backend azureml --workspace config.json"
    ]
  },
  run: {
    summary: "run a spec: plan it for a backend, execute the plan and stream its logs",
    positionals: [{ name: "spec", description: SPEC_DESCRIPTION }],
    options: {
      backend: { kind: "choice", values: runBackends, default: "local", description: "where to run it" },
      detach: { kind: "flag", description: "start the run, print its id and return at once (follow it with status, logs, cancel)" },
      workspace: {
        kind: "value",
        metavar: "FILE",
        description: "an Azure ML config.json (subscription_id, resource_group, workspace_name); azureml only"
      },
      json: {
        kind: "flag",
        description: "print one JSON document (run id, status, exit code, outputs folder) on standard output; the logs go to standard error"
      },
      help: HELP_OPTION
    },
    details: [
      "run = execute(plan(spec)): the plan is the one \"estimator plan\" shows. The job's output is streamed",
      "as it comes; Ctrl-C cancels the run. The run is kept in .estimator/runs/<run id>/ (or",
      "$ESTIMATOR_HOME/runs): run.json, logs/ and outputs/ (the job's ESTIMATOR_OUTPUT_DIR).",
      "Exit code 0 Completed, 1 Failed (or an invalid spec), 130 Canceled, 2 usage error.",
      "--backend azureml submits the job to the Azure ML workspace named by --workspace FILE, else",
      "AZUREML_SUBSCRIPTION_ID, AZUREML_RESOURCE_GROUP and AZUREML_WORKSPACE_NAME over a config.json",
      "found in the current directory, its .azureml/ folder or a parent; Ctrl-C then stops following",
      "and the job keeps running in Azure (cancel it with estimator cancel <run id>)."
    ],
    examples: [
      "estimator run job.ts",
      "estimator run job.ts --backend docker",
      "estimator run job.ts --detach && estimator runs",
      "estimator run job.ts --backend azureml --workspace config.json"
    ]
  },
  status: {
    summary: "show a run's status (from any process, after the run started)",
    positionals: [{ name: "run-id", description: "the run's id, as run --detach and runs print it" }],
    options: {
      json: { kind: "flag", description: "print one JSON document (the run's status, history, exit code and folders)" },
      help: HELP_OPTION
    },
    details: [
      "Runs are read from .estimator/runs in the current directory (or $ESTIMATOR_HOME/runs).",
      "Exit code 0 when the run is found, whatever its status; 1 when it is not."
    ],
    examples: ["estimator status 20250101-120000-abcd1234", "estimator status 20250101-120000-abcd1234 --json"]
  },
  logs: {
    summary: "print a run's output (stdout and stderr, as the job wrote them)",
    positionals: [{ name: "run-id", description: "the run's id" }],
    options: {
      follow: { kind: "flag", description: "keep printing as the job writes, until the run ends" },
      help: HELP_OPTION
    },
    details: ["Secrets are redacted. Exit code 0, or 1 when the run is not found."],
    examples: ["estimator logs 20250101-120000-abcd1234", "estimator logs 20250101-120000-abcd1234 --follow"]
  },
  cancel: {
    summary: "cancel a run (from any process) and wait until it has stopped",
    positionals: [{ name: "run-id", description: "the run's id" }],
    options: { help: HELP_OPTION },
    details: [
      "The job's processes are stopped; its logs and outputs are kept. Exit code 0 when the run is",
      "canceled or had already ended, 1 when it is not found or did not stop."
    ],
    examples: ["estimator cancel 20250101-120000-abcd1234"]
  },
  runs: {
    summary: "list the runs of this directory's run store, newest first",
    positionals: [],
    options: {
      json: { kind: "flag", description: "print one JSON array" },
      help: HELP_OPTION
    },
    details: ["Runs are read from .estimator/runs in the current directory (or $ESTIMATOR_HOME/runs)."],
    examples: ["estimator runs", "estimator runs --json"]
  },
  export: {
    summary: "write a spec as an Azure ML CLI v2 command-job YAML, or as spec JSON",
    positionals: [{ name: "spec", description: SPEC_DESCRIPTION }],
    options: {
      format: { kind: "choice", values: ["azureml-yaml", "json"], description: "the output format (required)" },
      help: HELP_OPTION
    },
    details: [
      "The output's source directory is written relative to the current directory, so save it there",
      "(estimator export job.ts --format json > job.json) and it loads back unchanged."
    ],
    examples: ["estimator export job.ts --format azureml-yaml > job.yml", "estimator export job.ts --format json > job.json"]
  },
  import: {
    summary: "turn another tool's job description into a spec (JSON on standard output)",
    positionals: [{ name: "file", description: "the file to import, or - for standard input" }],
    options: {
      from: { kind: "choice", values: ["azureml-yaml", "v1"], description: "the input format (required)" },
      json: {
        kind: "flag",
        description: "print one JSON document with the spec and every issue ({ spec, warnings } or { errors, warnings }; an array for a list of v1 calls)"
      },
      help: HELP_OPTION
    },
    details: [
      "Warnings (what could not be carried over exactly) go to standard error. The spec's source",
      "directory is written relative to the current directory, read from the imported file's folder.",
      "--from v1 reads an Azure ML SDK v1 estimator call as JSON ({ \"class\": \"PyTorch\", \"args\": { ... } })",
      "or a JSON array of them (then the specs come out as an array, one per call). Exit code 1 when",
      "any call has an error (every error is listed with its path, code, message and fix)."
    ],
    examples: [
      "estimator import job.yml --from azureml-yaml > job.json",
      "estimator import call.json --from v1 > job.json",
      "estimator import calls.json --from v1 --json"
    ]
  },
  schema: {
    summary: "print the JSON Schema of the spec (for editors and tools)",
    positionals: [],
    options: { help: HELP_OPTION },
    details: ["Point your editor's YAML or JSON schema setting at the output to get completion in spec files."],
    examples: ["estimator schema > estimator.schema.json"]
  }
} as const satisfies { readonly [name: string]: CommandSpec }

/**
 * @category models
 * @since 0.1.0
 */
export type CommandName = keyof typeof commands

/**
 * The command names, in help order.
 *
 * @category models
 * @since 0.1.0
 */
export const commandNames = Object.keys(commands) as ReadonlyArray<CommandName>

const isCommandName = (name: string): name is CommandName => Object.prototype.hasOwnProperty.call(commands, name)

// -------------------------------------------------------------------------------------
// help
// -------------------------------------------------------------------------------------

const pad = (text: string, width: number): string => text + " ".repeat(Math.max(1, width - text.length))

const optionLabel = (name: string, option: OptionSpec): string => {
  switch (option.kind) {
    case "flag":
      return `--${name}`
    case "choice":
      return `--${name} ${option.values.join("|")}`
    case "value":
      return `--${name} ${option.metavar}`
  }
}

const usageLine = (name: CommandName): string => {
  const spec: CommandSpec = commands[name]
  const positionals = spec.positionals.map((p) => `<${p.name}>`)
  const options = Object.entries(spec.options)
    .filter(([option]) => option !== "help")
    .map(([option, o]) => {
      const label = optionLabel(option, o)
      return o.kind === "choice" && o.default === undefined ? label : `[${label}]`
    })
  return ["estimator", name, ...positionals, ...options].join(" ")
}

/**
 * The help text of one command, or of the whole tool when `command` is absent.
 *
 * @category help
 * @since 0.1.0
 */
export const help = (command?: CommandName): string => {
  if (command === undefined) {
    const width = Math.max(...commandNames.map((n) => n.length)) + 3
    return [
      "estimator: describe a training job once, validate it, plan it for dry-run, local, docker or azureml, and run it.",
      "",
      "Usage: estimator <command> [arguments] [options]",
      "",
      "Commands:",
      ...commandNames.map((n) => `  ${pad(n, width)}${commands[n].summary}`),
      "",
      "Options:",
      "  --help, -h      show help (estimator <command> --help for a command)",
      "  --version, -V   print the version",
      "",
      "Exit codes: 0 success, 1 invalid spec or input (or a failed run), 2 usage error, 130 canceled run.",
      "Colour is used only on a terminal and never when NO_COLOR is set.",
      ""
    ].join("\n")
  }
  const spec: CommandSpec = commands[command]
  const rows: Array<readonly [string, string]> = [
    ...spec.positionals.map((p) => [`<${p.name}>`, p.description] as const),
    ...Object.entries(spec.options).map(([name, o]) => {
      const suffix = o.kind === "choice" && o.default !== undefined ? ` (default: ${o.default})` : ""
      return [name === "help" ? "--help, -h" : optionLabel(name, o), o.description + suffix] as const
    })
  ]
  const width = Math.max(...rows.map(([label]) => label.length)) + 3
  return [
    `estimator ${command}: ${spec.summary}`,
    "",
    `Usage: ${usageLine(command)}`,
    "",
    ...rows.map(([label, text]) => `  ${pad(label, width)}${text}`),
    "",
    ...spec.details,
    "",
    "Examples:",
    ...spec.examples.map((e) => `  ${e}`),
    ""
  ].join("\n")
}

/**
 * The one-line usage of a command, for error messages.
 *
 * @category help
 * @since 0.1.0
 */
export const usage = (command: CommandName): string => usageLine(command)

// -------------------------------------------------------------------------------------
// parsing
// -------------------------------------------------------------------------------------

const editDistance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] ?? 0
}

/**
 * The candidate closest to `input`, when it is close enough to be a likely typo.
 *
 * @category parsing
 * @since 0.1.0
 */
export const closest = (input: string, candidates: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined
}

const usageError = (message: string, hint: string, command?: CommandName): ParseResult => ({
  _tag: "Error",
  error: command === undefined ? { _tag: "UsageError", message, hint } : { _tag: "UsageError", message, hint, command }
})

const ok = (invocation: Invocation): ParseResult => ({ _tag: "Ok", invocation })

interface Parsed {
  readonly positionals: ReadonlyArray<string>
  readonly options: { readonly [name: string]: string | true }
}

const parseCommandLine = (command: CommandName, argv: ReadonlyArray<string>): Parsed | UsageError => {
  const spec: CommandSpec = commands[command]
  const positionals: Array<string> = []
  const options: Record<string, string | true> = {}
  const known = Object.keys(spec.options)
  const fail = (message: string, hint: string): UsageError => ({ _tag: "UsageError", message, hint, command })
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg === "-h") {
      options["help"] = true
      continue
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg)
      continue
    }
    if (!arg.startsWith("--")) {
      return fail(`unknown option ${arg}`, `Options are spelled out with two dashes; run: estimator ${command} --help`)
    }
    const equals = arg.indexOf("=")
    const name = arg.slice(2, equals === -1 ? undefined : equals)
    const inline = equals === -1 ? undefined : arg.slice(equals + 1)
    const option = spec.options[name]
    if (option === undefined) {
      const suggestion = closest(name, known)
      return fail(
        `unknown option --${name} for "estimator ${command}"`,
        suggestion !== undefined
          ? `Did you mean --${suggestion}? Run: estimator ${command} --help`
          : `Known options: ${known.map((k) => `--${k}`).join(", ")}.`
      )
    }
    if (name in options && name !== "help") {
      return fail(`--${name} is given more than once`, `Give --${name} once.`)
    }
    if (option.kind === "flag") {
      if (inline !== undefined) return fail(`--${name} takes no value (got "${inline}")`, `Write --${name} alone.`)
      options[name] = true
      continue
    }
    let value = inline
    if (value === undefined) {
      const next = argv[i + 1]
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        const expected = option.kind === "choice" ? `one of ${option.values.join(", ")}` : option.metavar
        return fail(`--${name} needs a value (${expected})`, `Write --${name} <value>, e.g. --${name} ${option.kind === "choice" ? option.values[0] : option.metavar}.`)
      }
      value = next
      i++
    }
    if (option.kind === "choice" && !option.values.includes(value)) {
      const suggestion = closest(value, option.values)
      return fail(
        `"${value}" is not a valid --${name}`,
        `Use one of: ${option.values.join(", ")}.${suggestion !== undefined ? ` Did you mean ${suggestion}?` : ""}`
      )
    }
    options[name] = value
  }
  return { positionals, options }
}

const isUsageError = (u: Parsed | UsageError): u is UsageError => "_tag" in u

const positionalsFor = (command: CommandName, parsed: Parsed): ReadonlyArray<string> | UsageError => {
  const expected: CommandSpec["positionals"] = commands[command].positionals
  if (parsed.positionals.length < expected.length) {
    const missing = expected[parsed.positionals.length]
    return {
      _tag: "UsageError",
      message: `missing argument <${missing?.name}> for "estimator ${command}"`,
      hint: `Usage: ${usageLine(command)}${missing === undefined ? "" : `\n  <${missing.name}>: ${missing.description}`}`,
      command
    }
  }
  if (parsed.positionals.length > expected.length) {
    const extra = parsed.positionals.slice(expected.length)
    return {
      _tag: "UsageError",
      message: `unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((e) => `"${e}"`).join(", ")} for "estimator ${command}"`,
      hint: `Usage: ${usageLine(command)}`,
      command
    }
  }
  return parsed.positionals
}

const required = (command: CommandName, parsed: Parsed, name: string): string | UsageError => {
  const value = parsed.options[name]
  if (typeof value === "string") return value
  const option: OptionSpec | undefined = (commands[command].options as { readonly [n: string]: OptionSpec })[name]
  const values = option?.kind === "choice" ? option.values : []
  return {
    _tag: "UsageError",
    message: `missing option --${name} for "estimator ${command}"`,
    hint: `Add --${name} ${values.join("|")}. Usage: ${usageLine(command)}`,
    command
  }
}

/** `--workspace` names an Azure ML workspace, so it goes with `--backend azureml` only. */
const workspaceMisplaced = (workspace: unknown, backend: string, command: CommandName): ParseResult | undefined =>
  typeof workspace === "string" && backend !== "azureml"
    ? usageError(`--workspace only applies to --backend azureml (the backend is ${backend})`, "Add --backend azureml, or remove --workspace.", command)
    : undefined

const choice = <A extends string>(parsed: Parsed, name: string, fallback: A): A => {
  const value = parsed.options[name]
  return (typeof value === "string" ? value : fallback) as A
}

const build = (command: CommandName, parsed: Parsed): ParseResult => {
  if (parsed.options["help"] === true) return ok({ _tag: "Help", command })
  const positionals = positionalsFor(command, parsed)
  if ("_tag" in positionals) return { _tag: "Error", error: positionals }
  const [first = ""] = positionals
  switch (command) {
    case "validate":
      return ok({ _tag: "Validate", spec: first, json: parsed.options["json"] === true })
    case "plan": {
      const backend = choice<BackendName>(parsed, "backend", "dry-run")
      const explicitFormat = parsed.options["format"]
      if (parsed.options["json"] === true && explicitFormat === "text") {
        return usageError("--json and --format text contradict each other", "Keep one of them.", command)
      }
      const format: PlanFormat = parsed.options["json"] === true ? "json" : choice<PlanFormat>(parsed, "format", "text")
      const workspace = parsed.options["workspace"]
      const misplaced = workspaceMisplaced(workspace, backend, command)
      if (misplaced !== undefined) return misplaced
      return ok(
        typeof workspace === "string"
          ? { _tag: "Plan", spec: first, backend, format, workspace }
          : { _tag: "Plan", spec: first, backend, format }
      )
    }
    case "run": {
      const backend = choice<RunBackendName>(parsed, "backend", "local")
      const detach = parsed.options["detach"] === true
      const json = parsed.options["json"] === true
      const workspace = parsed.options["workspace"]
      const misplaced = workspaceMisplaced(workspace, backend, command)
      if (misplaced !== undefined) return misplaced
      return ok(
        typeof workspace === "string"
          ? { _tag: "Run", spec: first, backend, detach, json, workspace }
          : { _tag: "Run", spec: first, backend, detach, json }
      )
    }
    case "status":
      return ok({ _tag: "Status", runId: first, json: parsed.options["json"] === true })
    case "logs":
      return ok({ _tag: "Logs", runId: first, follow: parsed.options["follow"] === true })
    case "cancel":
      return ok({ _tag: "Cancel", runId: first })
    case "runs":
      return ok({ _tag: "Runs", json: parsed.options["json"] === true })
    case "export": {
      const format = required(command, parsed, "format")
      if (typeof format !== "string") return { _tag: "Error", error: format }
      return ok({ _tag: "Export", spec: first, format: format as ExportFormat })
    }
    case "import": {
      const from = required(command, parsed, "from")
      if (typeof from !== "string") return { _tag: "Error", error: from }
      return ok({ _tag: "Import", file: first, from: from as ImportFormat, json: parsed.options["json"] === true })
    }
    case "schema":
      return ok({ _tag: "Schema" })
  }
}

/**
 * Parse the arguments after the program name (`process.argv.slice(2)`).
 *
 * @example
 * Args.parse(["plan", "job.ts", "--backend", "azureml"])
 * // { _tag: "Ok", invocation: { _tag: "Plan", spec: "job.ts", backend: "azureml", format: "text" } }
 *
 * @category parsing
 * @since 0.1.0
 */
export const parse = (argv: ReadonlyArray<string>): ParseResult => {
  const [first, ...rest] = argv
  if (first === undefined) {
    return usageError("missing command", `Run one of: ${commandNames.join(", ")}. See: estimator --help`)
  }
  if (first === "--help" || first === "-h") return ok({ _tag: "Help" })
  if (first === "--version" || first === "-V") return ok({ _tag: "Version" })
  if (first === "help") {
    const topic = rest[0]
    if (topic === undefined) return ok({ _tag: "Help" })
    if (isCommandName(topic)) return ok({ _tag: "Help", command: topic })
    return usageError(`unknown command "${topic}"`, `Commands: ${commandNames.join(", ")}.`)
  }
  if (first.startsWith("-")) {
    const suggestion = closest(first.replace(/^-+/, ""), ["help", "version"])
    return usageError(
      `unknown option ${first} (expected a command first)`,
      suggestion !== undefined
        ? `Did you mean --${suggestion}?`
        : `Usage: estimator <command> [arguments] [options]; commands: ${commandNames.join(", ")}.`
    )
  }
  if (!isCommandName(first)) {
    const suggestion = closest(first, commandNames)
    return usageError(
      `unknown command "${first}"`,
      suggestion !== undefined
        ? `Did you mean "estimator ${suggestion}"? See: estimator --help`
        : `Commands: ${commandNames.join(", ")}. See: estimator --help`
    )
  }
  const parsed = parseCommandLine(first, rest)
  if (isUsageError(parsed)) return { _tag: "Error", error: parsed }
  return build(first, parsed)
}
