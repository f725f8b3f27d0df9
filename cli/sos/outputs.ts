import type { OpenStack } from "./workspace";
import { SosError } from "./errors";
import type { Ui } from "./ui";

/** The stack outputs `sos` reads (index.ts exports them). */
export interface SosOutputs {
  workerUrl: string;
  pagesUrl: string;
  d1DatabaseId: string;
  kvNamespaceId: string;
  agentId: string;
  agentKey: string;
}

export async function readOutputs(open: OpenStack): Promise<SosOutputs> {
  const outputs = await open.stack.outputs();
  const value = (name: keyof SosOutputs) => {
    const output = outputs[name];
    if (output === undefined || typeof output.value !== "string") {
      throw new SosError(
        `Stack '${open.target.stack}' has no ${name} output: it has not been deployed yet (or its last deployment failed).`,
        "Run `sos init` (or `sos upgrade`) to deploy it.",
      );
    }
    return output.value;
  };
  return {
    workerUrl: value("workerUrl"),
    pagesUrl: value("pagesUrl"),
    d1DatabaseId: value("d1DatabaseId"),
    kvNamespaceId: value("kvNamespaceId"),
    agentId: value("agentId"),
    agentKey: value("agentKey"),
  };
}

/** The chat app's URL with the agent key in its fragment, which browsers never send to a server. */
export function agentUrl(outputs: Pick<SosOutputs, "pagesUrl" | "agentKey">): string {
  return `${outputs.pagesUrl.replace(/\/+$/, "")}/#key=${outputs.agentKey}`;
}

export async function showAgentUrl(open: OpenStack, ui: Ui): Promise<void> {
  const outputs = await readOutputs(open);
  ui.note(
    `${agentUrl(outputs)}\n\nThe key after #key= opens your agent: it is not stored anywhere else by sos and is not shown again\n` +
      "(`sos status --show-key` reads it back from the stack's encrypted state on this machine).",
    "Your chat app",
  );
}
