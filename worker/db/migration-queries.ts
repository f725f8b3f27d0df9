import type { Db } from "./database";

/** The name of the last applied migration file, e.g. `0002_contacts.sql`; undefined on a fresh database. */
export async function latestMigrationName(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom("d1_migrations").select("name").orderBy("id", "desc").limit(1).executeTakeFirst();
  return row?.name ?? undefined;
}
