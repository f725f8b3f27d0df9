/**
 * The engine's view of a stack's resources: read from the checkpoint with secrets decrypted,
 * written back after every step as the snapshot manager does, and shown in events blinded.
 */
import type { Backend, StackRef } from "./backend";
import { type DeploymentV3, newManifest, type ResourceV3, writeCheckpoint } from "./checkpoint";
import type { StepStateMetadata } from "./events";
import { goTime } from "./formats";
import { deserializeMap, type PMap, serializeBlinded, serializeForState } from "./property-values";
import { providersOf, type SecretsManager } from "./stack-secrets";

export interface StateResource {
  urn: string;
  type: string;
  custom: boolean;
  id: string;
  parent: string;
  provider: string;
  inputs: PMap;
  outputs: PMap;
  protect: boolean;
  retainOnDelete: boolean;
  created?: string;
  modified?: string;
  /** Checkpoint fields the stand-in does not model, kept as they were. */
  extra: Record<string, unknown>;
}

const MODELLED = new Set([
  "urn",
  "type",
  "custom",
  "id",
  "parent",
  "provider",
  "inputs",
  "outputs",
  "protect",
  "retainOnDelete",
  "created",
  "modified",
]);

export function loadState(latest: DeploymentV3 | undefined, decrypt: (ciphertext: string) => string): StateResource[] {
  return (latest?.resources ?? []).map((r) => {
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (!MODELLED.has(k)) extra[k] = v;
    return {
      urn: r.urn,
      type: r.type,
      custom: r.custom,
      id: r.id ?? "",
      parent: r.parent ?? "",
      provider: r.provider ?? "",
      inputs: deserializeMap(r.inputs, decrypt),
      outputs: deserializeMap(r.outputs, decrypt),
      protect: r.protect ?? false,
      retainOnDelete: r.retainOnDelete ?? false,
      created: r.created,
      modified: r.modified,
      extra,
    };
  });
}

function toResourceV3(r: StateResource, sm: SecretsManager): ResourceV3 {
  return {
    urn: r.urn,
    custom: r.custom,
    id: r.id,
    type: r.type,
    inputs: serializeForState(r.inputs, sm.crypter) as Record<string, unknown>,
    outputs: serializeForState(r.outputs, sm.crypter) as Record<string, unknown>,
    parent: r.parent,
    protect: r.protect,
    provider: r.provider,
    retainOnDelete: r.retainOnDelete,
    created: r.created,
    modified: r.modified,
    ...r.extra,
  };
}

/** Writes the stack's checkpoint with the given resources, stamped with this CLI's manifest. */
export function writeSnapshot(b: Backend, ref: StackRef, sm: SecretsManager, resources: StateResource[]): void {
  writeCheckpoint(b, ref, {
    manifest: newManifest(),
    secrets_providers: providersOf(sm),
    resources: resources.map((r) => toResourceV3(r, sm)),
  });
}

export const touch = (r: StateResource, created: boolean): StateResource => {
  const now = goTime();
  return { ...r, created: created ? now : r.created, modified: now };
};

/** StepEventStateMetadata: what events say about a resource, secrets blinded. */
export function stepState(r: StateResource): StepStateMetadata {
  return {
    type: r.type,
    urn: r.urn,
    ...(r.custom ? { custom: true } : {}),
    id: r.id,
    parent: r.parent,
    ...(r.protect ? { protect: true } : {}),
    ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
    inputs: serializeBlinded(r.inputs) as Record<string, unknown>,
    outputs: serializeBlinded(r.outputs) as Record<string, unknown>,
    provider: r.provider,
  };
}
