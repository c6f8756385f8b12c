// Small helpers for building the page: no framework, so these few stay in one place.
export const byId = (id) => document.getElementById(id);

/** A new element; attrs may hold class, text, data-*, properties and other attributes. */
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children || []) if (child) node.append(child);
  return node;
}

/** A status line's text; kind ("ok", "warn" or none) is for the CSS. */
export function setStatus(id, text, kind) {
  const node = byId(id);
  node.textContent = text;
  node.dataset.kind = kind || "";
}
