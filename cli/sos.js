#!/usr/bin/env node
// The `sos` command (package.json "bin"). The CLI is TypeScript, run through tsx (a dependency),
// like the Pulumi program it deploys.
require("tsx/cjs/api").register();
require("./sos/main.ts")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
