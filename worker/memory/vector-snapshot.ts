import type { KVNamespace } from "@cloudflare/workers-types/index";
import { signWords } from "./vector-codec";
import type { SignWords, VectorSet } from "./vector-set";

/**
 * A binary copy of a large VectorSet's sign bits and weights, kept in the customer's KV (the SESSION
 * namespace, under its own prefix), so that an isolate without the set in memory loads it with one
 * `get(…, "arrayBuffer")` instead of reading megabytes of hex through D1's JSON: at 100,000 engrams
 * that was two thirds of a cold recall's CPU. The copy is derived data and may be stale: it names the
 * change-log entry it reflects (`seq`), and the loader applies the entries after it, or reads D1
 * when too many have been made or the log no longer holds them (vector-cache.ts).
 *
 * Layout of a part (little-endian, as the typed arrays of every Workers platform):
 *   header (64 bytes): magic, format, dims, count in the part, part index, parts, then as float64 the
 *   generation (a random id shared by the parts of one write), seq, and the count in all parts;
 *   rowids (float64 × count), update times in ms (float64 × count), importances (float32 × count,
 *   padded to 8 bytes), sign bits (uint32 × count × words).
 * A set larger than one part (KV keeps values of at most 25 MiB) is written as several.
 */

export const snapshotPrefix = "memory-vectors/";
/** Snapshots expire unless written again: a set not recalled for this long is loaded from D1. */
export const snapshotTtlSeconds = 30 * 86_400;
const magic = 0x31535653; // "SVS1"
const format = 1;
const headerBytes = 64;
/** Bytes of one part at most (KV's limit is 25 MiB a value). */
const maxPartBytes = 20 * 1024 * 1024;

export interface VectorSnapshot extends SignWords {
  seq: number;
}

/** The key of a part: the scope (one agent, or all of them) and the model, URI-encoded. */
function partKey(agent: string | null, model: string, part: number): string {
  return `${scopeKey(agent, model)}${part}`;
}

function scopeKey(agent: string | null, model: string): string {
  const scope = agent === null ? "all" : `agent=${encodeURIComponent(agent)}`;
  return `${snapshotPrefix}${scope}/${encodeURIComponent(model)}/`;
}

const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;

function sectionOffsets(count: number, words: number) {
  const rowids = headerBytes;
  const updatedMs = rowids + 8 * count;
  const importance = updatedMs + 8 * count;
  const bits = align8(importance + 4 * count);
  return { rowids, updatedMs, importance, bits, end: bits + 4 * count * words };
}

type Sections = { rowids: Float64Array; updatedMs: Float64Array; importance: Float32Array; bits: Uint32Array };

/** Views of a part's sections, for `count` engrams of `words` words of sign bits. */
function sectionViews(buffer: ArrayBuffer, count: number, words: number): Sections {
  const at = sectionOffsets(count, words);
  return {
    rowids: new Float64Array(buffer, at.rowids, count),
    updatedMs: new Float64Array(buffer, at.updatedMs, count),
    importance: new Float32Array(buffer, at.importance, count),
    bits: new Uint32Array(buffer, at.bits, count * words),
  };
}

/** The set's live slots as snapshot parts of at most `partBytes`, in slot (rowid) order. */
export function encodeSnapshot(set: VectorSet, generation: number, partBytes = maxPartBytes): ArrayBuffer[] {
  const { words } = set;
  const perPart = Math.max(1, Math.floor((partBytes - headerBytes - 8) / (20 + 4 * words)));
  const total = set.live;
  const parts: ArrayBuffer[] = [];
  const partCount = Math.max(1, Math.ceil(total / perPart));
  let slot = 0;
  for (let part = 0; part < partCount; part++) {
    const count = Math.min(perPart, total - part * perPart);
    const buffer = new ArrayBuffer(sectionOffsets(count, words).end);
    const header = new DataView(buffer);
    [magic, format, set.dims, count, part, partCount].forEach((value, index) =>
      header.setUint32(4 * index, value, true),
    );
    [generation, set.seq, total].forEach((value, index) => header.setFloat64(24 + 8 * index, value, true));
    const out = sectionViews(buffer, count, words);
    // Runs of live slots, copied a run at a time.
    let written = 0;
    while (written < count) {
      while (!set.alive[slot]) slot += 1;
      let end = slot + 1;
      while (end < set.size && set.alive[end] && end - slot < count - written) end += 1;
      out.rowids.set(set.rowids.subarray(slot, end), written);
      out.updatedMs.set(set.updatedMs.subarray(slot, end), written);
      out.importance.set(set.importance.subarray(slot, end), written);
      out.bits.set(set.bits.subarray(slot * words, end * words), written * words);
      written += end - slot;
      slot = end;
    }
    parts.push(buffer);
  }
  return parts;
}

interface PartHeader {
  dims: number;
  count: number;
  part: number;
  parts: number;
  generation: number;
  seq: number;
  total: number;
}

function readHeader(buffer: ArrayBuffer): PartHeader | undefined {
  if (buffer.byteLength < headerBytes) return undefined;
  const view = new DataView(buffer);
  const [first, version, dims, count, part, parts] = [0, 1, 2, 3, 4, 5].map((index) =>
    view.getUint32(4 * index, true),
  );
  if (first !== magic || version !== format || !(dims! > 0) || !(parts! > 0) || part! >= parts!) return undefined;
  const [generation, seq, total] = [0, 1, 2].map((index) => view.getFloat64(24 + 8 * index, true));
  if (buffer.byteLength !== sectionOffsets(count!, signWords(dims!)).end) return undefined;
  return { dims: dims!, count: count!, part: part!, parts: parts!, generation: generation!, seq: seq!, total: total! };
}

/**
 * The snapshot the parts make, as views of their buffer when there is one part (nothing copied);
 * undefined when they do not make one (another format, a part of another write, a size that does not
 * add up). Its rowids' order is checked as it is appended (VectorSet.appendSigns).
 */
export function decodeSnapshot(buffers: readonly ArrayBuffer[]): VectorSnapshot | undefined {
  const headers = buffers.map(readHeader);
  const first = headers[0];
  if (!first || headers.length !== first.parts) return undefined;
  const same = headers.every(
    (header, index) =>
      header?.part === index &&
      header.parts === first.parts &&
      header.generation === first.generation &&
      header.seq === first.seq &&
      header.dims === first.dims &&
      header.total === first.total,
  );
  if (!same || headers.reduce((sum, header) => sum + header!.count, 0) !== first.total) return undefined;
  const words = signWords(first.dims);
  const sections = buffers.map((buffer, index) => sectionViews(buffer, headers[index]!.count, words));
  // One part (up to about 180,000 engrams of 768 dimensions): its sections as they are; else joined.
  const joined = sections.length === 1 ? sections[0]! : joinSections(sections, first.total, words);
  return { dims: first.dims, seq: first.seq, ...joined };
}

function joinSections(sections: Sections[], total: number, words: number): Sections {
  const joined = sectionViews(new ArrayBuffer(sectionOffsets(total, words).end), total, words);
  let from = 0;
  for (const section of sections) {
    joined.rowids.set(section.rowids, from);
    joined.updatedMs.set(section.updatedMs, from);
    joined.importance.set(section.importance, from);
    joined.bits.set(section.bits, from * words);
    from += section.rowids.length;
  }
  return joined;
}

/** The scope's snapshot of `model` from KV; undefined when there is none or it is not whole. */
export async function readSnapshot(
  kv: KVNamespace,
  agent: string | null,
  model: string,
): Promise<VectorSnapshot | undefined> {
  const first = await kv.get(partKey(agent, model, 0), "arrayBuffer");
  if (first === null) return undefined;
  const header = readHeader(first);
  if (!header) return undefined;
  const rest = await Promise.all(
    Array.from({ length: header.parts - 1 }, (_, index) => kv.get(partKey(agent, model, index + 1), "arrayBuffer")),
  );
  if (rest.some((part) => part === null)) return undefined;
  return decodeSnapshot([first, ...(rest as ArrayBuffer[])]);
}

/**
 * Writes the set's snapshot (the other parts first, so a reader finding the new first part most
 * likely finds the rest) and deletes the parts a larger earlier snapshot left beyond it.
 */
export async function writeSnapshot(kv: KVNamespace, set: VectorSet): Promise<void> {
  const parts = encodeSnapshot(set, Math.floor(Math.random() * 2 ** 52));
  const put = (index: number) =>
    kv.put(partKey(set.agent, set.model, index), parts[index]!, { expirationTtl: snapshotTtlSeconds });
  await Promise.all(parts.slice(1).map((_, index) => put(index + 1)));
  await put(0);
  const prefix = scopeKey(set.agent, set.model);
  const listed = await kv.list({ prefix });
  const beyond = listed.keys.filter((key) => Number(key.name.slice(prefix.length)) >= parts.length);
  await Promise.all(beyond.map((key) => kv.delete(key.name)));
}

/**
 * Deletes snapshots (all of them, or one scope and model's): after an erase, and when engrams are
 * deleted, so no copy keeps their sign bits. Returns how many parts were deleted.
 */
export async function deleteSnapshots(kv: KVNamespace, scope?: { agent: string | null; model: string }): Promise<number> {
  const prefix = scope ? scopeKey(scope.agent, scope.model) : snapshotPrefix;
  let deleted = 0;
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<KVNamespace["list"]>> = await kv.list({ prefix, cursor });
    await Promise.all(page.keys.map((key) => kv.delete(key.name)));
    deleted += page.keys.length;
    cursor = page.list_complete ? null : page.cursor;
  } while (cursor !== null);
  return deleted;
}
