import * as z from "zod/mini";

/**
 * Everything this deployment may ever send to the vendor's side, and only when the customer opted in.
 * Each payload is a strict schema: an extra key is an error before anything is sent. The stack's
 * listing resource, the worker's scheduled handler and `npm run privacy-report` all read these.
 */

const coherence = z.number().check(z.gte(0), z.lte(1));

/** The public coherence, or null when the owner chose not to share it. */
const uvPublic = z.strictObject({ coherence: z.nullable(coherence) });

/** Sent to `<registryUrl>/register` when the Yellow Pages listing is created or changed. */
export const registrationPayload = z.strictObject({
  agent_id: z.string().check(z.minLength(1), z.maxLength(64)),
  public_profile: z.strictObject({
    name: z.string().check(z.minLength(1), z.maxLength(64)),
    skills: z.array(z.string().check(z.minLength(1), z.maxLength(40))).check(z.maxLength(10)),
    uv_public: uvPublic,
  }),
  callback_url: z.url({ protocol: /^https?$/ }),
});
export type RegistrationPayload = z.infer<typeof registrationPayload>;

/** Sent daily to `<registryUrl>/heartbeat` while listed. */
export const heartbeatPayload = z.strictObject({
  agent_id: z.string().check(z.minLength(1), z.maxLength(64)),
  uv_public: uvPublic,
});
export type HeartbeatPayload = z.infer<typeof heartbeatPayload>;

/** Sent daily to the telemetry endpoint when telemetry is on: no identifier of any kind. */
export const telemetryPayload = z.strictObject({
  runtime_version: z.string().check(z.regex(/^\d+\.\d+\.\d+$/)),
  coherence: coherence.check(
    z.refine((value) => Math.abs(value * 10 - Math.round(value * 10)) < 1e-9, "must be rounded to 0.1"),
  ),
});
export type TelemetryPayload = z.infer<typeof telemetryPayload>;

/** Coherence as telemetry reports it: to one decimal, nothing finer. */
export function roundedCoherence(value: number): number {
  return Math.round(Math.min(1, Math.max(0, value)) * 10) / 10;
}
