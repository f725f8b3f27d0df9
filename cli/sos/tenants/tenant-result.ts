import type { Operation } from "../operations";

/** What one tenant's run reports back to `sos tenants` (written as JSON by the child process). */
export interface TenantResult {
  stack: string;
  operation: Operation;
  result: "succeeded" | "failed";
  /** Resource operations by kind (`create`, `update`, `delete`, `same`, ...). */
  changes: Record<string, number>;
  migrations: string[];
  durationMs: number;
  error?: { message: string; advice?: string };
  log: string;
}

export const tenantOperations = ["preview", "up", "destroy", "refresh"] as const satisfies readonly Operation[];
