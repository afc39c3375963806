/**
 * Builders for the framework data tables (dependency rows, base image names).
 *
 * @internal
 */
import type * as Dependencies from "../Dependencies.js"
import type * as FrameworkEnvironment from "../FrameworkEnvironment.js"

/** The date tag of the base images the 2020 curated environments used (SDK 1.13.0). */
export const IMAGE_TAG = "20200821.v1"

/** The full name of an Azure ML base image on mcr.microsoft.com. */
export const image = (name: string): string => `mcr.microsoft.com/azureml/${name}:${IMAGE_TAG}`

/** A documented row present in both the CPU and the GPU image. */
export const common = (name: string, version: string): Dependencies.Dependency => ({ name, version, gpuOnly: false, source: "documented" })

/** A documented row present only in the GPU image. */
export const gpuOnly = (name: string, version: string): Dependencies.Dependency => ({ name, version, gpuOnly: true, source: "documented" })

/** A row taken from the curated environment rather than the docstring. */
export const curated = (name: string, version: string, options?: { readonly gpuOnly?: boolean }): Dependencies.Dependency => ({
  name,
  version,
  gpuOnly: options?.gpuOnly ?? false,
  source: "curated"
})

/** The Python every v1 framework image and curated environment pinned. */
export const PYTHON = "3.6.2"

/**
 * The environment of every version on CPU and GPU, built once: they are constant data, and
 * handing out the same values saves building them (and their strings) for every job.
 */
export const environments = <V extends string>(
  versions: ReadonlyArray<V>,
  build: (version: V, gpu: boolean) => FrameworkEnvironment.FrameworkEnvironment
): (version: V, gpu: boolean) => FrameworkEnvironment.FrameworkEnvironment => {
  const table = new Map(versions.map((version) => [version, { cpu: build(version, false), gpu: build(version, true) }]))
  return (version, gpu) => {
    const entry = table.get(version)
    // A version outside the table (a caller without types) is built as before.
    return entry === undefined ? build(version, gpu) : gpu ? entry.gpu : entry.cpu
  }
}
