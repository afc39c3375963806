/**
 * Backends (dry-run, local, docker, azureml) behind one Effect service. The public modules are
 * re-exported here as they are added; the swagger test helper lives at
 * `@estimator/submit/testing/SwaggerCheck` and is not re-exported.
 *
 * @since 0.1.0
 */
export {}
