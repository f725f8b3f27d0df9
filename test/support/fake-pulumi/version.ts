/**
 * The release the stand-in imitates: the CLI source it was written from (pulumi/pulumi 3.259.0).
 * Being above 3.205.0 makes the Automation API stream engine events over gRPC.
 */
export const CLI_VERSION = "v3.259.0";
