// Bundle each entry in src/ (with hls.js) into one self-contained ES module: widget_* into
// reelhouse/static/ (anywidget loads them from there), dashboard_* into dashboard/static/
// (Panel serves a component's module only from under the component's own package).
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const outDir = (file) => (file.startsWith("dashboard_") ? "../dashboard/static" : "../reelhouse/static");
const entries = readdirSync("src").filter((f) => f.endsWith(".entry.js"));
await Promise.all(
  entries.map((file) =>
    build({
      entryPoints: [`src/${file}`],
      outfile: `${outDir(file)}/${file.replace(".entry.js", ".js")}`,
      bundle: true,
      format: "esm",
      target: "es2020",
      minify: true,
      legalComments: "eof",
      logLevel: "warning",
    }),
  ),
);
console.log(`bundled ${entries.length} modules into reelhouse/static/ and dashboard/static/`);
