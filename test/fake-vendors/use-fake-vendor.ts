import { afterAll, beforeAll, beforeEach } from "vitest";
import type { FakeVendor } from "../support/fake-vendors/fake-vendor-server";

/**
 * One fake vendor and a client of its SDK for the calling test file: started before its tests, emptied of
 * requests and script before each test, closed after them.
 */
export function useFakeVendor<Client>(
  start: () => Promise<FakeVendor>,
  connect: (fake: FakeVendor) => Client,
): { fake: () => FakeVendor; client: () => Client } {
  let started: { fake: FakeVendor; client: Client } | undefined;
  beforeAll(async () => {
    const fake = await start();
    started = { fake, client: connect(fake) };
  });
  afterAll(() => started?.fake.close());
  beforeEach(() => started?.fake.reset());
  const current = () => {
    if (!started) throw new Error("the fake vendor is not started (use it inside tests)");
    return started;
  };
  return { fake: () => current().fake, client: () => current().client };
}
