import type { Env } from "../env";

/** The inbox's limits, from the worker's settings (stack config `contact*`), with these defaults. */
export interface ContactSettings {
  /** Messages one caller may leave per window. */
  callerLimit: number;
  /** Messages the inbox takes per clock hour, from everyone together. */
  hourlyCap: number;
  /** Days a message is kept before the daily upkeep deletes it. */
  retentionDays: number;
}

export const contactDefaults: ContactSettings = { callerLimit: 5, hourlyCap: 100, retentionDays: 30 };

/** Fixed windows: per caller ten minutes, for the whole inbox one hour. */
export const contactWindows = { callerSeconds: 600, inboxSeconds: 3600 } as const;

/** A whole number in [1, max], or the default (the stack validates; a hand-made local setting may not be). */
function setting(value: string | undefined, fallback: number, max: number): number {
  const number = Number(value);
  return value !== undefined && Number.isInteger(number) && number >= 1 && number <= max ? number : fallback;
}

export function contactSettings(
  env: Pick<Env, "CONTACT_CALLER_LIMIT" | "CONTACT_HOURLY_CAP" | "CONTACT_RETENTION_DAYS">,
) {
  return {
    callerLimit: setting(env.CONTACT_CALLER_LIMIT, contactDefaults.callerLimit, 10_000),
    hourlyCap: setting(env.CONTACT_HOURLY_CAP, contactDefaults.hourlyCap, 1_000_000),
    retentionDays: setting(env.CONTACT_RETENTION_DAYS, contactDefaults.retentionDays, 3_650),
  } satisfies ContactSettings;
}
