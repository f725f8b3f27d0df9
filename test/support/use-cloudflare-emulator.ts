import { afterAll, beforeAll } from "vitest";
import { startCloudflareEmulator, type CloudflareEmulator } from "./cloudflare-emulator";

/**
 * One Cloudflare API emulator for the calling test file, with CLOUDFLARE_API_BASE_URL pointing at it
 * while the file runs (providers called in-process read it, as they do under the engine).
 */
export function useCloudflareEmulator(options: { token: string; accountId: string }): () => CloudflareEmulator {
  let emulator: CloudflareEmulator | undefined;
  let previousBase: string | undefined;
  beforeAll(async () => {
    emulator = await startCloudflareEmulator(options);
    previousBase = process.env.CLOUDFLARE_API_BASE_URL;
    process.env.CLOUDFLARE_API_BASE_URL = emulator.baseUrl;
  });
  afterAll(async () => {
    if (previousBase === undefined) delete process.env.CLOUDFLARE_API_BASE_URL;
    else process.env.CLOUDFLARE_API_BASE_URL = previousBase;
    await emulator?.close();
  });
  return () => {
    if (!emulator) throw new Error("the emulator is not started (use it inside tests)");
    return emulator;
  };
}
