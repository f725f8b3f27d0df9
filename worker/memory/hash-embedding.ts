import { embeddingModels } from "../llm/provider-catalog";
import { stopwords, wordPattern } from "./words";

const { dims: hashDimensions, maxChars } = embeddingModels.hash;

/**
 * A lexical embedding that needs no model: feature hashing, into 512 signed buckets, of each word's
 * crude stem (so "allergies" meets "allergic", "running" meets "run"), the word itself at half that
 * weight, and its character trigrams at a third (so "tea" and "teapot" are a little close); stopwords
 * are left out and term frequency damped as 1 + ln tf; unit length.
 * Texts that share words are similar; paraphrases that share none are not — that takes a model.
 * Used when no embedding provider is reachable (a local run without keys) or EMBEDDING_PROVIDER=hash,
 * and stored under its own model name, so its vectors are never compared with a model's.
 */
export function hashEmbedding(text: string): Float32Array {
  const vector = new Float32Array(hashDimensions);
  const counts = new Map<string, number>();
  const folded = text
    .slice(0, maxChars)
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  const all = folded.match(wordPattern) ?? [];
  const content = all.filter((word) => !stopwords.has(word));
  for (const word of content.length > 0 ? content : all) counts.set(word, (counts.get(word) ?? 0) + 1);

  for (const [word, count] of counts) {
    const weight = 1 + Math.log(count);
    add(vector, hash32(stem(word), 0x27d4eb2f), weight);
    add(vector, hash32(word, 0x9e3779b9), 0.5 * weight);
    const padded = `^${word}$`;
    const trigrams = Math.max(1, padded.length - 2);
    const trigramWeight = (0.35 * weight) / Math.sqrt(trigrams);
    for (let index = 0; index < trigrams; index++) {
      add(vector, hash32(padded.slice(index, index + 3), 0x85ebca6b), trigramWeight);
    }
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < vector.length; index++) vector[index]! /= norm;
  return vector;
}

/** English endings, longest first; a stem keeps at least three letters. */
const suffixes = ["ations", "ation", "ings", "edly", "ing", "ies", "ied", "ed", "es", "ly", "ic", "al", "s", "y", "e"];

/**
 * Strips endings until none applies, then a doubled last consonant: crude (no dictionary), but
 * the same for the forms of a word, which is all a hashed feature needs.
 */
export function stem(word: string): string {
  let current = word;
  for (let changed = true; changed;) {
    changed = false;
    for (const suffix of suffixes) {
      if (current.length - suffix.length >= 3 && current.endsWith(suffix)) {
        current = current.slice(0, -suffix.length);
        changed = true;
        break;
      }
    }
  }
  const last = current.length - 1;
  if (last >= 3 && current[last] === current[last - 1] && !/[aeiou]/.test(current[last]!))
    current = current.slice(0, last);
  return current;
}

function add(vector: Float32Array, hash: number, weight: number): void {
  const index = hash & (hashDimensions - 1);
  vector[index]! += hash >>> 31 ? -weight : weight;
}

/** FNV-1a over UTF-16 code units, seeded per feature kind, then murmur3's finalizer. */
function hash32(text: string, seed: number): number {
  let hash = (2166136261 ^ seed) >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 16777619);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
