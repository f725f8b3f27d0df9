import { describe, expect, it } from "vitest";
import { nameGuardProvider, type NameGuardInputs } from "../../stack/name-guard";
import { resourceNames } from "../../stack/names";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";

const accountId = "0123456789abcdef0123456789abcdef";
const token = "guard-test-token";
const emulator = useCloudflareEmulator({ token, accountId });

let counter = 0;
function inputsFor(overrides: Partial<NameGuardInputs> = {}): NameGuardInputs {
  const prefix = overrides.prefix ?? `guard-${++counter}`;
  return {
    accountId,
    apiToken: token,
    prefix,
    names: resourceNames(prefix),
    adoptDatabaseId: "",
    adoptKvNamespaceId: "",
    allowPrefixChange: false,
    ...overrides,
  };
}

async function refusal(inputs: NameGuardInputs): Promise<string> {
  const error = await nameGuardProvider.create!(inputs).then(
    () => undefined,
    (failure: Error) => failure,
  );
  expect(error, "expected a refusal").toBeInstanceOf(Error);
  return (error as Error).message;
}

describe("before a stack creates anything", () => {
  it("accepts free names", async () => {
    const inputs = inputsFor();
    expect(await nameGuardProvider.create!(inputs)).toEqual({ id: `${accountId}/${inputs.prefix}`, outs: inputs });
  });

  it("refuses to start beside a kept database, and gives the config that takes it over", async () => {
    const inputs = inputsFor();
    const kept = emulator().createD1Database(inputs.names.database);
    const message = await refusal(inputs);
    expect(message).toContain(`A D1 database named '${inputs.names.database}' (${kept.uuid}) already exists`);
    expect(message).toContain(`pulumi config set sos:adoptDatabaseId ${kept.uuid}`);
    expect(message).toContain(`npx wrangler d1 delete ${inputs.names.database}`);
    // Adopting it is accepted.
    await nameGuardProvider.create!({ ...inputs, adoptDatabaseId: kept.uuid });
  });

  it("takes a database beside its Worker for a live deployment of the prefix (stacks older than this check)", async () => {
    const inputs = inputsFor();
    emulator().createD1Database(inputs.names.database);
    emulator().createWorkersScript(inputs.names.worker);
    emulator().createKvNamespace(inputs.names.kvNamespace);
    emulator().createPagesProject(inputs.names.pages);
    await expect(nameGuardProvider.create!(inputs)).resolves.toMatchObject({ outs: inputs });
  });

  it("refuses a Worker of its name that is not this deployment's: deploying would replace it", async () => {
    const inputs = inputsFor();
    emulator().createWorkersScript(inputs.names.worker);
    expect(await refusal(inputs)).toContain(`A Worker named '${inputs.names.worker}' already exists`);
  });

  it("names a left-over namespace and Pages project with what to do about each", async () => {
    const inputs = inputsFor();
    const namespace = emulator().createKvNamespace(inputs.names.kvNamespace);
    emulator().createPagesProject(inputs.names.pages);
    const message = await refusal(inputs);
    expect(message).toContain(`pulumi config set sos:adoptKvNamespaceId ${namespace.id}`);
    expect(message).toContain(`npx wrangler pages project delete ${inputs.names.pages}`);
  });

  it("refuses to adopt what the account does not have", async () => {
    const message = await refusal(
      inputsFor({ adoptDatabaseId: "00000000-0000-4000-8000-000000000000", adoptKvNamespaceId: "0".repeat(32) }),
    );
    expect(message).toContain("sos:adoptDatabaseId: account");
    expect(message).toContain("has no D1 database 00000000-0000-4000-8000-000000000000");
    expect(message).toContain(`has no KV namespace ${"0".repeat(32)}`);
  });
});

describe("on a deployed stack", () => {
  it("refuses a new prefix at preview (diff), explaining what would happen and both ways out", async () => {
    const olds = inputsFor({ prefix: "sos-dev" });
    const news = inputsFor({ prefix: "sos-prod" });
    const error = await nameGuardProvider.diff!("id", olds, news).catch((failure: Error) => failure);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^sos:prefix changed from 'sos-dev' to 'sos-prod' on a deployed stack; nothing was changed\./,
    );
    expect(message).toContain("the D1 database would keep its name 'sos-dev-memory' and its memories");
    expect(message).toContain("pulumi config set sos:prefix sos-dev");
    expect(message).toContain("pulumi config set sos:allowPrefixChange true");
  });

  it("with allowPrefixChange: an update, which checks the new names are free", async () => {
    const olds = inputsFor({ prefix: "rename-old" });
    const news = inputsFor({ prefix: "rename-new", allowPrefixChange: true });
    expect(await nameGuardProvider.diff!("id", olds, news)).toEqual({ changes: true });
    await expect(nameGuardProvider.update!("id", olds, news)).resolves.toEqual({ outs: news });
    emulator().createPagesProject(news.names.pages);
    await expect(nameGuardProvider.update!("id", olds, news)).rejects.toThrow(
      "The new prefix 'rename-new' is taken in account 0123456789abcdef0123456789abcdef: a Pages project named 'rename-new-chat' exists. Nothing was renamed.",
    );
  });

  it("stores a new token without a call, and is quiet when nothing changed", async () => {
    const olds = inputsFor();
    expect(await nameGuardProvider.diff!("id", olds, { ...olds })).toEqual({ changes: false });
    const rotated = { ...olds, apiToken: "rotated" };
    expect(await nameGuardProvider.diff!("id", olds, rotated)).toEqual({ changes: true });
    emulator().resetRequests();
    expect(await nameGuardProvider.update!("id", olds, rotated)).toEqual({ outs: rotated });
    expect(emulator().requests).toEqual([]);
  });
});
