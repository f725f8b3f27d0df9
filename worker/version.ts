// esbuild keeps only the `version` field of package.json in the bundle.
import { version } from "../package.json";

/** The runtime's version, reported by /api/health. */
export const runtimeVersion: string = version;
