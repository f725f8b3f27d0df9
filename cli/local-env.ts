import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../stack/paths";
import type { WorkerVars } from "./local-worker";

/** Local state: D1 and KV files and the local agent key. Git-ignored; SOS_STATE_DIR puts it elsewhere. */
export const stateDir = process.env.SOS_STATE_DIR
  ? path.resolve(process.env.SOS_STATE_DIR)
  : path.join(projectRoot, ".sos");

/**
 * Makes the state folder readable by its owner only: the folder and every folder in it 700, every
 * file 600 (the memories, the sessions and the key are in there). Run before workerd starts; what
 * it creates afterwards follows the process's umask, which `npm start` sets to 077.
 */
export function secureStateDir(dir: string = stateDir): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const visit = (entry: string): void => {
    const stat = lstatSync(entry);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      chmodSync(entry, 0o700);
      for (const name of readdirSync(entry)) visit(path.join(entry, name));
    } else {
      chmodSync(entry, 0o600);
    }
  };
  visit(dir);
}

/** Settings read from the environment, named like the worker's bindings. */
const passThrough = [
  "AGENT_ID",
  "AGENT_NAME",
  "LLM_PROVIDER",
  "LLM_MODEL",
  "LLM_FALLBACK",
  "LLM_TIMEOUT_SECONDS",
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "ANTHROPIC_API_KEY",
  "GEMINI_API_KEY",
  "GROQ_API_KEY",
  "EMBEDDING_PROVIDER",
  "ALLOWED_ORIGINS",
  "SESSION_TTL_SECONDS",
  "CONTACT_CALLER_LIMIT",
  "CONTACT_HOURLY_CAP",
  "CONTACT_RETENTION_DAYS",
  "CONVERSATION_RETENTION_DAYS",
  "CONVERSATION_TITLES",
] as const satisfies readonly (keyof WorkerVars)[];

/** The key the local API is protected with: SOS_AGENT_KEY, or one made once and kept in .sos/. */
export function localAgentKey(env: NodeJS.ProcessEnv, dir: string = stateDir): string {
  if (env.SOS_AGENT_KEY) return env.SOS_AGENT_KEY;
  const keyFile = path.join(dir, "agent-key");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(keyFile)) return readFileSync(keyFile, "utf8").trim();
  const key = randomBytes(24).toString("base64url");
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  return key;
}

/** The first provider whose key is in the environment; Workers AI (which needs an account) otherwise. */
function defaultProvider(env: NodeJS.ProcessEnv): string {
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) return "openai";
  if (env.ANTHROPIC_API_KEY) return "anthropic";
  if (env.GEMINI_API_KEY) return "gemini";
  if (env.GROQ_API_KEY) return "groq";
  return "workers-ai";
}

export function localVars(env: NodeJS.ProcessEnv, agentKey: string): WorkerVars {
  const vars: WorkerVars = {
    AGENT_ID: "sos-local",
    AGENT_NAME: "SOS",
    LLM_PROVIDER: defaultProvider(env),
    EMBEDDING_PROVIDER: "workers-ai",
    TELEMETRY: "false",
    YELLOW_PAGES: "false",
  };
  for (const name of passThrough) {
    const value = env[name];
    if (value) vars[name] = value;
  }
  vars.AGENT_KEY = agentKey;
  return vars;
}

/** PORT: 8787 by default; 0 takes any free port (the URL printed says which). */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return 8787;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, not '${value}'`);
  }
  return port;
}
