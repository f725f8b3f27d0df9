import type { Env } from "../env";
import { anthropicProvider } from "./anthropic-provider";
import { geminiProvider } from "./gemini-provider";
import { groqProvider } from "./groq-provider";
import { providerModels } from "./models";
import { openaiProvider } from "./openai-provider";
import type { LlmProvider } from "./provider";
import { providerNames, type ProviderName } from "./provider-catalog";
import { workersAiProvider } from "./workers-ai-provider";

const factories: Record<ProviderName, (env: Env) => LlmProvider> = {
  "workers-ai": workersAiProvider,
  openai: openaiProvider,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
  groq: groqProvider,
};

/** A provider can be called when its binding or key is there (a compatible server may need no key). */
export function isConfigured(env: Env, name: ProviderName): boolean {
  switch (name) {
    case "workers-ai":
      return env.AI !== undefined;
    case "openai":
      return Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL);
    case "anthropic":
      return Boolean(env.ANTHROPIC_API_KEY);
    case "gemini":
      return Boolean(env.GEMINI_API_KEY);
    case "groq":
      return Boolean(env.GROQ_API_KEY);
  }
}

export function isProviderName(value: string): value is ProviderName {
  return (providerNames as readonly string[]).includes(value);
}

/** LLM_PROVIDER then LLM_FALLBACK, as configured (unknown names dropped, each once). */
export function configuredOrder(env: Env): ProviderName[] {
  const names = [env.LLM_PROVIDER, ...(env.LLM_FALLBACK ?? "").split(",")].map((name) => name?.trim() ?? "");
  return [...new Set(names.filter(isProviderName))];
}

export interface Attempt {
  provider: LlmProvider;
  model: string;
}

/**
 * The providers to try, in order: the one a request picked (with its model) or LLM_PROVIDER (with
 * LLM_MODEL), then the fallbacks with their default models. Only configured providers are tried;
 * a request picks among configured ones (the route checks).
 */
export function attemptsFor(env: Env, picked?: { provider?: ProviderName; model?: string }): Attempt[] {
  const order = configuredOrder(env);
  const names = [...new Set([picked?.provider ?? order[0], ...order])].filter(
    (name): name is ProviderName => name !== undefined && isConfigured(env, name),
  );
  return names.map((name, index) => ({
    provider: factories[name](env),
    model: modelFor(env, name, index === 0 ? picked?.model : undefined),
  }));
}

function modelFor(env: Env, name: ProviderName, picked: string | undefined): string {
  if (picked) return picked;
  if (name === configuredOrder(env)[0] && env.LLM_MODEL) return env.LLM_MODEL;
  return factories[name](env).defaultModel;
}

/**
 * Every provider, whether it is configured, and its models for a picker: the model it answers with
 * when none is picked first (LLM_MODEL for the first provider), then the others the app offers.
 */
export function describeProviders(
  env: Env,
): { name: ProviderName; configured: boolean; defaultModel: string; models: string[] }[] {
  return providerNames.map((name) => {
    const fallback = modelFor(env, name, undefined);
    return {
      name,
      configured: isConfigured(env, name),
      defaultModel: fallback,
      models: [...new Set([fallback, ...providerModels[name]])],
    };
  });
}
