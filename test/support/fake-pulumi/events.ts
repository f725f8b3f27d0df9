/**
 * Engine events as `--event-log` delivers them (sdk/go/common/apitype/events.go,
 * pkg/backend/display/display.go startEventLogger): each stamped with a sequence number and a
 * Unix timestamp, JSON-encoded with a trailing newline, and either appended to a file or, for
 * `tcp://host:port`, sent over the client-streaming gRPC method /pulumirpc.Events/StreamEvents.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { ClientWritableStream } from "@grpc/grpc-js";
import type { EventRequest } from "@pulumi/pulumi/proto/events_pb";
import { unixNow } from "./formats";

export interface StepStateMetadata {
  type: string;
  urn: string;
  custom?: boolean;
  delete?: boolean;
  id: string;
  parent: string;
  protect?: boolean;
  retainOnDelete?: boolean;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  provider: string;
}

export interface StepEventMetadata {
  op: string;
  urn: string;
  type: string;
  old: StepStateMetadata | null;
  new: StepStateMetadata | null;
  keys?: string[];
  diffs?: string[];
  detailedDiff: Record<string, { diffKind: string; inputDiff: boolean }> | null;
  logical?: boolean;
  provider: string;
}

export interface DiagnosticEvent {
  urn?: string;
  prefix?: string;
  message: string;
  color: string;
  severity: "info" | "info#err" | "warning" | "error";
}

export interface SummaryEvent {
  maybeCorrupt: boolean;
  durationSeconds: number;
  resourceChanges: Record<string, number>;
  PolicyPacks: Record<string, string>;
  isPreview: boolean;
  result: "succeeded" | "failed";
}

/** One apitype.EngineEvent payload, before stamping. */
export type EnginePayload =
  | { preludeEvent: { config: Record<string, string> } }
  | { resourcePreEvent: { metadata: StepEventMetadata; planning?: boolean } }
  | { resOutputsEvent: { metadata: StepEventMetadata; planning?: boolean } }
  | { resOpFailedEvent: { metadata: StepEventMetadata; status: number; steps: number } }
  | { diagnosticEvent: DiagnosticEvent }
  | { summaryEvent: SummaryEvent }
  | { cancelEvent: Record<string, never> };

export type EngineEvent = { sequence: number; timestamp: number } & EnginePayload;

interface Sink {
  write(line: string): void;
  close(): Promise<void>;
}

function fileSink(file: string): Sink {
  // O_TRUNC|O_APPEND as the CLI opens it.
  const fd = openSync(file, "w");
  return {
    write: (line) => void writeSync(fd, line),
    close: async () => closeSync(fd),
  };
}

function grpcSink(address: string): Sink {
  // Loaded on demand (they are slow to load); these generated CommonJS modules are required,
  // as their exports are assigned at run time where an ES import cannot see them.
  const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const { EventsClient } =
    require("@pulumi/pulumi/proto/events_grpc_pb") as typeof import("@pulumi/pulumi/proto/events_grpc_pb.js");
  const { EventRequest: Request } =
    require("@pulumi/pulumi/proto/events_pb") as typeof import("@pulumi/pulumi/proto/events_pb.js");
  const client = new EventsClient(address, grpc.credentials.createInsecure());
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  // A failed stream is only logged by the CLI; the operation carries on without events.
  const stream: ClientWritableStream<EventRequest> = client.streamEvents(() => finished());
  stream.on("error", () => finished());
  return {
    write(line) {
      const request = new Request();
      request.setEvent(line);
      stream.write(request);
    },
    async close() {
      stream.end();
      await done;
      client.close();
    },
  };
}

export class EventLog {
  private sequence = 0;

  private constructor(
    private readonly sink: Sink | undefined,
    private readonly listeners: ((e: EngineEvent) => void)[],
  ) {}

  static open(target: string | undefined, listeners: ((e: EngineEvent) => void)[]): EventLog {
    if (!target) return new EventLog(undefined, listeners);
    const address = target.startsWith("tcp://") ? target.slice("tcp://".length) : undefined;
    return new EventLog(address ? grpcSink(address) : fileSink(target), listeners);
  }

  emit(payload: EnginePayload): void {
    const event = { sequence: this.sequence++, timestamp: unixNow(), ...payload } as EngineEvent;
    this.sink?.write(`${JSON.stringify(event)}\n`);
    for (const listener of this.listeners) listener(event);
  }

  close(): Promise<void> {
    return this.sink?.close() ?? Promise.resolve();
  }
}
