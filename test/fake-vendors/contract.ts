import { describe, expect, it } from "vitest";
import {
  fail,
  hang,
  reply,
  stall,
  type FakeVendor,
  type RecordedRequest,
  type TokenUsage,
  type VendorName,
} from "../support/fake-vendors/fake-vendor-server";
import { readUntilStalled } from "./read-until-stalled";

/** A non-streamed completion, read from what the SDK returned. */
export interface Answer {
  text: string;
  /** The vendor's own finish signal ("stop", "end_turn", "STOP"). */
  finishReason: string | null | undefined;
  /** The vendor's own usage object, field names and all. */
  usage: unknown;
  /** The model the answer names. */
  model: string | undefined;
}

/** A streamed completion read to its end. */
export interface StreamedAnswer extends Omit<Answer, "model"> {
  /** The text of each event that carried some, in order. */
  deltas: string[];
}

/** One event of a stream still open, reduced to what the contract looks at. */
export interface StreamEvent {
  text: string | undefined;
  /** It carries something only a finished reply has: a finish signal, the usage, a closing event. */
  ends: boolean;
}

export interface CallOptions {
  system?: string;
  timeoutMs?: number;
}

type ErrorClass = abstract new (...args: never[]) => Error;
type CommonStatus = 400 | 401 | 429 | 500;

/** One fake vendor as its real SDK reaches it, and what that SDK shows of the fake's replies. */
export interface VendorUnderTest {
  vendor: VendorName;
  /** The key the SDK client was given. */
  key: string;
  /** The model the calls ask for. */
  model: string;
  fake(): FakeVendor;
  /** One non-streamed completion of `prompt` (after `system`, when given). */
  complete(prompt: string, options?: CallOptions): Promise<Answer>;
  /** One streamed completion of `prompt`, read to its end. */
  stream(prompt: string): Promise<StreamedAnswer>;
  /** Opens a streamed completion of `prompt` and gives its events as they come. */
  open(prompt: string, signal: AbortSignal): Promise<AsyncIterable<StreamEvent>>;

  finishReason: string;
  /** The usage fields the SDK shows for `tokens`. */
  usage(tokens: TokenUsage): Record<string, unknown>;
  /** How a completion is recorded: its path, the headers that carry the key and version (undefined: never sent). */
  completeRequest: {
    path: string;
    headers: Record<string, string | undefined>;
    body(prompt: string, system: string): object;
  };
  /** How a streamed completion is recorded (matched as a subset). */
  streamRequest: Partial<RecordedRequest>;
  /** The SDK's error class for each scripted status; 400, 401, 429 and 500 at least. */
  failures: Record<CommonStatus, ErrorClass> & Record<number, ErrorClass>;
  /** The properties the SDK's error has for a scripted failure, beyond its class and status. */
  surfaced(failure: { status: number; message: string; request: RecordedRequest }): Record<string, unknown>;
  /** What a call that outlives its timeout rejects with. */
  timeoutError: ErrorClass;
}

/** Request options that set a timeout only when one is given (the openai SDK refuses `timeout: undefined`). */
export function timeoutOption(timeoutMs: number | undefined): { timeout?: number } {
  return timeoutMs === undefined ? {} : { timeout: timeoutMs };
}

/** `stream`'s items as the contract sees them, read one by one as they come. */
export async function* eventsOf<T>(
  stream: AsyncIterable<T>,
  read: (item: T) => StreamEvent,
): AsyncIterable<StreamEvent> {
  for await (const item of stream) yield read(item);
}

/** The tests every fake vendor passes through its own SDK. */
export function describeVendorContract(vendor: VendorUnderTest): void {
  const failures = Object.entries(vendor.failures).map(
    ([status, error]) => [Number(status), error.name, error] as const,
  );

  describe("the contract every fake vendor keeps", () => {
    it("answers a completion with the scripted text, finish signal and usage, naming the model", async () => {
      vendor.fake().script(reply("Paris is the capital.", { usage: { inputTokens: 12, outputTokens: 5 } }));

      const answer = await vendor.complete("Capital of France?");

      expect(answer.text).toBe("Paris is the capital.");
      expect(answer.finishReason).toBe(vendor.finishReason);
      expect(answer.usage).toMatchObject(vendor.usage({ inputTokens: 12, outputTokens: 5 }));
      expect(answer.model).toBe(vendor.model);
    });

    it("records the key where the SDK sends it, and the prompt in the body", async () => {
      await vendor.complete("What is recorded?", { system: "Be brief." });

      const [request] = vendor.fake().requests;
      const { path, headers, body } = vendor.completeRequest;
      expect(request).toMatchObject({ vendor: vendor.vendor, method: "POST", path, query: {}, apiKey: vendor.key });
      for (const [name, value] of Object.entries(headers)) expect(request?.headers[name]).toBe(value);
      expect(request?.body).toMatchObject(body("What is recorded?", "Be brief."));
      expect(request?.outcome).toBe("completed");
    });

    it("echoes the last user message when nothing is scripted", async () => {
      const answer = await vendor.complete("anyone there?");
      expect(answer.text).toBe(`fake-${vendor.vendor} reply to: anyone there?`);
    });

    it("streams the scripted chunks in order, then the finish signal and usage", async () => {
      vendor.fake().script(reply(["Once ", "upon ", "a time"], { usage: { inputTokens: 3, outputTokens: 3 } }));

      const answer = await vendor.stream("Tell a story");

      expect(answer.deltas).toEqual(["Once ", "upon ", "a time"]);
      expect(answer.text).toBe("Once upon a time");
      expect(answer.finishReason).toBe(vendor.finishReason);
      expect(answer.usage).toMatchObject(vendor.usage({ inputTokens: 3, outputTokens: 3 }));
      expect(vendor.fake().requests[0]).toMatchObject({ ...vendor.streamRequest, outcome: "completed" });
    });

    it.each(failures)("surfaces a scripted %i as %s, with the scripted message", async (status, _name, error) => {
      vendor.fake().script(fail(status, "scripted failure"));

      const thrown = await vendor.complete("x").catch((e: unknown) => e);

      expect(thrown).toBeInstanceOf(error);
      expect(thrown).toHaveProperty("status", status);
      expect((thrown as Error).message).toContain("scripted failure");
      const requests = vendor.fake().requests;
      expect(requests).toHaveLength(1);
      const surfaced = vendor.surfaced({ status, message: "scripted failure", request: requests[0]! });
      for (const [name, value] of Object.entries(surfaced)) expect(thrown).toHaveProperty(name, value);
    });

    it("lets a hanging call time out, and sees the connection closed", async () => {
      vendor.fake().script(hang());

      const thrown = await vendor.complete("x", { timeoutMs: 200 }).catch((e: unknown) => e);

      expect(thrown).toBeInstanceOf(vendor.timeoutError);
      await vendor.fake().clientClosed(vendor.fake().requests[0]!);
      expect(vendor.fake().requests[0]?.outcome).toBe("client-closed");
    });

    it("stalls after the scripted chunks, and sees an abort mid-stream as a closed connection", async () => {
      vendor.fake().script(stall(["half ", "a reply"]));
      const controller = new AbortController();

      const events = await vendor.open("x", controller.signal);
      const { items, waiting } = await readUntilStalled(events);
      expect(vendor.fake().requests[0]?.outcome).toBe("open");
      controller.abort();

      await vendor.fake().clientClosed(vendor.fake().requests[0]!);
      await waiting;
      expect(items.flatMap((event) => (event.text ? [event.text] : []))).toEqual(["half ", "a reply"]);
      expect(items.some((event) => event.ends)).toBe(false);
    });
  });
}
