/**
 * The string forms Azure ML CLI v2 uses to name things: data paths (datastore URIs, asset
 * references, URLs, local paths) and environment references, in both directions.
 *
 * @internal
 */
import type { Data, Estimator } from "@estimator/core"

/** @internal */
export const DATASTORE_URI = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/s

const ASSET_VERSION = /^azureml:([^:@/]+):([^:@/]+)$/
const ASSET_LABEL = /^azureml:([^:@/]+)@([^:@/]+)$/
const ASSET_BARE = /^azureml:([^:@/]+)$/
const REGISTRY_ENVIRONMENT = /^azureml:\/\/registries\/([^/]+)\/environments\/([^/]+)\/(versions|labels)\/([^/]+)$/

/**
 * A URI scheme of two letters or more (`https:`, `wasbs:`, `azureml:`); one letter is a Windows drive.
 *
 * @internal
 */
export const hasScheme = (text: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]+:/.test(text)

/** @internal */
export type ParsedDataPath =
  | { readonly _tag: "Source"; readonly source: Data.DataSource }
  | { readonly _tag: "Invalid"; readonly message: string; readonly hint: string }

/**
 * Where an input's `path` points. `azureml:<name>@latest` is the asset's latest version, which
 * the spec writes as a `DataAsset` without version or label (see `Data.fromAsset`).
 *
 * @internal
 */
export const parseDataPath = (path: string): ParsedDataPath => {
  const datastore = DATASTORE_URI.exec(path)
  if (datastore !== null) {
    return { _tag: "Source", source: { _tag: "Datastore", datastore: datastore[1] ?? "", path: datastore[2] ?? "" } }
  }
  if (path.startsWith("azureml:") && !path.startsWith("azureml://")) {
    const versioned = ASSET_VERSION.exec(path)
    if (versioned !== null) {
      return { _tag: "Source", source: { _tag: "DataAsset", name: versioned[1] ?? "", version: versioned[2] ?? "" } }
    }
    const labelled = ASSET_LABEL.exec(path)
    if (labelled !== null) {
      const label = labelled[2] ?? ""
      return {
        _tag: "Source",
        source: label === "latest"
          ? { _tag: "DataAsset", name: labelled[1] ?? "" }
          : { _tag: "DataAsset", name: labelled[1] ?? "", label }
      }
    }
    return {
      _tag: "Invalid",
      message: `"${path}" is not a data asset reference: Azure ML needs a version or a label ("Version must be provided").`,
      hint: "Write azureml:<name>:<version> or azureml:<name>@latest."
    }
  }
  if (hasScheme(path)) return { _tag: "Source", source: { _tag: "Uri", uri: path } }
  return { _tag: "Source", source: { _tag: "LocalPath", path } }
}

/**
 * The `path` of an input for a datastore path, asset or URI (local paths are placed by the caller),
 * or an error message.
 *
 * @internal
 */
export const renderDataSource = (
  source: Data.DatastorePath | Data.DataAsset | Data.Uri
): { readonly _tag: "Path"; readonly path: string } | { readonly _tag: "Invalid"; readonly message: string; readonly hint: string } => {
  switch (source._tag) {
    case "Datastore":
      return source.datastore === "" || source.datastore.includes("/")
        ? { _tag: "Invalid", message: `The datastore name "${source.datastore}" cannot be written in an azureml://datastores/<name>/paths/<path> URI.`, hint: "Give the datastore's name (letters, digits, underscores)." }
        : { _tag: "Path", path: `azureml://datastores/${source.datastore}/paths/${source.path}` }
    case "DataAsset": {
      if (!/^[^:@/]+$/.test(source.name)) {
        return { _tag: "Invalid", message: `The data asset name "${source.name}" cannot be written as azureml:<name>: it is empty or contains ':', '@' or '/'.`, hint: "Use the asset's registered name." }
      }
      if (source.version !== undefined && source.label !== undefined) {
        return { _tag: "Invalid", message: "The data asset has both a version and a label; Azure ML takes one.", hint: "Keep either the version or the label." }
      }
      const suffix = source.version ?? source.label
      if (suffix !== undefined && !/^[^:@/]+$/.test(suffix)) {
        return { _tag: "Invalid", message: `The data asset version or label "${suffix}" is empty or contains ':', '@' or '/'.`, hint: "Use the registered version or label." }
      }
      return {
        _tag: "Path",
        path: source.version !== undefined
          ? `azureml:${source.name}:${source.version}`
          : `azureml:${source.name}@${source.label ?? "latest"}`
      }
    }
    case "Uri":
      return (hasScheme(source.uri) && !source.uri.startsWith("azureml:")) || source.uri.startsWith("azureml://")
        ? { _tag: "Path", path: source.uri }
        : { _tag: "Invalid", message: `"${source.uri}" is not a URI that Azure ML reads as one (it needs a scheme such as https: or azureml://).`, hint: "Give the full URI, or use Data.fromLocal for a local path / Data.fromAsset for an asset." }
  }
}

/**
 * An `environment:` string: `azureml:<name>:<version>`, `azureml:<name>@<label>`, `azureml:<name>`
 * (a curated environment's short form), or a registry URI with `/versions/<v>` or `/labels/<l>`.
 *
 * @internal
 */
export const parseEnvironmentReference = (reference: string): Estimator.RegisteredEnvironment | undefined => {
  const registry = REGISTRY_ENVIRONMENT.exec(reference)
  if (registry !== null) {
    const [, registryName = "", name = "", kind, value = ""] = registry
    return kind === "versions" ? { name, version: value, registry: registryName } : { name, label: value, registry: registryName }
  }
  const versioned = ASSET_VERSION.exec(reference)
  if (versioned !== null) return { name: versioned[1] ?? "", version: versioned[2] ?? "" }
  const labelled = ASSET_LABEL.exec(reference)
  if (labelled !== null) return { name: labelled[1] ?? "", label: labelled[2] ?? "" }
  const bare = ASSET_BARE.exec(reference)
  if (bare !== null) return { name: bare[1] ?? "" }
  return undefined
}

/**
 * The `environment:` string of a registered environment, or an error message.
 *
 * @internal
 */
export const renderEnvironmentReference = (
  environment: Estimator.RegisteredEnvironment
): { readonly _tag: "Reference"; readonly reference: string } | { readonly _tag: "Invalid"; readonly message: string; readonly hint: string } => {
  const part = /^[^:@/]+$/
  if (!part.test(environment.name)) {
    return { _tag: "Invalid", message: `The environment name "${environment.name}" is empty or contains ':', '@' or '/'.`, hint: "Use the registered environment's name." }
  }
  if (environment.version !== undefined && environment.label !== undefined) {
    return { _tag: "Invalid", message: "The registered environment has both a version and a label; Azure ML takes one.", hint: "Keep either the version or the label." }
  }
  for (const value of [environment.version, environment.label, environment.registry]) {
    if (value !== undefined && !part.test(value)) {
      return { _tag: "Invalid", message: `"${value}" cannot be part of an environment reference: it is empty or contains ':', '@' or '/'.`, hint: "Use the registered version, label or registry name." }
    }
  }
  if (environment.registry !== undefined) {
    if (environment.version === undefined && environment.label === undefined) {
      return { _tag: "Invalid", message: `The environment "${environment.name}" of registry "${environment.registry}" has neither a version nor a label, which a registry reference needs.`, hint: "Add version (e.g. \"1\") or label: \"latest\"." }
    }
    return {
      _tag: "Reference",
      reference: environment.version !== undefined
        ? `azureml://registries/${environment.registry}/environments/${environment.name}/versions/${environment.version}`
        : `azureml://registries/${environment.registry}/environments/${environment.name}/labels/${environment.label ?? ""}`
    }
  }
  return {
    _tag: "Reference",
    reference: environment.version !== undefined
      ? `azureml:${environment.name}:${environment.version}`
      : environment.label !== undefined
      ? `azureml:${environment.name}@${environment.label}`
      : `azureml:${environment.name}`
  }
}
