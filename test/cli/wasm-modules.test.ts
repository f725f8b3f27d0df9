import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { assembleWat, binaryPathOf, wasmSources } from "../../cli/wasm-modules";
import { projectRoot } from "../../stack/paths";

describe("the worker's WebAssembly modules", () => {
  it.each(wasmSources)("%s is assembled into the committed binary (npm run build:wasm)", async (source) => {
    const committed = readFileSync(path.join(projectRoot, binaryPathOf(source)));
    expect(Buffer.from(await assembleWat(source)).equals(committed)).toBe(true);
  });
});
