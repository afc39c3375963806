/**
 * Composes the example specs, validates them and prints each spec with its issues: a tour of
 * the DSL without a cloud account or a container.
 *
 * @since 0.1.0
 */
import { Validation } from "@estimator/core"
import chainerMnist from "./chainerMnist.js"
import quickstart from "./quickstart.js"

const examples = { quickstart, "chainer-mnist": chainerMnist }

let failed = false
for (const [name, spec] of Object.entries(examples)) {
  const issues = Validation.validate(spec)
  console.log(`# ${name}`)
  console.log(JSON.stringify(spec, null, 2))
  console.log(issues.length === 0 ? "valid: no issues" : issues.map(Validation.format).join("\n"))
  failed ||= Validation.hasErrors(issues)
}
process.exitCode = failed ? 1 : 0
