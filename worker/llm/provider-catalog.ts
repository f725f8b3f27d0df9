/**
 * The providers and embeddings a deployment can be configured with. Plain data with no imports: the
 * stack's config reader (in Node), the worker and the docs checks all read it from here. Each chat
 * provider's models, its default first, are in models.ts, checked against its SDK.
 */

/** The model providers a chat can be answered by: the values of LLM_PROVIDER and LLM_FALLBACK. */
export const providerNames = ["workers-ai", "openai", "anthropic", "gemini", "groq"] as const;
export type ProviderName = (typeof providerNames)[number];

/**
 * What EMBEDDING_PROVIDER can name: a provider, whose default embedding model embeds the memory, or
 * `hash`, the built-in hashing embedding (no model, nothing leaves the account, no enrichment, no
 * paraphrases found).
 */
export const embeddingOptions = ["workers-ai", "openai", "gemini", "hash"] as const;
export type EmbeddingOption = (typeof embeddingOptions)[number];

/** The options that send a text to a provider to embed it. */
export type EmbeddingProviderName = Extract<EmbeddingOption, ProviderName>;

export interface EmbeddingModel {
  /** Stored with each vector; vectors of two models are never compared. */
  model: string;
  /** The usual size of its vectors. */
  dims: number;
  /**
   * Characters of a text that are embedded: what the vendor takes; for the hashing embedding, where
   * the rest adds CPU and little meaning.
   */
  maxChars: number;
  /**
   * The cosine below which a vector match is not a match: each model spreads unrelated texts
   * differently (bge and Gemini rarely score unrelated text under 0.4, OpenAI's v3 models often under
   * 0.2, the hashing embedding near 0). Full-text matches need no threshold.
   */
  similarityFloor: number;
}

/** Each option's embedding. */
export const embeddingModels = {
  "workers-ai": { model: "@cf/baai/bge-base-en-v1.5", dims: 768, maxChars: 2_000, similarityFloor: 0.5 },
  openai: { model: "text-embedding-3-small", dims: 1536, maxChars: 24_000, similarityFloor: 0.3 },
  gemini: { model: "gemini-embedding-001", dims: 3072, maxChars: 8_000, similarityFloor: 0.5 },
  // dims a power of two: a word's bucket is its hash's low bits (hash-embedding.ts).
  hash: { model: "sos-hash-v1", dims: 512, maxChars: 8_000, similarityFloor: 0.15 },
} as const satisfies Record<EmbeddingOption, EmbeddingModel>;

/** The facts of a model named on stored vectors, when it is one of the options' models. */
export function embeddingModelFacts(model: string): EmbeddingModel | undefined {
  return Object.values(embeddingModels).find((entry) => entry.model === model);
}
