import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { d1MigrationsProvider, migrationRequests, type D1MigrationsInputs } from "../../stack/d1-migrations";
import { migrationFile, readMigrationFiles } from "../../stack/migration-plan";
import { schemaDir } from "../../stack/paths";
import { useCloudflareEmulator } from "../support/use-cloudflare-emulator";
import { wranglerProject, wranglerTimeout, type WranglerProject } from "../support/wrangler";

/** The resource and `wrangler d1 migrations apply` must be interchangeable on one database. */

const accountId = "0123456789abcdef0123456789abcdef";
const emulator = useCloudflareEmulator({ token: "interop-token", accountId });
const projects: WranglerProject[] = [];

afterAll(async () => {
  projects.forEach((project) => project.remove());
});

const schemaFiles = readMigrationFiles(schemaDir);

function database(name: string): { name: string; uuid: string } {
  return { name, uuid: emulator().createD1Database(name).uuid };
}

/** A wrangler project whose migrations folder holds the first `count` files of schema/. */
function withSchema(db: { name: string; uuid: string }, count = schemaFiles.length): WranglerProject {
  const project = wranglerProject(emulator(), db);
  projects.push(project);
  for (const file of schemaFiles.slice(0, count)) {
    project.writeMigration(file.name, readFileSync(path.join(schemaDir, file.name), "utf8"));
  }
  return project;
}

function inputs(db: { name: string; uuid: string }, files = schemaFiles): D1MigrationsInputs {
  return {
    accountId,
    databaseId: db.uuid,
    databaseName: db.name,
    apiToken: emulator().token,
    ...migrationRequests(files),
  };
}

function schemaOf(uuid: string): unknown[] {
  return emulator()
    .d1(uuid)
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all();
}

function recorded(uuid: string): string[] {
  return (emulator().d1(uuid).prepare("SELECT name FROM d1_migrations ORDER BY id").all() as { name: string }[]).map(
    (row) => row.name,
  );
}

describe("migrations: this project's resource and wrangler", () => {
  it(
    "produce the same schema from schema/",
    async () => {
      const byWrangler = database("by-wrangler");
      const run = await withSchema(byWrangler).run("d1", "migrations", "apply", byWrangler.name, "--remote");
      expect(run.code, run.stderr).toBe(0);

      const byStack = database("by-stack");
      await d1MigrationsProvider.create!(inputs(byStack));

      expect(schemaOf(byStack.uuid)).toEqual(schemaOf(byWrangler.uuid));
      expect(recorded(byStack.uuid)).toEqual(recorded(byWrangler.uuid));
      expect(schemaOf(byStack.uuid)).toContainEqual(expect.objectContaining({ type: "table", name: "engrams_fts" }));
    },
    wranglerTimeout,
  );

  it(
    "never re-applies what wrangler applied first, and still catches a later edit of it",
    async () => {
      const db = database("wrangler-first");
      const run = await withSchema(db, 1).run("d1", "migrations", "apply", db.name, "--remote");
      expect(run.code, run.stderr).toBe(0);
      expect(recorded(db.uuid)).toEqual([schemaFiles[0]!.name]);

      const { outs } = await d1MigrationsProvider.create!(inputs(db));
      expect(outs!.appliedOutside).toEqual([schemaFiles[0]!.name]);
      expect(recorded(db.uuid)).toEqual(schemaFiles.map((file) => file.name));

      const edited = [
        migrationFile(schemaFiles[0]!.name, `${schemaFiles[0]!.sql}\n-- edited\n`),
        ...schemaFiles.slice(1),
      ];
      await expect(d1MigrationsProvider.diff!("id", outs!, inputs(db, edited))).rejects.toThrow(
        new RegExp(`${schemaFiles[0]!.name.replace(".", "\\.")} was edited after being applied`),
      );
    },
    wranglerTimeout,
  );

  it(
    "leaves wrangler nothing to apply after the resource ran",
    async () => {
      const db = database("stack-first");
      await d1MigrationsProvider.create!(inputs(db));
      const run = await withSchema(db).run("d1", "migrations", "apply", db.name, "--remote");
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/No migrations to apply/);
    },
    wranglerTimeout,
  );
});
