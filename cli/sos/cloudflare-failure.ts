/**
 * A failed operation in words: which Cloudflare error it was and what to do. The provider's own
 * message stays in the text; this adds the reading of Cloudflare's error codes and statuses.
 */
export interface Explained {
  summary: string;
  advice: string;
}

const rerun = "Run the same command again: Pulumi keeps what was already created, so it continues where it stopped.";

const byCode: Record<number, (context: string) => Explained> = {
  10000: () => ({
    summary: "Cloudflare refused the API token for this action (Authentication error, code 10000).",
    advice:
      "The token lacks a permission. `sos doctor` names the missing one; add it to the token at " +
      "https://dash.cloudflare.com/profile/api-tokens (Edit), then run the command again.",
  }),
  10021: () => ({
    summary: "Cloudflare had not finished setting up a resource the worker binds (code 10021).",
    advice: `This happens right after a new D1 database is created. ${rerun}`,
  }),
  7003: () => ({
    summary: "Cloudflare could not find the account or the resource (code 7003).",
    advice: "Check the account id (`sos doctor`), and that the resource was not deleted in the dashboard; `sos refresh` reconciles the state.",
  }),
  10007: () => ({
    summary: "The account has no workers.dev subdomain yet (code 10007).",
    advice: "Open Workers & Pages in the Cloudflare dashboard once to choose one, then run the command again.",
  }),
};

/** Reads Cloudflare's error codes and HTTP statuses out of the diagnostics of a failed operation. */
export function explainFailure(messages: string[]): Explained {
  const text = messages.join("\n");
  const codes = [...text.matchAll(/(?:\[code:? |"code":\s*)(\d{4,5})/g)].map((match) => Number(match[1]));
  for (const code of codes) {
    const explain = byCode[code];
    if (explain) return explain(text);
  }
  if (/\b429\b|Too Many Requests|rate limit/i.test(text)) {
    return { summary: "Cloudflare rate-limited the deployment (429).", advice: `Wait a minute. ${rerun}` };
  }
  if (/\b5\d\d\b (?:Internal|Bad Gateway|Service Unavailable|Gateway)|fetch failed|ECONNRESET|ETIMEDOUT|ENOTFOUND/i.test(text)) {
    return { summary: "Cloudflare's API could not be reached or failed on its side.", advice: rerun };
  }
  if (/Invalid SOS stack configuration/.test(text)) {
    return { summary: "The stack's configuration is not valid.", advice: "Fix the keys listed above (`sos init` asks for them again)." };
  }
  return { summary: "The operation failed.", advice: rerun };
}
