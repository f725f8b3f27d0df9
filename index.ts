import { readStackConfig } from "./stack/config";
import { componentName } from "./stack/names";
import { SosStack } from "./stack/sos-stack";

const config = readStackConfig();
// A fixed logical name: no setting renames the stack's resources in state (see SosStack's aliases).
const sos = new SosStack(componentName, { config });

export const workerUrl = sos.workerUrl;
export const pagesUrl = sos.pagesUrl;
export const d1DatabaseId = sos.databaseId;
export const kvNamespaceId = sos.kvNamespaceId;
export const agentId = sos.agentId;
export const agentKey = sos.agentKey;
