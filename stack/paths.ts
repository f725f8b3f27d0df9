import * as path from "node:path";

/** The project's root folder: sources, schema and build outputs are named relative to it. */
export const projectRoot = path.resolve(__dirname, "..");

/** The D1 migrations, `NNNN_name.sql`. */
export const schemaDir = path.join(projectRoot, "schema");

/** Where `pulumi up` leaves the worker bundle for the Cloudflare provider (relative, so state is portable). */
export const workerBundleFile = ".sos/build/worker.js";
