import { readFileSync } from "node:fs";
import * as path from "node:path";
import wabt from "wabt";
import { projectRoot } from "../stack/paths";

/**
 * The worker's WebAssembly modules: each `.wat` source beside the `.wasm` binary the worker imports.
 * The binaries are committed (the deployment uploads them as they are, no assembler needed at
 * `pulumi up`); `npm run build:wasm` assembles them again and a test checks they match.
 */
export const wasmSources = ["worker/memory/scan-kernels.wat"];

/** The binary a `.wat` source assembles to (validated, no names section: the same bytes every time). */
export async function assembleWat(source: string, root: string = projectRoot): Promise<Uint8Array> {
  const assembler = await wabt();
  const module = assembler.parseWat(source, readFileSync(path.join(root, source), "utf8"));
  try {
    module.validate();
    return module.toBinary({ write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

export function binaryPathOf(source: string): string {
  return source.replace(/\.wat$/, ".wasm");
}
