import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vitest/config";

/**
 * Worker code imports WebAssembly as `import module from "./x.wasm"`, which workerd hands over
 * compiled; tests that run that code in Node get the same: the committed binary, compiled.
 */
const compiledWasm: Plugin = {
  name: "compiled-wasm",
  enforce: "pre",
  load(id) {
    if (!id.endsWith(".wasm")) return undefined;
    const bytes = [...readFileSync(id)].join(",");
    return `export default new WebAssembly.Module(new Uint8Array([${bytes}]));`;
  },
};

export default defineConfig({
  plugins: [compiledWasm],
  test: {
    include: ["test/**/*.test.ts"],
    // A folder for the one worker bundle the stack tests share, built by the first that needs it.
    globalSetup: ["test/stack/worker-bundle-setup.ts"],
    environment: "node",
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: workerd and Chromium tests each start their own processes.
    maxWorkers: 2,
  },
});
