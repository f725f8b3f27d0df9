import { spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../stack/paths";

/**
 * `npm start` as a user runs it (cli/start.ts, on 127.0.0.1, any free port), with its state in a
 * folder of its own (SOS_STATE_DIR): what it prints, the modes of what it writes, and what survives
 * a SIGKILL in the middle of a write loop.
 */
interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const running = new Set<ChildProcess>();
const folders: string[] = [];
afterAll(async () => {
  for (const child of running) await stop(child, "SIGTERM");
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Starts cli/start.ts in a process group of its own (workerd included), and waits until it listens. */
async function start(stateDir: string): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", "cli/start.ts"], {
    cwd: projectRoot,
    env: { ...process.env, SOS_STATE_DIR: stateDir, PORT: "0", HOST: "127.0.0.1", SOS_AGENT_KEY: "" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const match = /SOS: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match && output.includes("SOS: try")) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}):\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

/** Signals the whole process group (node and its workerd) and waits for node to exit. */
async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
  await exited;
  running.delete(child);
}

function entriesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const entry = path.join(folder, name);
    const stat = lstatSync(entry);
    return stat.isDirectory() ? [entry, ...entriesUnder(entry)] : stat.isFile() ? [entry] : [];
  });
}

const mode = (entry: string) => (lstatSync(entry).mode & 0o777).toString(8);

function newStateDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sos-start-"));
  folders.push(root);
  return path.join(root, "state");
}

describe("npm start", () => {
  it("prints the agent key once, and keeps its state readable by the owner only", async () => {
    const stateDir = newStateDir();
    // State left by an earlier version, readable by everyone: tightened at start.
    mkdirSync(path.join(stateDir, "d1"), { recursive: true, mode: 0o755 });
    chmodSync(stateDir, 0o755);
    writeFileSync(path.join(stateDir, "d1", "old-file"), "x", { mode: 0o644 });

    const first = await start(stateDir);
    const key = readFileSync(path.join(stateDir, "agent-key"), "utf8").trim();
    expect(key.length).toBeGreaterThanOrEqual(32);
    expect(first.output().split(key).length - 1).toBe(1);
    expect(first.output()).toContain(`${first.url}/#key=${encodeURIComponent(key)}`);

    // Files workerd writes once requests come in count too.
    const health = await fetch(`${first.url}/api/health`);
    expect(health.status).toBe(200);
    const stored = await fetch(`${first.url}/api/memories`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "a memory written to disk" }),
    });
    expect(stored.status).toBe(201);

    expect(mode(stateDir)).toBe("700");
    const entries = entriesUnder(stateDir);
    expect(entries.some((entry) => entry.endsWith(".sqlite"))).toBe(true);
    for (const entry of entries) {
      expect(`${path.relative(stateDir, entry)} ${mode(entry)}`).toBe(
        `${path.relative(stateDir, entry)} ${lstatSync(entry).isDirectory() ? "700" : "600"}`,
      );
    }
    await stop(first.child, "SIGTERM");
  });

  it("keeps every acknowledged memory through a SIGKILL in the middle of a write loop", async () => {
    const stateDir = newStateDir();
    const first = await start(stateDir);
    const key = readFileSync(path.join(stateDir, "agent-key"), "utf8").trim();
    const acknowledged = new Map<string, string>();
    let writing = true;
    // Four writers at once for about 1.5 s, then the kill lands while requests are in flight.
    const writer = async (lane: number) => {
      for (let i = 0; writing; i++) {
        const text = `durable ${lane}-${i} ${"x".repeat(200)}`;
        try {
          const response = await fetch(`${first.url}/api/memories`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ text }),
          });
          if (response.status === 201) acknowledged.set(((await response.json()) as { id: string }).id, text);
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    const writers = Promise.all([0, 1, 2, 3].map(writer));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stop(first.child, "SIGKILL");
    writing = false;
    await writers;
    expect(acknowledged.size).toBeGreaterThan(10);

    const second = await start(stateDir);
    for (const [id, text] of acknowledged) {
      const response = await fetch(`${second.url}/api/memories/${id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status, id).toBe(200);
      expect(((await response.json()) as { text: string }).text).toBe(text);
    }
    await stop(second.child, "SIGTERM");
  });
});
