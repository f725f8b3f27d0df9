import { afterAll, beforeAll } from "vitest";
import { captureEgress, type Egress } from "./egress";
import { startFakeVendors, type FakeVendors } from "./fake-vendors";

/**
 * The fake vendor servers for the calling test file, and the capture of the worker's egress through
 * them: started before its tests, closed after them.
 */
export function useFakeVendors(): { vendors: () => FakeVendors; egress: () => Egress } {
  let vendors: FakeVendors | undefined;
  let egress: Egress | undefined;
  beforeAll(async () => {
    vendors = await startFakeVendors();
    egress = captureEgress(vendors);
  });
  afterAll(async () => {
    await vendors?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the fake vendors are not started (use them inside tests)");
    return value;
  };
  return { vendors: () => started(vendors), egress: () => started(egress) };
}
