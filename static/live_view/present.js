// Presentation mode, for a projector: its button, the page's keyboard shortcuts and the list of them (?).
// A shortcut presses the toolbar's own button, so it goes through the same callbacks as a click; it is
// ignored while typing in a field, and a key with Ctrl, Alt or Meta is the browser's.

import { button } from "./capture.js";

// key -> [what it does, the toolbar buttons it presses (the first on the page)]
const SHORTCUTS = [[" ", "Space", "play or pause", ["pause", "play"]], ["s", "S", "step one epoch", ["step"]],
  ["r", "R", "reset", ["reset"]], ["?", "?", "show or hide this list", null]];
const TYPING = "input, textarea, select, [contenteditable=''], [contenteditable='true'], [role='textbox'], "
  + "[role='combobox'], [role='spinbutton'], [role='slider']";

// The Presentation mode button and ? (in tools), the shortcuts list (over the picture, in stage); the root element
// takes the class nnpg-present in the mode; setPresent(on) asks the server to switch it.
export function presentView(root, stage, tools, setPresent) {
  const toggle = button("Presentation mode"), help = button("?");
  help.setAttribute("aria-label", "Keyboard shortcuts");
  help.setAttribute("aria-expanded", "false");
  const list = document.createElement("div");
  list.className = "nnpg-keys"; list.id = `nnpg-keys-${Math.random().toString(36).slice(2)}`;
  list.setAttribute("role", "dialog"); list.setAttribute("aria-label", "Keyboard shortcuts"); list.hidden = true;
  help.setAttribute("aria-controls", list.id);
  const title = document.createElement("p"), keys = document.createElement("dl"), close = button("Close");
  title.textContent = "Keyboard shortcuts";
  keys.append(...SHORTCUTS.map(([, name, does]) => {
    const row = document.createElement("div"), key = document.createElement("dt"), what = document.createElement("dd");
    key.textContent = name; what.textContent = does;
    row.append(key, what);
    return row;
  }));
  list.append(title, keys, close);
  stage.append(list);
  tools.append(toggle, help);
  const view = { present: false };
  const showList = (on) => {
    list.hidden = !on; help.setAttribute("aria-expanded", String(on));
    if (on) close.focus();
  };
  toggle.setAttribute("aria-pressed", "false");
  toggle.addEventListener("click", () => setPresent(!view.present));
  help.addEventListener("click", () => showList(list.hidden));
  close.addEventListener("click", () => { showList(false); help.focus(); });
  const onKey = (e) => {
    if (!view.present || e.ctrlKey || e.altKey || e.metaKey || e.defaultPrevented) return;
    const target = e.target instanceof Element ? e.target : null;
    if (target && target.closest(TYPING)) return;
    if (e.key === "Escape" && !list.hidden) { showList(false); return; }
    const shortcut = SHORTCUTS.find(([key]) => key === e.key.toLowerCase());
    if (!shortcut || (e.key === " " && target && target.closest("button, a"))) return;  // Space presses the focused button
    e.preventDefault(); e.stopImmediatePropagation();  // before Streamlit's own keys (its R reruns the page)
    if (!shortcut[3]) { showList(list.hidden); return; }
    const pressed = shortcut[3].map((k) => document.querySelector(`.st-key-${k} button`)).find(Boolean);
    if (pressed && !pressed.disabled) pressed.click();
  };
  view.update = (present) => {
    view.present = present;
    toggle.setAttribute("aria-pressed", String(present));
    help.hidden = !present;
    if (!present) list.hidden = true;
    root.classList.toggle("nnpg-present", present);
  };
  view.listen = () => window.addEventListener("keydown", onKey, true);  // again after remove(): added once
  view.remove = () => window.removeEventListener("keydown", onKey, true);
  return view;
}
