import { readStackConfig } from "./stack/config";
import { SosStack } from "./stack/sos-stack";

const config = readStackConfig();
const sos = new SosStack(config.prefix, { config });

export const workerUrl = sos.workerUrl;
export const pagesUrl = sos.pagesUrl;
export const d1DatabaseId = sos.databaseId;
export const kvNamespaceId = sos.kvNamespaceId;
export const agentId = sos.agentId;
export const agentKey = sos.agentKey;
