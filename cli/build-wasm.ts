import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../stack/paths";
import { assembleWat, binaryPathOf, wasmSources } from "./wasm-modules";

/** `npm run build:wasm`: assembles every `.wat` source of the worker into the `.wasm` it imports. */
async function main(): Promise<void> {
  for (const source of wasmSources) {
    const bytes = await assembleWat(source);
    writeFileSync(path.join(projectRoot, binaryPathOf(source)), bytes);
    console.log(`${binaryPathOf(source)}: ${bytes.length} bytes from ${source}`);
  }
}

main().catch((error: unknown) => {
  console.error(`build:wasm: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
