// Minifies the tag's readable source (collector/static/tag.src.js) into collector/static/tag.js with
// terser. Usage: node build_tag.mjs [--check]. With --check it writes nothing and exits 1 when the
// committed tag.js is not the build of the source (tests/collector/test_tag_build.py runs it).
import { readFileSync, writeFileSync } from "node:fs";
import { minify } from "terser";

const dir = new URL("../../collector/static/", import.meta.url);
const src = readFileSync(new URL("tag.src.js", dir), "utf8");
const out = await minify(src, {
  ecma: 5,
  compress: { passes: 2, hoist_vars: true, global_defs: {} },
  mangle: { reserved: ["ARTAUD_CFG"] },
  format: { comments: false },
});
const code = out.code + "\n";
if (process.argv.includes("--check")) {
  const current = readFileSync(new URL("tag.js", dir), "utf8");
  if (current !== code) {
    console.error("collector/static/tag.js is not the build of tag.src.js: run node tests/js/build_tag.mjs");
    process.exit(1);
  }
} else {
  writeFileSync(new URL("tag.js", dir), code);
}
console.log(`tag.js: ${code.length} bytes minified`);
