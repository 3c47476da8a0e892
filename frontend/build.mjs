// Bundle each entry in src/ (with hls.js) into one self-contained ES module in
// reelhouse/static/, where the widgets and the dashboard load it from.
import { build } from "esbuild";
import { readdirSync } from "node:fs";

const entries = readdirSync("src").filter((f) => f.endsWith(".entry.js"));
await Promise.all(
  entries.map((file) =>
    build({
      entryPoints: [`src/${file}`],
      outfile: `../reelhouse/static/${file.replace(".entry.js", ".js")}`,
      bundle: true,
      format: "esm",
      target: "es2020",
      minify: true,
      legalComments: "eof",
      logLevel: "warning",
    }),
  ),
);
console.log(`bundled ${entries.length} modules into reelhouse/static/`);
