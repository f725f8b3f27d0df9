import type { Env } from "../env";
import { embeddingModelFacts, embeddingModels, type EmbeddingProviderName } from "../llm/provider-catalog";
import { attemptsFor, isConfigured, isProviderName } from "../llm/registry";
import { hashEmbedding } from "./hash-embedding";
import { unitVector } from "./vector-codec";

/** The most texts embedded in one vendor call (Workers AI and Gemini take 100). */
export const maxEmbedBatch = 32;

export interface Embedder {
  /** Stored with each vector; vectors of two models are never compared. */
  readonly model: string;
  /** The vendor the text goes to, or undefined for the built-in hashing embedding. */
  readonly provider: EmbeddingProviderName | undefined;
  /**
   * Whether its vectors carry meaning beyond the words (a model's do, the hashing embedding's do
   * not): fusion guards full text against a lexical list (fusion.ts).
   */
  readonly semantic: boolean;
  /** Unit vectors, one per text, in order. Throws the provider's error. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

export class EmbeddingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmbeddingError";
  }
}

/** Whether EMBEDDING_PROVIDER names a provider (`hash` embeds in the worker). */
export function isEmbeddingProvider(name: string): name is EmbeddingProviderName {
  return isProviderName(name) && Object.hasOwn(embeddingModels, name);
}

/**
 * The embedder EMBEDDING_PROVIDER asks for, when that provider can be called here (Workers AI needs
 * its binding, OpenAI and Gemini a key); otherwise, and for EMBEDDING_PROVIDER=hash, the built-in
 * hashing embedding. The choice follows the configuration, never a passing failure: a vendor error
 * leaves a text unembedded (re-tried later), it does not switch models.
 */
export function embedderFor(env: Env): Embedder {
  const name = env.EMBEDDING_PROVIDER?.trim() ?? "";
  if (!isEmbeddingProvider(name) || !isConfigured(env, name)) return hashEmbedder;
  const { model, maxChars } = embeddingModels[name];
  return {
    model,
    provider: name,
    semantic: true,
    async embed(texts) {
      const provider = attemptsFor(env, { provider: name })[0]!.provider;
      const result = await provider.embed!(
        texts.map((text) => text.slice(0, maxChars)),
        model,
      );
      if (result.vectors.length !== texts.length) {
        throw new EmbeddingError(`${name} returned ${result.vectors.length} vectors for ${texts.length} texts`);
      }
      return result.vectors.map((values) => {
        const unit = unitVector(values);
        if (!unit) throw new EmbeddingError(`${name} returned an empty or invalid vector`);
        return unit;
      });
    },
  };
}

/** The usual size of a model's vectors (an option's model's, else 768). */
export function usualDimensions(model: string): number {
  return embeddingModelFacts(model)?.dims ?? 768;
}

export const hashEmbedder: Embedder = {
  model: embeddingModels.hash.model,
  provider: undefined,
  semantic: false,
  embed: async (texts) => texts.map(hashEmbedding),
};
