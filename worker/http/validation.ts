import * as z from "zod/mini";
import { badRequest, type HttpError } from "./http-error";

/**
 * Validates `input` against `schema`; the first problem becomes a 400 naming the field by its
 * dotted path (`inner.p`, `tags.2`), or `name` (the body, a parameter) when the value as a whole
 * is wrong.
 */
export function parseInput<S extends z.ZodMiniType>(schema: S, input: unknown, name = "body"): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues, input, name);
}

/** The 400 for the first of a schema's `issues` with `input` (also for lower layers that validate on their own). */
export function invalidInput(issues: readonly z.core.$ZodIssue[], input: unknown, name: string): HttpError {
  const issue = issues[0]!;
  const base = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const field = [base, issue.keys[0]].filter(Boolean).join(".");
    return badRequest(field, "is not a known field");
  }
  const field = base || name;
  return badRequest(field, describe(issue, valueAt(input, issue.path)));
}

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      return value === undefined ? "is required" : `must be ${article(issue.expected)}`;
    case "too_small":
      return bound(issue.origin, issue.inclusive === false ? "more than" : "at least", issue.minimum);
    case "too_big":
      return bound(issue.origin, issue.inclusive === false ? "less than" : "at most", issue.maximum);
    case "invalid_format":
      return `must be a valid ${issue.format}`;
    case "invalid_value":
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
    default:
      return issue.message && issue.message !== "Invalid input" ? issue.message : "is invalid";
  }
}

function bound(origin: string, relation: string, limit: number | bigint): string {
  if (origin === "string") return `must be ${relation} ${limit} characters`;
  if (origin === "array" || origin === "set") return `must have ${relation} ${limit} items`;
  return `must be ${relation} ${limit}`;
}

function article(type: string): string {
  return type === "array" || type === "object" || type === "integer" ? `an ${type}` : `a ${type}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
