/**
 * The base images an environment starts from when the spec names none: Azure ML SDK v1's
 * `DEFAULT_CPU_IMAGE` / `DEFAULT_GPU_IMAGE` of its last releases, the history of those defaults by
 * SDK era (as data, for tools and the v1 importer), the tag table that v1's `_get_tagged_image`
 * reads, and small helpers on image references. Nothing in this module performs IO.
 *
 * @since 0.1.0
 */

// -------------------------------------------------------------------------------------
// models
// -------------------------------------------------------------------------------------

/**
 * The default CPU and GPU images of one era of the v1 SDK. Images whose era used
 * `_get_tagged_image` are stored untagged (see {@link TAGS}); the others carry their tag.
 *
 * @category models
 * @since 0.1.0
 */
export interface Era {
  readonly era: string
  readonly cpu: string
  readonly gpu: string
  /** `true` when the constants were not seen in a source but inferred from what used them. */
  readonly inferred: boolean
  readonly source: string
}

/**
 * An image reference split into its parts: `repository` (with any registry host), `tag`, `digest`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Reference {
  readonly repository: string
  readonly tag?: string
  readonly digest?: string
}

// -------------------------------------------------------------------------------------
// data
// -------------------------------------------------------------------------------------

/**
 * The tag of each untagged repository, as v1's packaged `azureml_base_images.json` would give it.
 * Update a tag here and every default that uses the repository follows.
 *
 * @category models
 * @since 0.1.0
 */
export const TAGS: { readonly [repository: string]: string } = {
  "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04": "20230509.v1",
  "mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04": "20230509.v1",
  "mcr.microsoft.com/azureml/intelmpi2018.3-ubuntu16.04": "20200821.v1",
  "mcr.microsoft.com/azureml/intelmpi2018.3-cuda10.0-cudnn7-ubuntu16.04": "20200821.v1"
}

/**
 * v1's default images by SDK era, oldest first (reference: azureml-v1-estimator §3.8).
 *
 * @category models
 * @since 0.1.0
 */
export const history: ReadonlyArray<Era> = [
  {
    era: "SDK 1.0.x (early 2019)",
    cpu: "mcr.microsoft.com/azureml/base:0.2.4",
    gpu: "mcr.microsoft.com/azureml/base-gpu:0.2.4",
    inferred: false,
    source: "1.0.x azureml/core/runconfig.py and environment.py"
  },
  {
    era: "mid-2019 to SDK 1.27 (2020)",
    cpu: "mcr.microsoft.com/azureml/intelmpi2018.3-ubuntu16.04",
    gpu: "mcr.microsoft.com/azureml/intelmpi2018.3-cuda10.0-cudnn7-ubuntu16.04",
    inferred: true,
    source: "curated environments of SDK 1.13.0 (September 2020) and notebooks of 2019-12"
  },
  {
    era: "SDK 1.28.0 (2021-05-10)",
    cpu: "mcr.microsoft.com/azureml/openmpi3.1.2-ubuntu18.04",
    gpu: "mcr.microsoft.com/azureml/openmpi3.1.2-cuda10.2-cudnn8-ubuntu18.04",
    inferred: false,
    source: "release notes 1.28.0, azureml-core"
  },
  {
    era: "last SDK v1 releases",
    cpu: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04",
    gpu: "mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04",
    inferred: false,
    source: "late azureml/core/environment.py"
  }
]

// -------------------------------------------------------------------------------------
// accessors
// -------------------------------------------------------------------------------------

/**
 * Split an image reference (`host:5000/team/image:tag@sha256:...`) into repository, tag and digest.
 *
 * @category accessors
 * @since 0.1.0
 */
export const parseReference = (image: string): Reference => {
  const at = image.indexOf("@")
  const withoutDigest = at === -1 ? image : image.slice(0, at)
  const digest = at === -1 ? undefined : image.slice(at + 1)
  const colon = tagColon(withoutDigest)
  const repository = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon)
  const tag = colon === -1 ? undefined : withoutDigest.slice(colon + 1)
  return {
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest })
  }
}

/** The position of the colon before the tag of a reference without digest, -1 without tag. */
const tagColon = (withoutDigest: string): number => {
  const colon = withoutDigest.lastIndexOf(":")
  return colon > withoutDigest.lastIndexOf("/") ? colon : -1
}

/** `parseReference(image).repository`, without the rest. */
const repositoryOf = (image: string): string => {
  const at = image.indexOf("@")
  const withoutDigest = at === -1 ? image : image.slice(0, at)
  const colon = tagColon(withoutDigest)
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon)
}

/**
 * v1's `_get_tagged_image`: append the tag {@link TAGS} knows for an untagged repository; an image
 * that already has a tag or digest, or whose repository is unknown, is returned as it is.
 *
 * @category accessors
 * @since 0.1.0
 */
export const tagged = (image: string): string => {
  const reference = parseReference(image)
  if (reference.tag !== undefined || reference.digest !== undefined) return image
  const tag = TAGS[reference.repository]
  return tag === undefined ? image : `${image}:${tag}`
}

/**
 * The default CPU image of the last v1 releases, tagged.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_CPU_IMAGE: string = tagged("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04")

/**
 * The default GPU image of the last v1 releases, tagged.
 *
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_GPU_IMAGE: string = tagged("mcr.microsoft.com/azureml/openmpi4.1.0-cuda11.3-cudnn8-ubuntu20.04")

/**
 * The image v1 uses when the spec names none (`use_gpu` picks the GPU one).
 *
 * @category accessors
 * @since 0.1.0
 */
export const defaultImage = (gpu: boolean): string => (gpu ? DEFAULT_GPU_IMAGE : DEFAULT_CPU_IMAGE)

/**
 * The full reference to pull: the image name prefixed with the registry address, unless the
 * name already starts with it (v1 joins `base_image_registry.address` and `base_image` the same way).
 *
 * @category accessors
 * @since 0.1.0
 */
export const qualify = (image: string, registryAddress?: string): string => {
  if (registryAddress === undefined || registryAddress === "") return image
  const address = registryAddress.replace(/^[a-z]+:\/\//, "").replace(/\/+$/, "")
  return image.startsWith(`${address}/`) ? image : `${address}/${image}`
}

/**
 * Whether an image is known to ship conda: every Azure ML base image under
 * `mcr.microsoft.com/azureml/` has Miniconda. Other images are assumed not to (the local
 * `python-mpi` images have python3 and pip only); `Dockerfile.render` lets a caller say otherwise.
 *
 * @category accessors
 * @since 0.1.0
 */
export const hasConda = (image: string): boolean => repositoryOf(image).startsWith("mcr.microsoft.com/azureml/")
