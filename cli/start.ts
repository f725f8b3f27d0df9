import * as path from "node:path";
import { buildFrontend } from "../stack/bundle-frontend";
import { localAgentKey, localVars, parsePort, secureStateDir, stateDir } from "./local-env";
import { startLocalWorker } from "./local-worker";

/** The chat app built for this origin (an empty workerUrl: same origin); apart from what a deployment builds. */
const localFrontendDir = path.join(stateDir, "local", "frontend");

/** `npm start`: the runtime on this machine, with D1 and KV kept in .sos/. */
async function main(): Promise<void> {
  const port = parsePort(process.env.PORT);
  // Everything written from here on (by workerd too, which inherits it) is the owner's alone.
  process.umask(0o077);
  secureStateDir(stateDir);
  const agentKey = localAgentKey(process.env);
  const vars = localVars(process.env, agentKey);
  console.log("SOS: building the chat app, bundling the worker and starting workerd ...");
  buildFrontend(localFrontendDir, { workerUrl: "" });
  const worker = await startLocalWorker({
    vars,
    persistDir: stateDir,
    assets: localFrontendDir,
    port,
    host: process.env.HOST ?? "127.0.0.1",
    log: (line) => console.log(`SOS: ${line}`),
  });
  const base = worker.url.toString().replace(/\/$/, "");
  console.log(`SOS: D1 and KV persist in ${path.relative(process.cwd(), stateDir) || "."}/ (delete it to start over)`);
  console.log(`SOS: model provider ${vars.LLM_PROVIDER}${vars.LLM_MODEL ? ` (${vars.LLM_MODEL})` : ""}`);
  console.log(`SOS: listening on ${base}`);
  const keySource = process.env.SOS_AGENT_KEY
    ? "SOS_AGENT_KEY"
    : path.relative(process.cwd(), path.join(stateDir, "agent-key"));
  console.log(`SOS: agent key  in ${keySource}`);
  // The key is printed once, in the fragment, which the browser never sends; the app stores it and
  // clears the address.
  console.log(`SOS: open       ${base}/#key=${encodeURIComponent(agentKey)}`);
  console.log(`SOS: try        curl ${base}/api/health`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("SOS: stopping");
    await worker.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`SOS: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
