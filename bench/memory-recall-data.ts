/**
 * The memory benchmark's data: a synthetic corpus for latency (768-dimension vectors in topic
 * clusters, texts of pseudo-words with a Zipf-like spread), and a small labelled conversation set
 * for retrieval quality.
 */

export const dimensions = 768;

/** A seeded PRNG (mulberry32), so every run measures the same data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  for (let index = 0; index < vector.length; index++) vector[index]! /= norm;
  return vector;
}

function randomUnit(next: () => number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = gaussian(next);
  return normalize(vector);
}

/** `base` plus noise of relative size `noise`, unit length. */
export function perturb(base: Float32Array, noise: number, next: () => number): Float32Array {
  const offset = randomUnit(next);
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = base[index]! + noise * offset[index]!;
  return normalize(vector);
}

const syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "do", "ri", "an", "po", "zen", "ta", "mur", "ie", "bo"];

/** A pronounceable pseudo-word per index: what FTS5 sees as one distinct token. */
export function pseudoWord(index: number): string {
  let word = "";
  let rest = index + 17;
  do {
    word += syllables[rest % syllables.length];
    rest = Math.floor(rest / syllables.length);
  } while (rest > 0);
  return word;
}

const vocabulary = 20_000;
const stopwordsUsed = ["the", "a", "and", "of", "to", "in", "was", "it", "we", "that"];

export interface Corpus {
  topics: Float32Array[];
  next: () => number;
}

export function corpus(seed = 42, topicCount = 200): Corpus {
  const next = prng(seed);
  return { topics: Array.from({ length: topicCount }, () => randomUnit(next)), next };
}

export interface SyntheticEngram {
  text: string;
  vector: Float32Array;
  importance: number;
  /** Days before now. */
  ageDays: number;
}

/** One engram: a topic's centroid plus noise (cosine ~0.74 to it), 12–20 words of which ~3 are stopwords. */
export function syntheticEngram(data: Corpus, index: number): SyntheticEngram {
  const { next, topics } = data;
  const topic = Math.floor(next() * topics.length);
  const words: string[] = [`note${index}`];
  const length = 12 + Math.floor(next() * 9);
  for (let word = 0; word < length; word++) {
    if (next() < 0.25) words.push(stopwordsUsed[Math.floor(next() * stopwordsUsed.length)]!);
    // A Zipf-like rank: small ranks are common words, large ones rare.
    else words.push(pseudoWord(Math.floor(vocabulary ** next()) - 1));
  }
  return {
    text: words.join(" "),
    vector: perturb(topics[topic]!, 0.9, next),
    importance: 0.2 + 0.6 * next(),
    ageDays: next() * 365,
  };
}

/** A query about `engram`: its vector with noise (cosine ~0.89 to it) and three of its words. */
export function syntheticQuery(engram: SyntheticEngram, next: () => number): { text: string; vector: Float32Array } {
  const words = engram.text.split(" ").filter((word) => !stopwordsUsed.includes(word) && !word.startsWith("note"));
  const picked = Array.from({ length: 3 }, () => words[Math.floor(next() * words.length)]!);
  return { text: `what about ${picked.join(" ")}`, vector: perturb(engram.vector, 0.5, next) };
}

/**
 * The labelled conversation set: things a user told their agent, and questions asking for them
 * later, each with the memory that answers it. Each question is labelled by what it shares with its
 * answer besides stopwords: a word, only a word's other form ("allergies" / "allergic"), or nothing
 * (a paraphrase, which only a model's embedding can match).
 */
export const conversationMemories = [
  "My sister Ana lives in Lisbon and works as an architect.",
  "I'm allergic to peanuts, so please never suggest satay.",
  "The wifi password at the cabin is BLUEHERON-42.",
  "Our cat Miso is twelve years old and hates the vacuum cleaner.",
  "I started learning the cello in January; my teacher is Mr. Okafor.",
  "Dentist appointment moved to Thursday the 14th at 9:30.",
  "I prefer oat milk in my coffee, never dairy.",
  "My daughter's school play is on May 3rd; she plays the lighthouse keeper.",
  "The car's next service is due at 60,000 kilometres.",
  "I run 5 kilometres every Sunday morning along the canal.",
  "Project Falcon's deadline slipped to the end of Q3.",
  "My manager Priya wants the budget report every second Friday.",
  "We booked a cottage in Cornwall for the first week of August.",
  "I don't like horror films; comedies and documentaries are fine.",
  "The spare house key is under the blue flowerpot by the back door.",
  "My passport expires in November 2027.",
  "Grandma's birthday is on the 22nd of September; she loves lilies.",
  "I'm trying to cut down on sugar after the last blood test.",
  "The Raspberry Pi in the garage runs the Home Assistant server.",
  "My favourite author is Ursula K. Le Guin; I reread The Dispossessed every year.",
  "Tom from the climbing gym lent me his belay device.",
  "I switched electricity provider to Octopus in March.",
  "The kitchen tap drips; the plumber comes on Wednesday afternoon.",
  "I speak Portuguese fluently and some basic Japanese.",
  "Our anniversary dinner is booked at a place called Fennel & Fig.",
  "My blood type is O negative.",
  "I want to save 20% of my salary this year for a house deposit.",
  "The team standup moved from 9:00 to 9:45 on Mondays.",
  "My son has a swimming lesson every Tuesday at five.",
  "I get migraines when I skip lunch.",
  "The printer in the study only works over USB, not wifi.",
  "We adopted a rescue greyhound named Pepper last spring.",
  "I need to renew the car insurance before the 30th of June.",
  "My GitHub username is river-otter-7.",
  "Vegetarian on weekdays, anything goes at weekends.",
  "The landlord's phone number is in the green notebook.",
  "I'm nervous about the job interview at Helix Labs next week.",
  "Coffee after 3pm keeps me awake, so decaf in the afternoon.",
  "My bike is a blue Brompton folding bike, frame number X7731.",
  "The tomatoes on the balcony need watering every evening in July.",
];

export type QuestionKind = "shared words" | "word forms" | "paraphrase";

export const conversationQuestions: { question: string; relevant: number[]; kind: QuestionKind }[] = [
  { question: "Where does Ana live?", relevant: [0], kind: "shared words" },
  { question: "What is the cabin wifi password?", relevant: [2], kind: "shared words" },
  { question: "BLUEHERON", relevant: [2], kind: "shared words" },
  { question: "Do I have any food allergies?", relevant: [1], kind: "word forms" },
  { question: "How old is Miso?", relevant: [3], kind: "shared words" },
  { question: "When is my dentist appointment?", relevant: [5], kind: "shared words" },
  { question: "What milk do I take in coffee?", relevant: [6], kind: "shared words" },
  { question: "When is the school play?", relevant: [7], kind: "shared words" },
  { question: "At what mileage is the car serviced?", relevant: [8], kind: "shared words" },
  { question: "Where do I go running on Sundays?", relevant: [9], kind: "word forms" },
  { question: "Falcon deadline", relevant: [10], kind: "shared words" },
  { question: "How often does Priya want the budget report?", relevant: [11], kind: "shared words" },
  { question: "What are our summer holiday plans?", relevant: [12], kind: "paraphrase" },
  { question: "What kind of movies do I enjoy?", relevant: [13], kind: "paraphrase" },
  { question: "Where is the spare key hidden?", relevant: [14], kind: "shared words" },
  { question: "When does my passport expire?", relevant: [15], kind: "shared words" },
  { question: "Gift ideas for grandma", relevant: [16], kind: "shared words" },
  { question: "Am I watching my sweets intake?", relevant: [17], kind: "paraphrase" },
  { question: "What runs my home automation?", relevant: [18], kind: "shared words" },
  { question: "Which novels do I love?", relevant: [19], kind: "paraphrase" },
  { question: "Who lent me climbing equipment?", relevant: [20], kind: "shared words" },
  { question: "Who is our energy supplier?", relevant: [21], kind: "paraphrase" },
  { question: "Someone needs to fix the leaking faucet", relevant: [22], kind: "paraphrase" },
  { question: "Which languages do I know?", relevant: [23], kind: "paraphrase" },
  { question: "Where is the anniversary dinner?", relevant: [24], kind: "shared words" },
  { question: "What is my blood group?", relevant: [25], kind: "shared words" },
  { question: "What are my savings goals?", relevant: [26], kind: "word forms" },
  { question: "What time is the Monday standup?", relevant: [27], kind: "shared words" },
  { question: "What does my boy do after school on Tuesdays?", relevant: [28], kind: "word forms" },
  { question: "What gives me headaches?", relevant: [29], kind: "paraphrase" },
  { question: "Why won't the printer connect wirelessly?", relevant: [30], kind: "shared words" },
  { question: "What is our dog called?", relevant: [31], kind: "paraphrase" },
  { question: "When is the insurance renewal?", relevant: [32], kind: "shared words" },
  { question: "What's my GitHub handle?", relevant: [33], kind: "shared words" },
  { question: "X7731", relevant: [38], kind: "shared words" },
  { question: "When should the plants be watered?", relevant: [39], kind: "word forms" },
  { question: "Should I have caffeine late in the day?", relevant: [37], kind: "paraphrase" },
  { question: "Nervous about an interview", relevant: [36], kind: "shared words" },
  { question: "Do I eat meat?", relevant: [34], kind: "paraphrase" },
  { question: "How do I reach the owner of the flat?", relevant: [35], kind: "paraphrase" },
];
