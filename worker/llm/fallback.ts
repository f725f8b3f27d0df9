import type { Attempt } from "./registry";
import { ProviderError, type GenerateRequest, type Generation, type StreamEvent } from "./provider";

export interface Answered {
  provider: string;
  model: string;
}

/** Why nothing answered: every attempt's error, the last one deciding the status. */
export class NoProviderAnswered extends Error {
  constructor(readonly failures: ProviderError[]) {
    super(failures.map((failure) => failure.message).join("; ") || "no model provider is configured");
    this.name = "NoProviderAnswered";
  }
}

function asProviderError(attempt: Attempt, error: unknown): ProviderError {
  return error instanceof ProviderError
    ? error
    : new ProviderError(
        attempt.provider.name,
        "server",
        undefined,
        error instanceof Error ? error.message : String(error),
      );
}

/** Tries each provider in turn; moves on only for rate limits, vendor faults, timeouts and network errors. */
export async function generateWithFallback(
  attempts: Attempt[],
  request: Omit<GenerateRequest, "model">,
): Promise<Generation & Answered> {
  const failures: ProviderError[] = [];
  for (const attempt of attempts) {
    try {
      const generation = await attempt.provider.generate({ ...request, model: attempt.model });
      return { ...generation, provider: attempt.provider.name, model: attempt.model };
    } catch (error) {
      const failure = asProviderError(attempt, error);
      failures.push(failure);
      if (!failure.retryable || request.signal?.aborted) break;
    }
  }
  throw new NoProviderAnswered(failures);
}

/**
 * A provider's stream, given up (its call aborted) when nothing arrives for `idleMs`: an SDK's own
 * timeout covers the wait for the first byte, not a stream that stalls halfway.
 */
async function* withIdleTimeout(
  attempt: Attempt,
  request: Omit<GenerateRequest, "model">,
  idleMs: number,
): AsyncGenerator<StreamEvent> {
  const abort = new AbortController();
  const forward = () => abort.abort();
  request.signal?.addEventListener("abort", forward, { once: true });
  const events = attempt.provider
    .stream({ ...request, model: attempt.model, signal: abort.signal })
    [Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    while (true) {
      const idle = new Promise<"idle">((resolve) => (timer = setTimeout(() => resolve("idle"), idleMs)));
      const next = await Promise.race([events.next(), idle]);
      clearTimeout(timer);
      if (next === "idle") {
        abort.abort();
        throw new ProviderError(attempt.provider.name, "timeout", undefined, `no data for ${idleMs / 1000} s`);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", forward);
  }
}

/**
 * Streams from the first provider that starts answering. Once a token has gone to the client the
 * answer cannot switch providers, so a failure after that ends the stream with the error.
 */
export async function* streamWithFallback(
  attempts: Attempt[],
  request: Omit<GenerateRequest, "model">,
  onAnswering: (answered: Answered) => void,
  idleTimeoutMs: number,
): AsyncIterable<StreamEvent> {
  const failures: ProviderError[] = [];
  for (const attempt of attempts) {
    let started = false;
    try {
      for await (const event of withIdleTimeout(attempt, request, idleTimeoutMs)) {
        if (!started) {
          started = true;
          onAnswering({ provider: attempt.provider.name, model: attempt.model });
        }
        yield event;
      }
      return;
    } catch (error) {
      const failure = asProviderError(attempt, error);
      if (started) throw failure;
      failures.push(failure);
      if (!failure.retryable || request.signal?.aborted) break;
    }
  }
  throw new NoProviderAnswered(failures);
}
