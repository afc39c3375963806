/**
 * The local files an Azure ML job YAML refers to (its conda file, its Docker build context's
 * Dockerfile), read so that `AzureMlYaml.fromYaml` can check them. Keys are the paths as the YAML
 * writes them, relative to the YAML's folder. Files that do not exist are left out, so the import
 * reports them; a YAML that does not parse yields no files (the import reports the syntax).
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"

const isRecord = (u: unknown): u is { readonly [key: string]: unknown } => typeof u === "object" && u !== null && !Array.isArray(u)
const hasScheme = (p: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p)

/** The referenced paths, relative to the YAML, as written. @internal */
export const referencedPaths = (document: unknown, path: Path.Path): ReadonlyArray<string> => {
  if (!isRecord(document) || !isRecord(document["environment"])) return []
  const environment = document["environment"]
  const paths: Array<string> = []
  const conda = environment["conda_file"]
  if (typeof conda === "string" && !hasScheme(conda)) paths.push(conda)
  const build = environment["build"]
  if (isRecord(build) && typeof build["path"] === "string" && !hasScheme(build["path"])) {
    const dockerfile = typeof build["dockerfile_path"] === "string" ? build["dockerfile_path"] : "Dockerfile"
    paths.push(path.join(build["path"], dockerfile))
  }
  return paths
}

/** Read the files the YAML `text` refers to, relative to `directory`. @internal */
export const read = (
  text: string,
  directory: string
): Effect.Effect<{ readonly [relativePath: string]: string }, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { YAML } = yield* Effect.promise(() => import("./yaml.js"))
    let document: unknown
    try {
      document = YAML.parse(text)
    } catch (error) {
      // The import reports the syntax error itself, with its position.
      if (error instanceof YAML.YAMLError) return {}
      throw error
    }
    const entries = yield* Effect.forEach(referencedPaths(document, path), (relative) =>
      fs.readFileString(path.resolve(directory, relative)).pipe(
        Effect.map((content) => [[relative, content] as const]),
        Effect.orElseSucceed(() => [])
      ))
    return Object.fromEntries(entries.flat())
  })

/** A CLI-worded fix for a file the YAML refers to that is missing. @internal */
export const missingFileHint = (directory: string): string =>
  `Put the file there or fix the path in the YAML; its paths are relative to the YAML's folder (${directory}).`
