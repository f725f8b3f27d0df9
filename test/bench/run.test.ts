import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../stack/paths";

const run = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", path.join(projectRoot, "bench", "run.ts"), ...args], {
    cwd: projectRoot,
    encoding: "utf8",
  });

describe("npm run bench", () => {
  it("--help lists every benchmark with its knobs, and runs none", () => {
    const result = run(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ {2}chat-latency {5}chat latency in workerd/m);
    expect(result.stdout).toMatch(/^ {2}memory-quality {3}memory retrieval quality/m);
    expect(result.stdout).toContain("SOS_BENCH_MEMORY_SIZES: engram counts to measure");
    expect(result.stdout).not.toContain("===");
  }, 60_000);

  it("names an unknown benchmark or option without a stack trace", () => {
    const unknown = run(["no-such-benchmark"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe("bench: no benchmark matches no-such-benchmark; npm run bench -- --help lists them\n");
    expect(run(["--fast"]).stderr).toContain("bench: unknown option --fast");
  }, 60_000);
});
