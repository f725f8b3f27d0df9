/**
 * Resource property values, with secrets, in the encodings the CLI writes them
 * (pkg/resource/stack/deployment.go): encrypted in checkpoints, blinded in engine events,
 * plaintext in `stack export --show-secrets`. Also the engine's input diff
 * (NewDetailedDiffFromObjectDiff) and property paths (PropertyPath.String).
 */
import { CliError } from "./errors";
import type { Crypter } from "./passphrase";

export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secret value; it remembers its ciphertext so unchanged secrets keep it, as the CLI's cache does. */
export class Secret {
  constructor(
    readonly value: PValue,
    readonly ciphertext?: string,
  ) {}
}

export type PValue = null | boolean | number | string | Secret | PValue[] | { [key: string]: PValue };
export type PMap = Record<string, PValue>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Secret);

/** Walks a value, replacing each secret by what `onSecret` makes of it. */
function mapSecrets(v: PValue, onSecret: (s: Secret) => unknown): unknown {
  if (v instanceof Secret) return onSecret(v);
  if (Array.isArray(v)) return v.map((e) => mapSecrets(e, onSecret));
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) out[key] = mapSecrets(v[key] as PValue, onSecret);
    return out;
  }
  return v;
}

/** The value with secrets unwrapped: what a program or provider sees. */
export const plain = (v: PValue): unknown => mapSecrets(v, (s) => plain(s.value));

const secretObject = (field: "ciphertext" | "plaintext", text: string) => ({
  [SECRET_SIG_KEY]: SECRET_SIG,
  [field]: text,
});

/** Checkpoint encoding: each secret is the encryption of its JSON. */
export function serializeForState(v: PValue, crypter: Crypter): unknown {
  return mapSecrets(v, (s) => {
    const text = JSON.stringify(plain(s.value));
    const reuse = s.ciphertext !== undefined && safeDecrypt(crypter, s.ciphertext) === text;
    return secretObject("ciphertext", reuse ? (s.ciphertext as string) : crypter.encrypt(text));
  });
}

function safeDecrypt(crypter: Crypter, ciphertext: string): string | undefined {
  try {
    return crypter.decrypt(ciphertext);
  } catch {
    return undefined;
  }
}

/** Engine events: filterPropertyValue then the blinding crypter leave "[secret]" as ciphertext. */
export const serializeBlinded = (v: PValue): unknown => mapSecrets(v, () => secretObject("ciphertext", "[secret]"));

/** `stack export --show-secrets`: secrets carry their JSON in plaintext. */
export const serializePlaintext = (v: PValue): unknown =>
  mapSecrets(v, (s) => secretObject("plaintext", JSON.stringify(plain(s.value))));

/**
 * `stack import` of an exported deployment: secrets given in plaintext are encrypted, those
 * already encrypted are kept as they are.
 */
export function encryptPlaintextSecrets(v: unknown, crypter: Crypter): unknown {
  if (Array.isArray(v)) return v.map((e) => encryptPlaintextSecrets(e, crypter));
  if (!isObject(v)) return v;
  if (v[SECRET_SIG_KEY] === SECRET_SIG && typeof v.plaintext === "string") {
    return secretObject("ciphertext", crypter.encrypt(v.plaintext));
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) out[key] = encryptPlaintextSecrets(value, crypter);
  return out;
}

/** display.MassageSecrets for `stack output`: "[secret]" unless secrets are shown. */
export const massageSecrets = (v: PValue, show: boolean): unknown =>
  mapSecrets(v, (s) => (show ? plain(s.value) : "[secret]"));

/** Reads a serialized value; `decrypt` is only called for secrets stored encrypted. */
export function deserialize(v: unknown, decrypt: (ciphertext: string) => string): PValue {
  if (Array.isArray(v)) return v.map((e) => deserialize(e, decrypt));
  if (isObject(v)) {
    if (v[SECRET_SIG_KEY] === SECRET_SIG) {
      if (typeof v.plaintext === "string") return new Secret(deserialize(JSON.parse(v.plaintext), decrypt));
      if (typeof v.ciphertext !== "string") throw new CliError("malformed secret value: missing ciphertext");
      return new Secret(deserialize(JSON.parse(decrypt(v.ciphertext)), decrypt), v.ciphertext);
    }
    const out: PMap = {};
    for (const [key, value] of Object.entries(v)) out[key] = deserialize(value, decrypt);
    return out;
  }
  return v as PValue;
}

export const deserializeMap = (v: unknown, decrypt: (ciphertext: string) => string): PMap =>
  (v === undefined ? {} : deserialize(v, decrypt)) as PMap;

/** JSON input from the plan, with the named top-level keys made secret. */
export function fromPlain(value: unknown, secretKeys: string[] = []): PMap {
  const out: PMap = {};
  for (const [key, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    out[key] = secretKeys.includes(key) ? new Secret(v as PValue) : (v as PValue);
  }
  return out;
}

/** PropertyPath.String: `a.b`, `a["0004_x.sql"]`, `a[0]`. */
function propertyPath(segments: (string | number)[]): string {
  return segments
    .map((segment, i) => {
      if (typeof segment === "number") return `[${segment}]`;
      if (/^[A-Za-z0-9_]+$/.test(segment)) return i === 0 ? segment : `.${segment}`;
      return `["${segment.replaceAll('"', '\\"')}"]`;
    })
    .join("");
}

type DiffKind = "add" | "delete" | "update";

/** Object diff of old and new inputs (secrets compared by value), flattened into property paths. */
export function detailedDiff(olds: PMap, news: PMap): Record<string, { diffKind: DiffKind; inputDiff: boolean }> {
  const out: Record<string, { diffKind: DiffKind; inputDiff: boolean }> = {};
  const visit = (prefix: (string | number)[], a: unknown, b: unknown): void => {
    if (isObject(a) && isObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const inA = key in a && a[key] !== null;
        const inB = key in b && b[key] !== null;
        if (inA && !inB) out[propertyPath([...prefix, key])] = { diffKind: "delete", inputDiff: true };
        else if (!inA && inB) out[propertyPath([...prefix, key])] = { diffKind: "add", inputDiff: true };
        else if (inA && inB) visit([...prefix, key], a[key], b[key]);
      }
    } else if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= b.length) out[propertyPath([...prefix, i])] = { diffKind: "delete", inputDiff: true };
        else if (i >= a.length) out[propertyPath([...prefix, i])] = { diffKind: "add", inputDiff: true };
        else visit([...prefix, i], a[i], b[i]);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out[propertyPath(prefix)] = { diffKind: "update", inputDiff: true };
    }
  };
  visit([], plain(olds), plain(news));
  return out;
}

/** The top-level keys a detailed diff touches: the step's `diffs`. */
export function diffKeys(diff: Record<string, unknown>): string[] {
  const keys = Object.keys(diff).map((p) => /^(\["((?:[^"\\]|\\.)*)"\]|[A-Za-z0-9_]+)/.exec(p));
  return [...new Set(keys.map((m) => (m ? (m[2] ?? m[1] ?? "") : "")))].sort();
}
