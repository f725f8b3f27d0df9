import type { OpenStack } from "./workspace";
import { ChangePlanCollector, type ChangePlan } from "./change-plan";
import { EngineProgress } from "./engine-progress";
import { explainFailure } from "./cloudflare-failure";
import { SosError } from "./errors";
import type { Ui } from "./ui";

export type Operation = "preview" | "up" | "destroy" | "refresh";

export interface OperationResult {
  operation: Operation;
  /** Resource operations counted by the engine's summary (`create`, `update`, `same`, ...). */
  changes: Record<string, number>;
  /** Migration files applied (up) or to apply (preview). */
  migrations: string[];
  plan?: ChangePlan;
  durationMs: number;
}

/** A preview whose events are read into the change plan the customer is asked to accept. */
export async function previewStack(open: OpenStack, ui: Ui, options: { diff: boolean; destroy?: boolean }): Promise<OperationResult> {
  const started = Date.now();
  const collector = new ChangePlanCollector();
  const progress = ui.progress(options.destroy ? "Working out what a destroy removes" : "Previewing the deployment");
  const engine = new EngineProgress({ message: () => {}, stop: () => {}, fail: () => {} });
  const onEvent = (event: Parameters<typeof collector.collect>[0]) => {
    collector.collect(event);
    engine.onEvent(event);
  };
  try {
    if (options.destroy) await open.stack.previewDestroy({ onEvent });
    else await open.stack.preview({ diff: options.diff, onEvent });
  } catch (error) {
    progress.fail("Preview failed");
    throw failure("The preview", engine.errors, error);
  }
  const plan = collector.plan();
  progress.stop("Preview ready");
  return { operation: "preview", changes: plan.counts, migrations: plan.migrations, plan, durationMs: Date.now() - started };
}

/** An up, destroy or refresh with progress; a failure is explained with Cloudflare's own words. */
export async function runStack(open: OpenStack, ui: Ui, operation: Exclude<Operation, "preview">): Promise<OperationResult> {
  const started = Date.now();
  const words = { up: "Deploying", destroy: "Destroying", refresh: "Reading the deployed resources" }[operation];
  const progress = ui.progress(words);
  const engine = new EngineProgress(progress);
  // An up's step events carry the same old and new states as a preview's: they tell what ran.
  const collector = new ChangePlanCollector();
  const onEvent = (event: Parameters<typeof collector.collect>[0]) => {
    collector.collect(event);
    engine.onEvent(event);
  };
  try {
    if (operation === "up") await open.stack.up({ onEvent });
    else if (operation === "destroy") await open.stack.destroy({ onEvent });
    else await open.stack.refresh({ onEvent });
  } catch (error) {
    progress.fail(`${words} stopped after ${engine.completed} resource operation${engine.completed === 1 ? "" : "s"}`);
    throw failure(operation === "up" ? "The deployment" : `The ${operation}`, engine.errors, error);
  }
  progress.stop(`${words}: done (${engine.completed} resource operation${engine.completed === 1 ? "" : "s"})`);
  return {
    operation,
    changes: engine.changes,
    migrations: operation === "up" ? collector.plan().migrations : [],
    durationMs: Date.now() - started,
  };
}

/** The engine's diagnostics, or else the CLI's own error text, read into words and advice. */
function failure(what: string, diagnostics: string[], error: unknown): SosError {
  const messages = diagnostics.length > 0 ? diagnostics : [cliErrorText(error)];
  const explained = explainFailure(messages);
  const detail = messages.map((message) => message.split("\n").map((line) => `  ${line}`).join("\n")).join("\n");
  return new SosError(`${what} failed. ${explained.summary}\n${detail}`, explained.advice);
}

/** The `error:` lines of a failed CLI command (its stderr), without the Automation API's wrapper. */
export function cliErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const stderr = /stderr:([\s\S]*?)(?:\n\s*err\?:|$)/.exec(text)?.[1] ?? text;
  const errors = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("error:"));
  return (errors.length > 0 ? errors.join("\n") : stderr.trim()).slice(0, 2000);
}
