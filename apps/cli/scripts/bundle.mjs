#!/usr/bin/env node
// Bundles the built command (dist/main.js and everything it imports, the workspace packages and
// effect included) into dist/bundle/estimator.js and a few chunks loaded on demand (one per
// backend, the YAML codec, ...), so the command starts by reading a handful of files instead of
// resolving and loading hundreds of modules (about 3x faster to start). Loaded from node_modules
// instead, only when needed: `tsx` (for .ts specs the compile cache cannot take; it registers its
// own loader files), esbuild (a native binary; it compiles .ts specs into their cache, see
// src/internal/specCache.ts) and ssh2 (dockerode's SSH transport, which ships a native addon;
// loaded only for an ssh:// DOCKER_HOST, see lazySsh2 below).
//
// bin/estimator.js runs the bundle only while it is newer than every file it was built from
// (dist/bundle/inputs.json lists them), and dist/main.js otherwise, so a stale bundle is never
// used: `tsc -b` alone always gives a working command.
//
//   node scripts/bundle.mjs          (run by `npm run build` after tsc -b)
import * as esbuild from "esbuild"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const dist = path.join(app, "dist")
const entry = path.join(dist, "main.js")
const outdir = path.join(dist, "bundle")
const outfile = path.join(outdir, "estimator.js")
const inputsFile = path.join(outdir, "inputs.json")

if (!fs.existsSync(entry)) {
  console.error(`${entry} is missing: run tsc -b apps/cli/tsconfig.src.json first.`)
  process.exit(1)
}

// The local backend's run supervisor (a node process per run, started by @estimator/submit's
// Local module) is bundled too. Local looks for it next to its own module first
// (internal/localRunMain.js beside the chunk that holds Local), and only then in the installed
// package's dist, where it loads effect module by module (about half a second per run).
const require = createRequire(import.meta.url)
const supervisor = (() => {
  try {
    const file = path.join(path.dirname(require.resolve("@estimator/submit/package.json")), "dist", "internal", "localRunMain.js")
    return fs.existsSync(file) ? file : undefined
  } catch {
    return undefined
  }
})()

// Parts of dockerode loaded only when used, from node_modules as they are (they read files next to
// their own, or ship native addons), so loading the docker backend does not pay for them:
// - ssh2, which docker-modem requires at start-up for DOCKER_HOST=ssh://... (about 100 ms: its
//   crypto, a native addon): a stand-in Client loads it when an SSH connection is made;
// - BuildKit's session and status decoder (gRPC, protobuf; read .proto files beside them): a
//   stand-in function loads each when called. The docker backend builds with the classic builder.
const lazyRequire = (specifier, exportName) =>
  exportName === undefined
    ? `module.exports = function (...args) { return require(${JSON.stringify(specifier)}).apply(this, args) }`
    : `exports.${exportName} = function ${exportName}(...args) { return new (require(${JSON.stringify(specifier)}).${exportName})(...args) }`
const lazyParts = {
  name: "lazy-dockerode-parts",
  setup(build) {
    const stand = (specifier, exportName) => ({ path: specifier, namespace: "lazy", pluginData: exportName })
    build.onResolve({ filter: /.*/, namespace: "lazy" }, (args) => ({ path: args.path, external: true }))
    build.onResolve({ filter: /^ssh2$/ }, () => stand("ssh2", "Client"))
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? stand(`dockerode/lib/${args.path.slice(2)}.js`) : undefined)
    build.onLoad({ filter: /.*/, namespace: "lazy" }, (args) => ({ contents: lazyRequire(args.path, args.pluginData), loader: "js" }))
  }
}

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["tsx", "tsx/*", "esbuild"],
  plugins: [lazyParts],
  // CommonJS dependencies inside an ES module bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire as __estimatorCreateRequire } from \"node:module\"; const require = __estimatorCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: "warning",
  legalComments: "none"
}

fs.rmSync(outdir, { recursive: true, force: true })
const main = await esbuild.build({ ...common, entryPoints: { estimator: entry }, outdir, splitting: true, chunkNames: "chunks/[name]-[hash]" })
// A file of its own (no chunks shared with the command): it then loads only what it uses.
const supervised = supervisor === undefined
  ? undefined
  : await esbuild.build({ ...common, entryPoints: [supervisor], outfile: path.join(outdir, "chunks", "internal", "localRunMain.js") })
const result = {
  metafile: {
    inputs: { ...main.metafile.inputs, ...supervised?.metafile.inputs },
    outputs: { ...main.metafile.outputs, ...supervised?.metafile.outputs }
  }
}

// Everything the bundle was built from that can change without a reinstall (our own built files),
// plus npm's record of the installed packages (rewritten by every npm install).
const inputs = Object.keys(result.metafile.inputs)
  .filter((input) => !input.startsWith("lazy:"))
  .map((input) => path.resolve(process.cwd(), input))
  .filter((file) => !file.split(path.sep).includes("node_modules"))
let directory = app
while (true) {
  const lock = path.join(directory, "node_modules", ".package-lock.json")
  if (fs.existsSync(lock)) {
    inputs.push(lock)
    break
  }
  const parent = path.dirname(directory)
  if (parent === directory) break
  directory = parent
}
fs.writeFileSync(inputsFile, `${JSON.stringify(inputs, null, 2)}\n`)
const bytes = Object.values(result.metafile.outputs).reduce((n, output) => n + output.bytes, 0)
console.log(`bundled ${path.relative(process.cwd(), outfile)} (${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(1)} MB, from ${Object.keys(result.metafile.inputs).length} modules)`)
