import type { ViteUserConfig } from "vitest/config"

const config: ViteUserConfig = {
  test: {
    include: ["test/**/*.test.ts"],
    typecheck: { enabled: true, tsconfig: "./tsconfig.test.json", include: ["test/**/*.test-d.ts"] },
    sequence: { concurrent: true },
    testTimeout: 30_000
  }
}

export default config
