import type { TenantResult } from "./tenant-result";

function changed(result: TenantResult): string {
  const entries = Object.entries(result.changes).filter(([op, count]) => op !== "same" && count > 0);
  return entries.length ? entries.map(([op, count]) => `${count} ${op}`).join(", ") : "none";
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line of a table cell: no pipes or line breaks, which would break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ").slice(0, 400);
}

/** Fit for a pull-request comment: a summary line, then one row per tenant, failures explained. */
export function markdownReport(operation: string, results: TenantResult[]): string {
  const failed = results.filter((result) => result.result === "failed");
  const lines = [
    `### sos tenants ${operation}: ${results.length - failed.length} of ${results.length} succeeded`,
    "",
    "| tenant | result | resources changed | migrations | duration | error |",
    "|---|---|---|---|---|---|",
    ...results.map(
      (result) =>
        `| ${cell(result.stack)} | ${result.result === "succeeded" ? "✅ succeeded" : "❌ failed"} | ${cell(changed(result))} | ${
          cell(result.migrations.join(", ") || "none")
        } | ${seconds(result.durationMs)} | ${cell(result.error ? `${result.error.message}${result.error.advice ? ` — ${result.error.advice}` : ""}` : "")} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

export function jsonReport(operation: string, results: TenantResult[]): string {
  return `${JSON.stringify({ operation, succeeded: results.filter((r) => r.result === "succeeded").length, failed: results.filter((r) => r.result === "failed").length, tenants: results }, null, 2)}\n`;
}
