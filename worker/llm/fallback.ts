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
 * Streams from the first provider that starts answering. Once a token has gone to the client the
 * answer cannot switch providers, so a failure after that ends the stream with the error.
 */
export async function* streamWithFallback(
  attempts: Attempt[],
  request: Omit<GenerateRequest, "model">,
  onAnswering: (answered: Answered) => void,
): AsyncIterable<StreamEvent> {
  const failures: ProviderError[] = [];
  for (const attempt of attempts) {
    let started = false;
    try {
      for await (const event of attempt.provider.stream({ ...request, model: attempt.model })) {
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
