// Builds static/js/live.js (one minified ES2019 IIFE) from assets/live/main.js:
// `make assets` runs it after `npm ci`.
//
// One change is made to a dependency on the way. style-mod, which puts CodeMirror's
// styles in the page, uses a constructed stylesheet (adoptedStyleSheets) only in a
// shadow root and a <style> element in a document; Studylog's CSP (style-src 'self',
// no nonce) refuses that element, and the editor would lose its layout. The build
// makes it adopt the constructed stylesheet in documents too. If style-mod's code no
// longer matches, the build fails rather than ship an editor that breaks under the CSP.
import * as esbuild from "esbuild";
import { readFile } from "node:fs/promises";

const SHADOW_ONLY = "if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {";
const ALWAYS = "if (root.adoptedStyleSheets && win.CSSStyleSheet) {";

const adoptStyleSheets = {
  name: "style-mod-adopted-stylesheets",
  setup(build) {
    build.onLoad({ filter: /[\\/]style-mod[\\/]src[\\/]style-mod\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (source.split(SHADOW_ONLY).length !== 2) {
        throw new Error(`${args.path}: style-mod changed; check how it mounts styles in a document`);
      }
      return { contents: source.replace(SHADOW_ONLY, ALWAYS), loader: "js" };
    });
  },
};

const result = await esbuild.build({
  entryPoints: ["assets/live/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  outfile: "static/js/live.js",
  plugins: [adoptStyleSheets],
  metafile: true,
  logLevel: "info",
});
const patched = Object.keys(result.metafile.inputs).some((path) => path.endsWith("style-mod/src/style-mod.js"));
if (!patched) throw new Error("style-mod was not bundled from src/style-mod.js: the CSP change was not applied");
