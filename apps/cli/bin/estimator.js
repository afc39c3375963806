#!/usr/bin/env node
// The `estimator` command. Runs dist/main.js, or its bundle when that is up to date
// (see src/internal/launch.ts).
import { entry } from "../dist/internal/launch.js"

await import(entry())
