import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../stack/paths";

describe("the npm package", () => {
  it("packs into a tarball whose `sos --help` works when installed into an empty folder", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sos-pack-"));
    const npm = (args: string[], cwd: string) =>
      execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false" } });
    const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], projectRoot)) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((file) => file.path);
    // The program and everything it bundles are in; tests, benchmarks and local state are not.
    expect(files).toEqual(expect.arrayContaining(["Pulumi.yaml", "index.ts", "cli/sos.js", "stack/sos-stack.ts", "worker/index.ts", "schema/0001_init.sql"]));
    expect(files.filter((file) => /^(test|bench|\.sos|node_modules)\//.test(file))).toEqual([]);

    const app = path.join(dir, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "empty", version: "1.0.0", private: true }));
    // From the npm cache that `npm ci` filled: the registry is only asked for what it lacks.
    npm(["install", "--prefer-offline", "--no-save", path.join(dir, packed[0]!.filename)], app);
    const help = execFileSync(path.join(app, "node_modules", ".bin", "sos"), ["--help"], { encoding: "utf8" });
    expect(help).toContain("Usage: sos <command> [options]");
    expect(help).toContain("tenants    preview|up|destroy|refresh many stacks");
    const initHelp = execFileSync(path.join(app, "node_modules", ".bin", "sos"), ["init", "--help"], { encoding: "utf8" });
    expect(initHelp).toContain("--account-id <id>");
    expect(readdirSync(path.join(app, "node_modules", "@mumega", "sos"))).toContain("Pulumi.yaml");
  }, 600_000);
});
