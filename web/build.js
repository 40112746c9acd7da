// Bundles web/src/ (the editor's result views) with the npm packages it imports into
// server/static/vendor/views/: views.js, views.css, and THIRD-PARTY-LICENSES.txt with the
// licence of every package that went into them (ISC and BSD ask that it travel with copies).
// Run by `make install`; nothing is fetched at run time.
//
//   node web/build.js <output directory>

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const output = resolve(process.argv[2] || join(here, "../server/static/vendor/views"));

const result = await build({
  entryPoints: { views: join(here, "src/index.js") },
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "FtkgViews",
  // Browsers of the last few years: no transpiling of what they all run.
  target: ["es2020"],
  outdir: output,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.set(match[1], join(here, "node_modules", match[1]));
}
const notices = [...packages.entries()].sort().map(([name, directory]) => {
  const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
  let licence;
  for (const file of ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"]) {
    try {
      licence = readFileSync(join(directory, file), "utf8");
      break;
    } catch {
      // try the next usual name
    }
  }
  if (!licence) throw new Error(`${name}: no licence file to ship with the bundle`);
  return `${name} ${manifest.version} (${manifest.license})\n\n${licence.trim()}\n`;
});
writeFileSync(
  join(output, "THIRD-PARTY-LICENSES.txt"),
  `Packages bundled into views.js, from npm (pinned by web/package-lock.json).\n\n` +
    notices.join(`\n${"-".repeat(72)}\n\n`),
);
