import type { ContactRow } from "../db/contact-queries";
import { toIso } from "../db/timestamps";

/** A contact message as the owner's API returns it. */
export function contactView(row: ContactRow) {
  return { ...row, received_at: toIso(row.received_at) };
}
