import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleWorker } from "../../stack/bundle";
import { projectRoot } from "../../stack/paths";

const copies: string[] = [];

/** A copy of the project's sources (node_modules linked) that a test may edit. */
function projectCopy(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sos-bundle-"));
  copies.push(root);
  for (const entry of ["worker", "frontend", "package.json"]) {
    cpSync(path.join(projectRoot, entry), path.join(root, entry), { recursive: true });
  }
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

afterAll(() => {
  for (const root of copies) rmSync(root, { recursive: true, force: true });
});

describe("worker bundle", () => {
  it("is byte-identical for the same sources, wherever the project lies", () => {
    const here = bundleWorker();
    const again = bundleWorker();
    const elsewhere = bundleWorker(projectCopy());
    expect(again.sha256).toBe(here.sha256);
    expect(elsewhere.code).toBe(here.code);
    expect(here.code).not.toContain(projectRoot);
    expect(here.code).not.toMatch(/\/\/# sourceMappingURL|\/tmp\//);
  });

  it("is a minified ES module exporting the fetch handler", () => {
    const { code } = bundleWorker();
    expect(code).toMatch(/export\s*\{\s*\w+ as default\s*\}/);
    // Minified: local names are mangled and doc comments are gone.
    expect(code).not.toContain("sendOptedInReports");
    expect(code).not.toContain("chatEventStream");
    expect(code).not.toMatch(/\/\*\*\s/);
  });

  it("carries the WebAssembly module the worker imports, as the committed binary", () => {
    const { code, wasm } = bundleWorker();
    expect(code).toMatch(/from\s*"\.\/scan-kernels\.wasm"/);
    const committed = readFileSync(path.join(projectRoot, "worker/memory/scan-kernels.wasm"));
    expect(wasm.map((module) => module.name)).toEqual(["scan-kernels.wasm"]);
    expect(Buffer.from(wasm[0]!.bytes).equals(committed)).toBe(true);
  });

  it("refuses a WebAssembly import that is not ./<name>.wasm, naming the importer", () => {
    const root = projectCopy();
    const file = path.join(root, "worker", "memory", "sign-bit-store.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace('"./scan-kernels.wasm"', '"../memory/scan-kernels.wasm"'));
    expect(() => bundleWorker(root)).toThrow(
      "worker/memory/sign-bit-store.ts imports ../memory/scan-kernels.wasm: a worker imports WebAssembly as ./<name>.wasm",
    );
  });

  it("does not change when a frontend file changes", () => {
    const root = projectCopy();
    const before = bundleWorker(root);
    mkdirSync(path.join(root, "frontend"), { recursive: true });
    writeFileSync(path.join(root, "frontend", "changed.ts"), "export const changed = true;\n");
    expect(bundleWorker(root).sha256).toBe(before.sha256);
  });

  it("changes when the worker code changes", () => {
    const root = projectCopy();
    const before = bundleWorker(root);
    writeFileSync(path.join(root, "worker", "version.ts"), 'export const runtimeVersion: string = "9.9.9";\n');
    expect(bundleWorker(root).sha256).not.toBe(before.sha256);
  });
});
