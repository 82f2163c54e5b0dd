// Minifies the tag's readable source (collector/static/tag.src.js) into collector/static/tag.js, and
// each module the tag loads on demand (collector/static/m/<name>.src.js) into m/<name>.js, with terser.
// Usage: node build_tag.mjs [--check]. With --check it writes nothing and exits 1 when a committed
// build is not the build of its source (tests/collector/test_tag.py runs it).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { minify } from "terser";

const dir = new URL("../../collector/static/", import.meta.url);
const sources = ["tag.src.js", ...readdirSync(new URL("m/", dir)).filter((f) => f.endsWith(".src.js")).map((f) => "m/" + f)];
let stale = 0;
for (const name of sources.sort()) {
  const src = readFileSync(new URL(name, dir), "utf8");
  const out = await minify(src, {
    ecma: 5,
    compress: { passes: 2, hoist_vars: true, global_defs: {} },
    mangle: { reserved: ["ARTAUD_CFG"] },
    format: { comments: false },
  });
  const code = out.code + "\n";
  const target = new URL(name.replace(".src.js", ".js"), dir);
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {}
    if (current !== code) {
      console.error(`collector/static/${name.replace(".src.js", ".js")} is not the build of ${name}: run node tests/js/build_tag.mjs`);
      stale = 1;
    }
  } else {
    writeFileSync(target, code);
  }
  console.log(`${name.replace(".src.js", ".js")}: ${code.length} bytes minified`);
}
process.exit(stale);
