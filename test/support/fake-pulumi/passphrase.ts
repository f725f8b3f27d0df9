/**
 * The passphrase secrets provider, byte-compatible with pkg/secrets/passphrase/manager.go and
 * the symmetric crypter of sdk/go/common/resource/config/crypt.go: a PBKDF2-SHA256 key
 * (1,000,000 rounds, 32 bytes) over an 8-byte salt, AES-256-GCM with a 12-byte nonce, values
 * written `v1:<nonce b64>:<ciphertext+tag b64>`. The state (`encryptionsalt`) is
 * `v1:<salt b64>:` followed by the encryption of the word "pulumi".
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { CliError } from "./errors";

export interface Crypter {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

const ITERATIONS = 1_000_000;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export const INCORRECT_PASSPHRASE = "incorrect passphrase";

/** Errors from the locked manager used when a state's passphrase is wrong. */
export const lockedManagerError = (verb: "encrypt" | "decrypt"): string =>
  `failed to ${verb}: incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the ` +
  "correct passphrase or set PULUMI_CONFIG_PASSPHRASE_FILE to a file containing the passphrase";

class SymmetricCrypter implements Crypter {
  constructor(private readonly key: Buffer) {}

  encrypt(plaintext: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
  }

  decrypt(ciphertext: string): string {
    const parts = ciphertext.split(":");
    if (parts.length !== 3) throw new CliError("bad value");
    if (parts[0] !== "v1") throw new CliError("unknown value version");
    const nonce = Buffer.from(parts[1] as string, "base64");
    const sealed = Buffer.from(parts[2] as string, "base64");
    if (nonce.length !== NONCE_BYTES) throw new CliError("bad value: nonce size is incorrect");
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw new CliError("cipher: message authentication failed");
    }
  }
}

/** Key derivation is the slow part (on purpose); derive each key once per process. */
const keys = new Map<string, Buffer>();
function deriveKey(phrase: string, salt: Buffer): Buffer {
  const id = `${salt.toString("base64")}\0${phrase}`;
  let key = keys.get(id);
  if (!key) {
    key = pbkdf2Sync(phrase, salt, ITERATIONS, KEY_BYTES, "sha256");
    keys.set(id, key);
  }
  return key;
}

/**
 * readPassphrase with useEnv and no terminal: PULUMI_CONFIG_PASSPHRASE (even empty), else the
 * trimmed contents of PULUMI_CONFIG_PASSPHRASE_FILE.
 */
export function readPassphrase(env: NodeJS.ProcessEnv): string {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return env.PULUMI_CONFIG_PASSPHRASE;
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (file) {
    const resolved = path.resolve(file);
    if (!existsSync(resolved)) {
      throw new CliError(`unable to read PULUMI_CONFIG_PASSPHRASE_FILE: open ${resolved}: no such file or directory`);
    }
    return readFileSync(resolved, "utf8").trim();
  }
  throw new CliError(
    "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
  );
}

/** NewPassphraseSecretsManager: a fresh salt, and the state that proves the passphrase later. */
export function newPassphraseState(phrase: string): { state: string; crypter: Crypter } {
  const salt = randomBytes(8);
  const crypter = new SymmetricCrypter(deriveKey(phrase, salt));
  return { state: `v1:${salt.toString("base64")}:${crypter.encrypt("pulumi")}`, crypter };
}

/** symmetricCrypterFromPhraseAndState: fails with "incorrect passphrase" unless "pulumi" decrypts. */
export function crypterFromState(phrase: string, state: string): Crypter {
  const parts = state.split(":");
  if (parts.length < 3) throw new CliError("malformed state value");
  if (parts[0] !== "v1") throw new CliError("unknown state version");
  const crypter = new SymmetricCrypter(deriveKey(phrase, Buffer.from(parts[1] as string, "base64")));
  let word: string | undefined;
  try {
    word = crypter.decrypt(parts.slice(2).join(":"));
  } catch {
    word = undefined;
  }
  if (word !== "pulumi") throw new CliError(INCORRECT_PASSPHRASE);
  return crypter;
}
