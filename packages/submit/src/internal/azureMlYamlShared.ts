/**
 * Vocabulary shared by the YAML import and export.
 *
 * @internal
 */
import { Estimator, Framework } from "@estimator/core"
import type { Data } from "@estimator/core"

/** @internal */
export const SCHEMA_URL = "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"

/** @internal */
export const TAG_PREFIX = "estimator."
/** @internal */
export const TAG_GPU = "estimator.gpu"
/** @internal */
export const TAG_FRAMEWORK = "estimator.framework"
/** @internal */
export const TAG_FRAMEWORK_DEFAULTED = "estimator.framework.versionDefaulted"
/** @internal */
export const TAG_BACKEND = "estimator.distribution.backend"

/** @internal */
export const DATA_TYPES: ReadonlyArray<Data.DataType> = ["uri_folder", "uri_file", "mltable", "mlflow_model", "custom_model", "triton_model"]
/** @internal */
export const INPUT_MODES: ReadonlyArray<Data.InputMode> = ["ro_mount", "download", "direct", "eval_mount", "eval_download"]
/** @internal */
export const OUTPUT_MODES: ReadonlyArray<Data.OutputMode> = ["rw_mount", "upload", "direct"]
/** @internal */
export const FRAMEWORK_NAMES: ReadonlyArray<Framework.FrameworkName> = Framework.names
/** @internal */
export const RESUME_FROM_INPUT: string = Estimator.RESUME_FROM_INPUT
