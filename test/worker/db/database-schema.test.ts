import type { Selectable } from "kysely";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Database } from "../../../worker/db/database";
import { useWorker } from "../../support/worker-harness";

const harness = useWorker();

type Table = "engrams" | "agent_state" | "contacts" | "contact_rate_limits";
type Row<T extends Table> = Omit<Selectable<Database[T]>, "rowid">;
type Nullable<T extends Table> = { [K in keyof Row<T>]: null extends Row<T>[K] ? K : never }[keyof Row<T>];

/** Each table's columns and which of them may be NULL, as the worker's Database interface declares them. */
const declared = {
  engrams: {
    columns: [
      "id",
      "agent",
      "context_id",
      "text",
      "embedding",
      "epistemic_truths",
      "core_concepts",
      "affective_vibe",
      "created_at",
      "accessed_at",
      "importance",
      "updated_at",
      "ref_count",
    ],
    nullable: [
      "context_id",
      "embedding",
      "epistemic_truths",
      "core_concepts",
      "affective_vibe",
      "created_at",
      "accessed_at",
      "importance",
      "updated_at",
    ],
  },
  agent_state: {
    columns: ["agent", "uv_16d", "coherence", "last_sync"],
    nullable: ["uv_16d", "coherence", "last_sync"],
  },
  contacts: {
    columns: ["id", "from_agent", "from_name", "reply_to", "subject", "message", "received_at"],
    nullable: ["from_name", "reply_to", "subject"],
  },
  contact_rate_limits: { columns: ["caller", "window_start", "count"], nullable: [] },
} as const;

describe("the Database interface", () => {
  it("lists exactly the interface's columns and nullable columns (checked by tsc)", () => {
    expectTypeOf<(typeof declared.engrams.columns)[number]>().toEqualTypeOf<keyof Row<"engrams">>();
    expectTypeOf<(typeof declared.engrams.nullable)[number]>().toEqualTypeOf<Nullable<"engrams">>();
    expectTypeOf<(typeof declared.agent_state.columns)[number]>().toEqualTypeOf<keyof Row<"agent_state">>();
    expectTypeOf<(typeof declared.agent_state.nullable)[number]>().toEqualTypeOf<Nullable<"agent_state">>();
    expectTypeOf<(typeof declared.contacts.columns)[number]>().toEqualTypeOf<keyof Row<"contacts">>();
    expectTypeOf<(typeof declared.contacts.nullable)[number]>().toEqualTypeOf<Nullable<"contacts">>();
    expectTypeOf<(typeof declared.contact_rate_limits.columns)[number]>().toEqualTypeOf<
      keyof Row<"contact_rate_limits">
    >();
    expectTypeOf<Nullable<"contact_rate_limits">>().toEqualTypeOf<never>();
  });

  for (const [table, { columns, nullable }] of Object.entries(declared)) {
    it(`matches the migrated ${table} table column for column`, async () => {
      const d1 = await harness.d1();
      const info = await d1
        .prepare(`SELECT name, "notnull", pk FROM pragma_table_info(?)`)
        .bind(table)
        .all<{ name: string; notnull: number; pk: number }>();
      expect(info.results.map((column) => column.name).sort()).toEqual([...columns].sort());
      // A PRIMARY KEY column is never written NULL here, whatever SQLite's legacy rules would allow.
      const mayBeNull = info.results
        .filter((column) => column.notnull === 0 && column.pk === 0)
        .map((column) => column.name);
      expect(mayBeNull.sort()).toEqual([...nullable].sort());
    });
  }
});
