import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { CloudflareEmulator } from "./cloudflare-emulator";

const wranglerBin = path.resolve(__dirname, "../../node_modules/wrangler/bin/wrangler.js");

/** wrangler starts slowly (about 2 s a run on two cores): give tests that run it room. */
export const wranglerTimeout = 180_000;

export interface WranglerRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface WranglerProject {
  /** The project folder: wrangler.json, migrations/, and a private HOME. */
  dir: string;
  writeMigration(name: string, sql: string): void;
  /** Runs wrangler there with no stdin, no user-level config and no credentials but the emulator's. */
  run(...args: string[]): Promise<WranglerRun>;
  remove(): void;
}

/** A throwaway wrangler project whose D1 database is one of the emulator's. */
export function wranglerProject(
  emulator: CloudflareEmulator,
  database: { name: string; uuid: string },
): WranglerProject {
  const dir = mkdtempSync(path.join(tmpdir(), "sos-wrangler-"));
  mkdirSync(path.join(dir, "migrations"));
  mkdirSync(path.join(dir, "home"));
  writeFileSync(
    path.join(dir, "wrangler.json"),
    JSON.stringify({
      name: "sos-test",
      compatibility_date: "2025-01-01",
      d1_databases: [
        { binding: "DB", database_name: database.name, database_id: database.uuid, migrations_dir: "migrations" },
      ],
    }),
  );

  return {
    dir,
    writeMigration: (name, sql) => writeFileSync(path.join(dir, "migrations", name), sql),
    run: (...args) => runWrangler(emulator, dir, args),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface WranglerPagesSite {
  /** The working folder: a private HOME and `site/`, and no wrangler config (Pages reads none by default). */
  dir: string;
  /** The folder to deploy, i.e. `wrangler pages deploy <siteDir>`. */
  siteDir: string;
  /** Writes a file below `site/`, creating its folders. */
  writeFile(relativePath: string, content: string | Buffer): void;
  deleteFile(relativePath: string): void;
  run(...args: string[]): Promise<WranglerRun>;
  remove(): void;
}

/** A throwaway folder of static files for `wrangler pages deploy`, run against the emulator. */
export function wranglerPagesSite(emulator: CloudflareEmulator): WranglerPagesSite {
  const dir = mkdtempSync(path.join(tmpdir(), "sos-wrangler-pages-"));
  const siteDir = path.join(dir, "site");
  mkdirSync(siteDir);
  mkdirSync(path.join(dir, "home"));
  return {
    dir,
    siteDir,
    writeFile(relativePath, content) {
      const file = path.join(siteDir, relativePath);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    },
    deleteFile: (relativePath) => unlinkSync(path.join(siteDir, relativePath)),
    run: (...args) => runWrangler(emulator, dir, args),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs wrangler in `dir` with no stdin, no user-level config and no credentials but the emulator's. */
function runWrangler(emulator: CloudflareEmulator, dir: string, args: string[]): Promise<WranglerRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(CLOUDFLARE_|CF_|WRANGLER_)/.test(key)),
  );
  const env = {
    ...inherited,
    CLOUDFLARE_API_BASE_URL: emulator.baseUrl,
    CLOUDFLARE_API_TOKEN: emulator.token,
    CLOUDFLARE_ACCOUNT_ID: emulator.accountId,
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    NO_COLOR: "1",
    HOME: path.join(dir, "home"),
    XDG_CONFIG_HOME: path.join(dir, "home", ".config"),
    // wrangler's update check reads npm settings from npm_<key> variables only: a closed loopback
    // port keeps it offline.
    npm_registry: "http://127.0.0.1:9/",
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
