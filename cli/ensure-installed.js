// Runs before `npm start` and `npm test`: on a fresh clone, installs the locked dependencies first,
// so the README's two commands work as written. Plain JavaScript: nothing else is installed yet.
const { existsSync } = require("node:fs");
const { execSync } = require("node:child_process");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
if (!existsSync(path.join(root, "node_modules", ".package-lock.json"))) {
  console.log("SOS: installing the locked dependencies (npm ci) ...");
  execSync("npm ci --no-audit --no-fund", { cwd: root, stdio: "inherit" });
}
