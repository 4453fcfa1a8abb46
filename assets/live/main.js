/* Live collaborative editing on the day editor: built into static/js/live.js by
 * `make assets` (esbuild; sources here, packages pinned by package-lock.json).
 * The page works without it: studylog.js keeps polling, and this script gives the
 * page back to it whenever the live connection can't be had. */
import { Live } from "./live.js";

function start() {
  if (window.studylogLive || typeof WebSocket === "undefined") return;
  // The editor's styles go in an adopted stylesheet (see assets/build.mjs): without
  // one, the CSP would strip them, so such a browser keeps the plain textareas.
  if (!("adoptedStyleSheets" in Document.prototype)) return;
  const root = document.querySelector("[data-day-editor][data-live-url]");
  if (!root) return;
  let live;
  try {
    live = new Live(root);
  } catch (error) {
    console.warn(error);
    return;
  }
  // A read-only view for tests and debugging: {docs, providers, state}.
  Object.defineProperty(window, "studylogLive", { value: live.debugView(), enumerable: true });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
