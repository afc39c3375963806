/**
 * Human output of the command: validation issues, decode errors, load errors and the plan tree.
 * Colour is a {@link Style} chosen by the caller (ANSI on a terminal, plain text otherwise). The
 * plan tree is built from the JSON plan envelope (DESIGN §4) that `--format json` prints, so
 * both views show the same plan; secrets are already redacted there and nothing here reads a
 * secret. Pure: no IO.
 *
 * @since 0.1.0
 */
import type { Estimator, Validation } from "@estimator/core"

// -------------------------------------------------------------------------------------
// style
// -------------------------------------------------------------------------------------

/**
 * How text is decorated: ANSI colour, or nothing.
 *
 * @category models
 * @since 0.1.0
 */
export interface Style {
  readonly bold: (text: string) => string
  readonly dim: (text: string) => string
  readonly red: (text: string) => string
  readonly yellow: (text: string) => string
  readonly green: (text: string) => string
  readonly cyan: (text: string) => string
}

const ansi = (open: number, close: number) => (text: string): string => `\u001b[${open}m${text}\u001b[${close}m`
const plainText = (text: string): string => text

/**
 * ANSI colours when `colour` is true, plain text otherwise.
 *
 * @category constructors
 * @since 0.1.0
 */
export const style = (colour: boolean): Style =>
  colour
    ? { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), yellow: ansi(33, 39), green: ansi(32, 39), cyan: ansi(36, 39) }
    : { bold: plainText, dim: plainText, red: plainText, yellow: plainText, green: plainText, cyan: plainText }

/**
 * No decoration.
 *
 * @category constructors
 * @since 0.1.0
 */
export const plain: Style = style(false)

// -------------------------------------------------------------------------------------
// errors and issues
// -------------------------------------------------------------------------------------

/**
 * A failure for a human: what went wrong, optional details (one per line), and how to fix it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Failure {
  readonly message: string
  readonly details?: ReadonlyArray<string>
  readonly hint?: string
}

/**
 * `error: <message>`, the details indented, then `fix: <hint>`, ending with a newline.
 *
 * @category rendering
 * @since 0.1.0
 */
export const failure = (self: Failure, s: Style = plain): string =>
  [
    `${s.red(s.bold("error"))}: ${self.message.replace(/\n/g, "\n  ")}`,
    ...(self.details ?? []).map((line) => `  ${line}`),
    ...(self.hint === undefined ? [] : [`  ${s.cyan("fix")}: ${self.hint}`])
  ].join("\n") + "\n"

/**
 * One issue as an indented block: severity, path and code on the first line, then the message
 * and the fix.
 *
 * @category rendering
 * @since 0.1.0
 */
export const issue = (self: Validation.Issue, s: Style = plain): ReadonlyArray<string> => {
  const severity = self.severity === "error" ? s.red("error  ") : s.yellow("warning")
  return [
    `  ${severity} ${s.bold(self.path === "" ? "(spec)" : self.path)}  ${s.dim(`[${self.code}]`)}`,
    `          ${self.message}`,
    ...(self.hint === undefined ? [] : [`          ${s.cyan("fix")}: ${self.hint}`])
  ]
}

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`

/**
 * A problem reported while planning, exporting or importing: a validation issue, possibly with
 * the backends that can honour the field (plans) or its line and column in a YAML file (import).
 *
 * @category models
 * @since 0.1.0
 */
export interface Problem extends Validation.Issue {
  readonly backends?: ReadonlyArray<string>
  readonly line?: number
  readonly column?: number
}

/**
 * Problems as indented blocks, like {@link issue}, with the YAML position and the backends that
 * can honour the field when known; errors first.
 *
 * @category rendering
 * @since 0.1.0
 */
export const problems = (source: string, list: ReadonlyArray<Problem>, s: Style = plain): string => {
  const errorCount = list.filter((p) => p.severity === "error").length
  const warningCount = list.length - errorCount
  const counts = [errorCount > 0 ? plural(errorCount, "error") : undefined, warningCount > 0 ? plural(warningCount, "warning") : undefined]
    .filter((x) => x !== undefined)
    .join(", ")
  const ordered = [...list.filter((p) => p.severity === "error"), ...list.filter((p) => p.severity !== "error")]
  return [
    `${s.bold(source)}: ${counts}`,
    ...ordered.flatMap((p) => {
      const [head = "", ...rest] = issue(p, s)
      const where = p.line === undefined || p.message.includes(`line ${p.line}`) ? "" : `  ${s.dim(`(line ${p.line}${p.column === undefined ? "" : `, column ${p.column}`})`)}`
      return [
        head + where,
        ...rest,
        ...(p.backends === undefined || p.backends.length === 0 ? [] : [`          backends that can: ${p.backends.join(", ")}`])
      ]
    })
  ].join("\n") + "\n"
}

/**
 * The human report of `validate` for one spec: a verdict line and every issue.
 *
 * @category rendering
 * @since 0.1.0
 */
export const validation = (label: string, issues: ReadonlyArray<Validation.Issue>, s: Style = plain): string => {
  const errorCount = issues.filter((i) => i.severity === "error").length
  const warningCount = issues.length - errorCount
  const verdict = errorCount > 0
    ? `${s.red("✗")} ${s.bold(label)} is invalid: ${plural(errorCount, "error")}${warningCount > 0 ? `, ${plural(warningCount, "warning")}` : ""}`
    : `${s.green("✓")} ${s.bold(label)} is valid${warningCount > 0 ? ` (${plural(warningCount, "warning")})` : ""}`
  const ordered = [...issues.filter((i) => i.severity === "error"), ...issues.filter((i) => i.severity === "warning")]
  return [verdict, ...ordered.flatMap((i) => issue(i, s))].join("\n") + "\n"
}

/**
 * A decode error as a validation issue, so that `validate` lists shape problems and rule
 * violations the same way (path, code, message, fix).
 *
 * @category rendering
 * @since 0.1.0
 */
export const decodeIssue = (error: Estimator.DecodeError): Validation.Issue => {
  const path = error.path
  if (error.message.startsWith("missing required field")) {
    return { path, code: "missing-field", message: error.message, hint: `Add ${path === "" ? "the field" : path}; \`estimator schema\` shows its type.`, severity: "error" }
  }
  if (error.message.startsWith("unknown field")) {
    return { path, code: "unknown-field", message: error.message, hint: `Remove ${path} or correct its spelling to one of the known fields.`, severity: "error" }
  }
  return { path, code: "wrong-type", message: error.message, hint: `Give ${path === "" ? "the spec" : path} a value of the expected type; \`estimator schema\` shows it.`, severity: "error" }
}

// -------------------------------------------------------------------------------------
// plan tree
// -------------------------------------------------------------------------------------

/**
 * A node of a text tree: a label and its children.
 *
 * @category models
 * @since 0.1.0
 */
export interface TreeNode {
  readonly label: string
  readonly children?: ReadonlyArray<TreeNode>
}

/**
 * Draw a tree with box-drawing characters, the root's label on the first line.
 *
 * @category rendering
 * @since 0.1.0
 */
export const tree = (root: TreeNode): string => {
  const lines: Array<string> = [root.label]
  const walk = (nodes: ReadonlyArray<TreeNode>, prefix: string) => {
    nodes.forEach((node, index) => {
      const last = index === nodes.length - 1
      const [first = "", ...rest] = node.label.split("\n")
      lines.push(`${prefix}${last ? "└─ " : "├─ "}${first}`)
      const childPrefix = `${prefix}${last ? "   " : "│  "}`
      for (const line of rest) lines.push(`${childPrefix}${line}`)
      walk(node.children ?? [], childPrefix)
    })
  }
  walk(root.children ?? [], "")
  return lines.join("\n") + "\n"
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/

/**
 * One argv element as a POSIX shell would need it written (for display only: the backends pass
 * argv exactly, without a shell).
 *
 * @category rendering
 * @since 0.1.0
 */
export const shellQuote = (word: string): string =>
  word !== "" && SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`

const argumentText = (argument: Estimator.Argument): string => {
  if (typeof argument === "string") return shellQuote(argument)
  if (typeof argument === "number") return String(argument)
  if (typeof argument === "boolean") return argument ? "True" : "False"
  return `\${{${argument._tag === "InputRef" ? "inputs" : "outputs"}.${argument.name}}}`
}

/**
 * What the job runs, as a readable command line: `python <entryScript> <arguments>` or the
 * job's `command`. Input and output references are shown as `${{inputs.name}}`.
 *
 * @category rendering
 * @since 0.1.0
 */
export const runs = (spec: Estimator.Estimator): string => {
  if (spec.command !== undefined) return spec.command
  const args = [...spec.arguments, ...(spec.resumeFrom === undefined ? [] : ["--resume-from", { _tag: "InputRef" as const, name: "MODEL_LOCATION" }])]
  return ["python", shellQuote(spec.entryScript ?? ""), ...args.map(argumentText)].join(" ")
}

const layout = (spec: Estimator.Estimator): string => {
  const d = spec.distribution
  const gpu = spec.gpu ? " · GPU" : ""
  if (d._tag === "TensorFlow") return `${plural(d.workerCount, "worker")} + ${plural(d.parameterServerCount, "parameter server")} (TensorFlow)${gpu}`
  const shape = `${plural(spec.nodeCount, "node")} × ${plural(spec.processCountPerNode, "process", "processes")}`
  const name = d._tag === "None" ? "" : d._tag === "PyTorch" ? ` (PyTorch, ${d.backend})` : " (Mpi)"
  return `${shape}${name}${gpu}`
}

const computeText = (compute: Estimator.Compute): string => {
  switch (compute._tag) {
    case "Local":
      return "local compute"
    case "Cluster":
      return `cluster ${compute.name}`
    case "Serverless":
      return `serverless ${compute.vmSize}${compute.vmPriority === undefined ? "" : ` (${compute.vmPriority})`}`
  }
}

/**
 * Where the job runs for a backend: the spec's compute on Azure ML, the machine otherwise, with
 * the node and process layout.
 *
 * @category rendering
 * @since 0.1.0
 */
export const where = (spec: Estimator.Estimator, backend: string): string => {
  const place = backend === "local"
    ? "this machine (local process)"
    : backend === "docker"
    ? "this machine (Docker container)"
    : computeText(spec.compute)
  return `${place} · ${layout(spec)}`
}

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null && !Array.isArray(u)

const text = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)

const specImage = (spec: Estimator.Estimator): string => {
  const env = spec.environment
  if (env.registered !== undefined) {
    const r = env.registered
    return `registered environment ${r.name}${r.version !== undefined ? `:${r.version}` : r.label !== undefined ? `@${r.label}` : ""}`
  }
  if (env.image !== undefined) return env.image.name
  if (env.build !== undefined) return `built from ${env.build.context}${env.build.dockerfile === undefined ? "" : ` (${env.build.dockerfile})`}`
  if (!env.docker) return "none (no container)"
  return `default ${spec.gpu ? "GPU" : "CPU"} base image`
}

const findImageInBodies = (requests: ReadonlyArray<unknown>): string | undefined => {
  for (const request of requests) {
    if (!isRecord(request) || !isRecord(request["body"])) continue
    const properties = request["body"]["properties"]
    if (isRecord(properties) && typeof properties["image"] === "string") return properties["image"]
  }
  return undefined
}

const resolvedImage = (environment: { readonly [key: string]: unknown }): string | undefined => {
  switch (environment["_tag"]) {
    case "Image":
      return text(environment["baseImage"])
    case "Build": {
      const context = text(environment["context"]) ?? "?"
      const dockerfile = text(environment["dockerfile"])
      return `built from ${context}${dockerfile === undefined ? "" : ` (${dockerfile})`}`
    }
    case "Registered": {
      const name = text(environment["name"]) ?? "?"
      const version = text(environment["version"])
      const label = text(environment["label"])
      return `registered environment ${name}${version !== undefined ? `:${version}` : label !== undefined ? `@${label}` : ""}`
    }
    default:
      return undefined
  }
}

const strings = (u: unknown): ReadonlyArray<string> => (Array.isArray(u) ? u.filter((x): x is string => typeof x === "string") : [])

/**
 * What a resolved environment installs (dry-run plans): the conda specification, pip packages,
 * or nothing for a user-managed Python.
 *
 * @category rendering
 * @since 0.1.0
 */
export const python = (environment: { readonly [key: string]: unknown }): string | undefined => {
  const py = environment["python"]
  if (!isRecord(py)) return undefined
  switch (py["_tag"]) {
    case "UserManaged":
      return "user-managed (nothing is installed)"
    case "Pip": {
      const packages = strings(py["packages"])
      return packages.length === 0 ? "pip (no packages)" : `pip ${packages.join(", ")}`
    }
    case "Conda": {
      const specification = isRecord(py["specification"]) ? py["specification"] : {}
      const version = text(specification["python"])
      const conda = strings(specification["dependencies"]).filter((d) => d !== "pip")
      const pip = strings(specification["pip"])
      return [
        `conda${version === undefined ? "" : ` (python ${version})`}`,
        conda.length > 0 ? `conda ${conda.join(", ")}` : undefined,
        pip.length > 0 ? `pip ${pip.join(", ")}` : undefined
      ].filter((x) => x !== undefined).join("; ")
    }
    default:
      return undefined
  }
}

/**
 * The image a plan uses: the Docker image tag (and whether it is built), the image of the
 * Azure ML environment, the resolved environment of a dry run, or what the spec asks for.
 *
 * @category rendering
 * @since 0.1.0
 */
export const image = (spec: Estimator.Estimator, envelope: { readonly [key: string]: unknown }): string => {
  const backend = envelope["backend"]
  if (backend === "local") return "none (this machine's Python)"
  const planned = envelope["image"]
  if (isRecord(planned)) {
    const tag = text(planned["tag"]) ?? text(planned["name"])
    if (tag !== undefined) {
      return planned["build"] === true ? `${tag} (built from the spec's environment)` : planned["build"] === false ? `${tag} (cached, no build)` : tag
    }
  }
  const resolved = envelope["environment"]
  if (isRecord(resolved)) {
    const found = resolvedImage(resolved)
    if (found !== undefined) return found
  }
  const requests = envelope["requests"]
  if (Array.isArray(requests)) {
    const found = findImageInBodies(requests)
    if (found !== undefined) return found
  }
  return specImage(spec)
}

const oneLine = (value: unknown, max = 120): string => {
  const json = JSON.stringify(value) ?? String(value)
  return json.length > max ? `${json.slice(0, max - 1)}…` : json
}

const warningText = (warning: unknown): string => {
  if (typeof warning === "string") return warning
  if (isRecord(warning) && typeof warning["message"] === "string") {
    const path = text(warning["path"])
    const code = text(warning["code"])
    const head = [path === undefined || path === "" ? undefined : path, code === undefined ? undefined : `[${code}]`].filter((x) => x !== undefined).join(" ")
    const hint = text(warning["hint"])
    return `${head === "" ? "" : `${head}: `}${warning["message"]}${hint === undefined ? "" : `\nfix: ${hint}`}`
  }
  return oneLine(warning)
}

const requestLabel = (request: unknown): string => {
  if (!isRecord(request)) return oneLine(request)
  const method = text(request["method"]) ?? "?"
  const target = text(request["path"]) ?? text(request["url"]) ?? "?"
  return `${method} ${target}`
}

const containerLabel = (container: unknown): string => {
  if (!isRecord(container)) return oneLine(container)
  const create = isRecord(container["create"]) ? container["create"] : {}
  const cmd = Array.isArray(create["Cmd"]) ? create["Cmd"].map((c) => shellQuote(String(c))).join(" ") : undefined
  const name = text(container["name"]) ?? "(unnamed)"
  const imageName = text(create["Image"])
  return [name, imageName === undefined ? undefined : `image ${imageName}`, cmd === undefined ? undefined : `runs ${cmd}`]
    .filter((x) => x !== undefined)
    .join("\n")
}

const processLabel = (process: unknown): string => {
  if (!isRecord(process)) return oneLine(process)
  const argv = Array.isArray(process["argv"]) ? process["argv"].map((a) => shellQuote(String(a))).join(" ") : "?"
  const cwd = text(process["cwd"])
  return cwd === undefined ? argv : `${argv}\nin ${cwd}`
}

const genericLabel = (item: unknown): string => {
  if (isRecord(item)) {
    if ("method" in item) return requestLabel(item)
    if ("argv" in item) return processLabel(item)
    if ("create" in item) return containerLabel(item)
  }
  return oneLine(item)
}

const MAX_RANKS = 8

const KNOWN_LISTS: ReadonlyArray<readonly [string, string, string, (u: unknown) => string]> = [
  ["requests", "request", "requests", requestLabel],
  ["containers", "container", "containers", containerLabel],
  ["processes", "process", "processes", processLabel]
]

/**
 * The text view of a plan: what runs, where, in which image, then the warnings and the requests,
 * containers or processes of the envelope.
 *
 * @example
 * plan  azureml  (3 requests)
 * ├─ runs     python train.py --epochs 10
 * ├─ on       cluster gpu-cluster · 2 nodes × 4 processes (Mpi)
 * ├─ image    mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04
 * └─ requests
 *    ├─ PUT /subscriptions/{subscriptionId}/.../codes/...
 *
 * @category rendering
 * @since 0.1.0
 */
export const plan = (
  spec: Estimator.Estimator,
  envelope: { readonly [key: string]: unknown },
  s: Style = plain,
  title?: string
): string => {
  const backend = text(envelope["backend"]) ?? "?"
  const lists = Object.entries(envelope).filter(([key, value]) => key !== "warnings" && Array.isArray(value)) as Array<
    [string, ReadonlyArray<unknown>]
  >
  const counts = lists.map(([key, items]) => {
    const known = KNOWN_LISTS.find(([k]) => k === key)
    return known === undefined ? `${items.length} ${key}` : plural(items.length, known[1], known[2])
  })
  const warnings = Array.isArray(envelope["warnings"]) ? envelope["warnings"] : []
  const field = (name: string, value: string): TreeNode => ({ label: `${s.bold(name.padEnd(9))}${value}` })
  const children: Array<TreeNode> = [
    field("runs", runs(spec)),
    field("on", where(spec, backend)),
    field("image", image(spec, envelope))
  ]
  const resolved = envelope["environment"]
  const installs = isRecord(resolved) ? python(resolved) : undefined
  if (installs !== undefined) children.push(field("python", installs))
  const inputs = Object.keys(spec.inputs)
  const outputs = Object.keys(spec.outputs)
  if (inputs.length > 0) children.push(field("inputs", inputs.join(", ")))
  if (outputs.length > 0) children.push(field("outputs", outputs.join(", ")))
  const variables = envelope["environmentVariables"]
  if (isRecord(variables) && Object.keys(variables).length > 0) {
    children.push(field("env", Object.entries(variables).map(([name, value]) => `${name}=${String(value)}`).join(" ")))
  }
  const launch = envelope["launch"]
  if (isRecord(launch) && Array.isArray(launch["ranks"])) {
    const ranks = launch["ranks"] as ReadonlyArray<unknown>
    const shown = ranks.slice(0, MAX_RANKS).map((rank): TreeNode => ({
      label: isRecord(rank)
        ? `rank ${String(rank["rank"])} · node ${String(rank["nodeRank"])} · local rank ${String(rank["localRank"])}`
        : oneLine(rank)
    }))
    const more = ranks.length > MAX_RANKS ? [{ label: `… ${ranks.length - MAX_RANKS} more` }] : []
    children.push({ label: `${s.bold("launch".padEnd(9))}${plural(ranks.length, "process", "processes")}`, children: [...shown, ...more] })
  }
  if (warnings.length > 0) {
    children.push({ label: s.yellow(s.bold(`warnings (${warnings.length})`)), children: warnings.map((w) => ({ label: s.yellow(warningText(w)) })) })
  }
  for (const [key, items] of lists) {
    const known = KNOWN_LISTS.find(([k]) => k === key)
    const label = known?.[3] ?? genericLabel
    children.push({ label: s.bold(key), children: items.map((item) => ({ label: label(item) })) })
  }
  const head = `${s.bold("plan")}  ${s.cyan(backend)}${counts.length > 0 ? `  (${counts.join(", ")})` : ""}${title === undefined ? "" : `  ${s.dim(title)}`}`
  return tree({ label: head, children })
}
