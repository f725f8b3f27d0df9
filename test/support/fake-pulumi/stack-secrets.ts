/**
 * Which secrets manager a command gets (pkg/cmd/pulumi/stack/secrets.go): for config and updates,
 * the one named by Pulumi.<stack>.yaml (a new passphrase salt is made when there is none); for
 * reading a checkpoint, the one recorded in it.
 */
import type { DeploymentV3, SecretsProvidersV1 } from "./checkpoint";
import { CliError } from "./errors";
import {
  type Crypter,
  crypterFromState,
  INCORRECT_PASSPHRASE,
  lockedManagerError,
  newPassphraseState,
  readPassphrase,
} from "./passphrase";
import type { ProjectStack } from "./stack-config";

export interface SecretsManager {
  crypter: Crypter;
  /** The passphrase state (`encryptionsalt`), recorded in checkpoints as secrets_providers. */
  salt: string;
}

export const providersOf = (sm: SecretsManager): SecretsProvidersV1 => ({
  type: "passphrase",
  state: { salt: sm.salt },
});

function requirePassphraseProvider(provider: string | undefined): void {
  if (provider && provider !== "passphrase" && provider !== "default") {
    throw new CliError(`the fake pulumi supports the passphrase secrets provider only, not ${provider}`);
  }
}

/**
 * SecretsManagerLoader.GetSecretsManager. `changed` says the salt is new and the stack
 * configuration must be saved.
 */
export function stackSecretsManager(
  env: NodeJS.ProcessEnv,
  ps: ProjectStack,
): { sm: SecretsManager; changed: boolean } {
  requirePassphraseProvider(ps.secretsprovider);
  const phrase = readPassphrase(env);
  if (ps.encryptionsalt) {
    return { sm: { crypter: crypterFromState(phrase, ps.encryptionsalt), salt: ps.encryptionsalt }, changed: false };
  }
  const { state, crypter } = newPassphraseState(phrase);
  ps.encryptionsalt = state;
  delete ps.encryptedkey;
  delete ps.secretsprovider;
  return { sm: { crypter, salt: state }, changed: true };
}

/**
 * The decrypter of a checkpoint's secrets (secrets.DefaultProvider). As with the real provider,
 * a wrong passphrase only fails once a secret is actually decrypted.
 */
export function checkpointDecrypter(
  env: NodeJS.ProcessEnv,
  latest: DeploymentV3 | undefined,
): (ciphertext: string) => string {
  const providers = latest?.secrets_providers;
  if (!providers)
    return () => {
      throw new CliError("failed to decrypt: no secrets provider recorded in the checkpoint");
    };
  requirePassphraseProvider(providers.type);
  let phrase: string;
  try {
    phrase = readPassphrase(env);
  } catch (err) {
    throw new CliError(`constructing secrets manager: ${(err as Error).message}`);
  }
  let crypter: Crypter | undefined;
  return (ciphertext) => {
    try {
      crypter ??= crypterFromState(phrase, providers.state?.salt ?? "");
    } catch (err) {
      if ((err as Error).message === INCORRECT_PASSPHRASE) throw new CliError(lockedManagerError("decrypt"));
      throw err;
    }
    return crypter.decrypt(ciphertext);
  };
}
