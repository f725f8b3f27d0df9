/**
 * What the dynamic resources' `diff` and `update` share. Each compares only its real inputs (never the
 * engine's `__provider`, which differs whenever the program's code does), and each treats a new API
 * token the same way: it is a change, so the engine stores it (refresh and destroy read the token from
 * state, not from the program), and the update that follows stores it without calling Cloudflare.
 */

/** Structural equality of two input values (JSON-like data), key order ignored. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const bKeys = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

type Inputs = Record<string, unknown>;

/** The keys among `keys` whose values differ between the stored state and the new inputs. */
export function changedKeys<K extends string>(olds: object, news: object, keys: readonly K[]): K[] {
  return keys.filter((key) => !sameValue((olds as Inputs)[key], (news as Inputs)[key]));
}

/** True when the new inputs differ from the stored ones in the API token alone. */
export function onlyTokenChanged<K extends string>(
  olds: { apiToken?: string },
  news: { apiToken: string },
  keys: readonly K[],
): boolean {
  return (
    olds.apiToken !== news.apiToken &&
    changedKeys(
      olds,
      news,
      keys.filter((key) => key !== "apiToken"),
    ).length === 0
  );
}
