/**
 * Before the tests: bundle the built command (scripts/bundle.mjs), so the binary tests run the
 * bundle that `npm run build` ships. `launch.test.ts` covers the unbundled build too.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"

export default function setup(): void {
  const app = fileURLToPath(new URL("..", import.meta.url))
  if (!fs.existsSync(new URL("../dist/main.js", import.meta.url))) {
    throw new Error(`${app}dist/main.js is missing: build the CLI first (npx tsc -b apps/cli/tsconfig.json)`)
  }
  const bundle = spawnSync(process.execPath, ["scripts/bundle.mjs"], { cwd: app, encoding: "utf8" })
  if (bundle.status !== 0) {
    throw new Error(`scripts/bundle.mjs failed (exit ${bundle.status}); fix the build it reports, then run the tests again:\n${bundle.stderr}`)
  }
}
