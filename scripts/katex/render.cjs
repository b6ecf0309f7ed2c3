// Render a batch of TeX formulas to KaTeX HTML: one Node process per MkDocs build (scripts/hooks/math.py).
// Usage: node render.cjs path/to/katex.min.js < [{"tex": "k^2", "display": false}, ...]
// Writes [{"html": "..."} or {"error": "..."}, ...] in the same order, plus each formula's strict-mode warnings.
"use strict";

const katex = require(process.argv[2]);

function renderOne({ tex, display }) {
  const warnings = [];
  try {
    const html = katex.renderToString(tex, {
      displayMode: display,
      throwOnError: true, // a formula KaTeX cannot parse fails the build instead of showing red source
      output: "htmlAndMathml", // what auto-render drew in the browser: visible HTML plus MathML for screen readers
      strict: (code, message) => {
        warnings.push(`${code}: ${message}`);
        return "ignore";
      },
    });
    return { html, warnings };
  } catch (error) {
    return { error: String(error && error.message ? error.message : error), warnings };
  }
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(renderOne);
  process.stdout.write(JSON.stringify({ version: katex.version, results }));
});
