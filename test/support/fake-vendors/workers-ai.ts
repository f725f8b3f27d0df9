import {
  isRecord,
  sseFrame,
  startFakeVendorServer,
  textOf,
  type Completion,
  type EmbedCall,
  type FakeVendor,
  type FakeVendorOptions,
  type GenerateCall,
  type RecordedRequest,
  type Refusal,
  type TokenUsage,
  type VendorWire,
  type WireContext,
} from "./fake-vendor-server";

/**
 * Workers AI has no public wire format for a worker: it is the AI binding. Tests bind a stand-in
 * worker (workersAiStandInScript) whose `run(model, inputs)` posts `{model, inputs}` here, so the
 * shared fake server records and scripts it like any vendor. Replies follow what the binding returns:
 * `{response, usage}`, a stream of `data: {"response": ...}` events ending in `data: [DONE]`, or
 * `{shape, data}` for embeddings; a failure becomes an error thrown by `run`.
 */

function usageOf(usage: TokenUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function parse(request: RecordedRequest): GenerateCall | EmbedCall | Refusal {
  if (`${request.method} ${request.path}` !== "POST /ai/run" || !isRecord(request.body)) {
    return { kind: "refuse", status: 404, message: `No such route ${request.method} ${request.path}` };
  }
  const { model, inputs } = request.body;
  if (typeof model !== "string" || !isRecord(inputs))
    return { kind: "refuse", status: 400, message: "model and inputs are required" };
  if (Array.isArray(inputs.text)) {
    return { kind: "embed", model, inputs: inputs.text.map(String), dimensions: undefined };
  }
  if (!Array.isArray(inputs.messages)) return { kind: "refuse", status: 400, message: "messages or text is required" };
  const users = inputs.messages.filter((message) => isRecord(message) && message.role === "user");
  const last = users[users.length - 1];
  return {
    kind: "generate",
    model,
    prompt: isRecord(last) ? textOf(last.content) : "",
    stream: inputs.stream === true,
  };
}

/** Workers AI's own error codes for the statuses tests script (Cloudflare's Workers AI error list). */
const workersAiErrors: Record<number, { code: number; message: string }> = {
  400: { code: 3010, message: "Invalid or incomplete input for the model" },
  404: { code: 5007, message: "No such model" },
  408: { code: 3007, message: "Request timeout" },
  429: { code: 3040, message: "Capacity temporarily exceeded, please try again." },
  500: { code: 3001, message: "Server error" },
};

const wire: VendorWire = {
  vendor: "workers-ai",
  basePath: "",
  // A binding carries no key.
  credential: () => "binding",
  keyRefusals: { missing: { kind: "refuse", status: 401 }, invalid: { kind: "refuse", status: 401 } },
  responseHeaders: (requestId) => ({ "cf-ai-req-id": requestId }),
  parse,
  errorBody: (refusal) => {
    const known = workersAiErrors[refusal.status] ?? workersAiErrors[500]!;
    return { success: false, errors: [{ code: known.code, message: refusal.message ?? known.message }] };
  },
  completion: (_call: GenerateCall, result: Completion) => ({ response: result.text, usage: usageOf(result.usage) }),
  streamFrames: (_call: GenerateCall, chunks: string[], ending: Completion | null, _context: WireContext) => [
    ...chunks.map((chunk) => sseFrame({ response: chunk })),
    ...(ending ? [sseFrame({ response: "", usage: usageOf(ending.usage) }), sseFrame("[DONE]")] : []),
  ],
  embeddings: (_call: EmbedCall, vectors: number[][]) => ({
    shape: [vectors.length, vectors[0]?.length ?? 0],
    data: vectors,
  }),
};

export const workersAiWire = wire;

export function startFakeWorkersAi(options: FakeVendorOptions = {}): Promise<FakeVendor> {
  return startFakeVendorServer(wire, options);
}

/** The AI binding stand-in: a module worker for miniflare's wrapped bindings, calling the fake above. */
export const workersAiStandInScript = `
export default function (env) {
  return {
    async run(model, inputs) {
      const response = await fetch(env.FAKE_WORKERS_AI_URL + "/ai/run", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, inputs }),
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        const error = body.errors && body.errors[0];
        throw new Error(error ? error.code + ": " + error.message : response.status + " " + response.statusText);
      }
      return inputs.stream ? response.body : response.json();
    },
  };
}
`;
