/**
 * The `yaml` package behind a module of our own, so callers can load it lazily with
 * `import("./internal/yaml.js")` and get the same named exports from the plain build (Node's
 * CommonJS interop) and from the bundle (esbuild's).
 *
 * @internal
 */
import * as YAML from "yaml"

/** @internal */
export { YAML }
