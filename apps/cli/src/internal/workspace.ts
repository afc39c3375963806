/**
 * Reading an Azure ML workspace `config.json` (as the portal and `Workspace.write_config()` write
 * it: `subscription_id`, `resource_group`, `workspace_name`). Pure: the caller reads the file.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type { Workspace } from "./submit.js"

/** How to get a valid file. @internal */
export const hint =
  "Write it as Azure ML does: { \"subscription_id\": \"...\", \"resource_group\": \"...\", \"workspace_name\": \"...\" } (download it from the workspace's overview page in the Azure portal)."

const fields = [
  ["subscription_id", "subscriptionId"],
  ["resource_group", "resourceGroup"],
  ["workspace_name", "workspaceName"]
] as const

/** The workspace named by the text of a `config.json`, or every problem with it. @internal */
export const parse = (text: string): Either.Either<Workspace, ReadonlyArray<string>> => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return Either.left([`not valid JSON: ${error instanceof Error ? error.message : String(error)}`])
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Either.left(["expected a JSON object with subscription_id, resource_group and workspace_name"])
  }
  const record = value as { readonly [key: string]: unknown }
  const problems: Array<string> = []
  const result: Record<string, string> = {}
  for (const [key, field] of fields) {
    const v = record[key] ?? record[field]
    if (typeof v !== "string" || v.trim() === "") problems.push(`${key} is ${v === undefined ? "missing" : "not a non-empty string"}`)
    else result[field] = v
  }
  return problems.length > 0 ? Either.left(problems) : Either.right(result as unknown as Workspace)
}
