/* Each user's colour is one of eight classes, live-c0 … live-c7, defined in
 * static/css/live.css. Remote carets, selections, presence chips and card markers
 * are coloured by class and never by a style attribute: the page's CSP allows no
 * inline styles, and a colour read from another client's awareness state is never
 * written into the page (only a number from 0 to 7 derived from it is). */

/* The palette, in the order of the classes. A user whose `color` (from
 * data-live-user) is one of these gets that class; anyone else gets one by user id. */
export const PALETTE = ["#1f77b4", "#c2410c", "#2e7d32", "#b91c1c", "#7e57c2", "#8c564b", "#be185d", "#0f766e"];

export function colorIndex(user) {
  if (!user || typeof user !== "object") return 0;
  const color = typeof user.color === "string" ? user.color.toLowerCase() : "";
  const known = PALETTE.indexOf(color);
  if (known >= 0) return known;
  const id = Number(user.id);
  if (Number.isSafeInteger(id) && id >= 0) return id % PALETTE.length;
  let hash = 0;
  for (const ch of String(user.name || "")) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % PALETTE.length;
}

export function colorClass(user) {
  return `live-c${colorIndex(user)}`;
}
