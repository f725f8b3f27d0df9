import { contactSettings } from "../contact/contact-settings";
import { contactView } from "../contact/contact-view";
import { takeContactSlot } from "../contact/rate-limit";
import { deleteContact, getContact, insertContact, listContacts } from "../db/contact-queries";
import { createDb } from "../db/database";
import { nowTimestamp, toIso } from "../db/timestamps";
import { decodeCursor, paginate } from "../http/cursor";
import { notFound } from "../http/http-error";
import { json, readJsonBody } from "../http/json";
import { pathParam, queryInt, queryParam } from "../http/params";
import type { AppRouter } from "../http/types";
import { parseInput } from "../http/validation";
import { contactLimits, contactSchema } from "../schemas/contact";
import { contactInboxRoute } from "./public-routes";

export function contactRoutes(router: AppRouter): void {
  // Public: validated before anything is written, then counted against the caller's window and the inbox's hour.
  router.post(contactInboxRoute.path, async (request, env) => {
    const input = parseInput(contactSchema, await readJsonBody(request, contactLimits.bodyBytes));
    const db = createDb(env.DB);
    await takeContactSlot(db, env.DB, request, contactSettings(env));
    const row = await insertContact(
      db,
      {
        from_agent: input.from_agent,
        from_name: input.from_name ?? null,
        reply_to: input.reply_to ?? null,
        subject: input.subject ?? null,
        message: input.message,
      },
      nowTimestamp(),
    );
    return json({ status: "received", id: row.id, received_at: toIso(row.received_at) }, 201);
  });

  router.get("/api/contact", async (request, env) => {
    const limit = queryInt(request, "limit", { min: 1, max: 100, fallback: 20 });
    const cursor = queryParam(request, "cursor");
    const rows = await listContacts(createDb(env.DB), limit, cursor === undefined ? undefined : decodeCursor(cursor));
    const { page, nextCursor } = paginate(rows, limit, (row) => ({ at: row.received_at, id: row.id }));
    return json({ contacts: page.map(contactView), next_cursor: nextCursor });
  });

  router.get("/api/contact/:id", async (request, env) => {
    const row = await getContact(createDb(env.DB), pathParam(request, "id"));
    if (!row) throw notFound("contact message");
    return json(contactView(row));
  });

  router.delete("/api/contact/:id", async (request, env) => {
    const id = pathParam(request, "id");
    if (!(await deleteContact(createDb(env.DB), id))) throw notFound("contact message");
    return json({ deleted: true, id });
  });
}
