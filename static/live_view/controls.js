// The picture's own controls, as TensorFlow Playground has them: real buttons laid over the canvas (reached with
// Tab, named for assistive technology), for what scene.edits lets a click change. An input node switches its
// feature on or off; + / − above the hidden layers add or remove one, above a layer change its neurons. Each
// sends the parameter's whole new value (send(name, value): the "reshape" trigger), which the server takes
// through the widget's own rules and limits. Every hidden layer's header names its neurons, activation and
// dropout, whether or not the picture offers controls.

import { HEAD_ROWS } from "./draw.js";

const NEW_LAYER = 4;  // the first hidden layer's neurons (state.add_layer: a later one copies the last)

// The controls and headers of layout lay for scene, in box (emptied first); the control that had the focus
// keeps it (a keyboard user pressing + again and again stays on it).
export function placeControls(box, lay, scene, send) {
  const focused = box.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  box.replaceChildren();
  if (!lay || lay.race) return;
  const edits = scene.edits || [], hidden = scene.sizes.slice(1, -1), layers = edits.includes("hidden");
  const { layers: maxLayers, neurons: maxNeurons } = scene.limits;
  const sendHidden = (value) => () => send("hidden", value);
  const [rowY, neuronsY, noteY] = [0, HEAD_ROWS[0], HEAD_ROWS[0] + HEAD_ROWS[1]].map((dy) => lay.headY + dy);

  const top = row(box, lay.layersHead, rowY, HEAD_ROWS[0]);
  if (layers) {
    top.append(button("−", "layers-", "Remove the last hidden layer", !hidden.length, sendHidden(hidden.slice(0, -1))),
               button("+", "layers+", "Add a hidden layer", hidden.length >= maxLayers,
                      sendHidden([...hidden, hidden.length ? hidden[hidden.length - 1] : NEW_LAYER])));
  }
  top.append(words(`${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`));

  lay.heads.forEach((head, k) => {
    const n = hidden[k], resized = (m) => hidden.map((v, j) => (j === k ? m : v));
    const neurons = row(box, head, neuronsY, HEAD_ROWS[1]);
    neurons.classList.toggle("nnpg-narrow", head.w < 60);  // smaller buttons, close together
    if (layers) neurons.append(button("−", `neurons-${k}`, `One neuron fewer in layer ${k + 1}`, n <= 1, sendHidden(resized(n - 1))));
    neurons.append(words(head.w >= 110 ? `${n} neuron${n === 1 ? "" : "s"}` : String(n)));
    if (layers) neurons.append(button("+", `neurons+${k}`, `One neuron more in layer ${k + 1}`, n >= maxNeurons, sendHidden(resized(n + 1))));
    const [activation, dropout] = scene.heads[k], rate = `${Math.round(100 * dropout)}%`;
    const note = row(box, head, noteY, HEAD_ROWS[2]);
    note.classList.add("nnpg-note");
    // a narrow column (a phone's deep network) names its dropout only when there is some; the title says all
    note.textContent = head.w >= 60 ? `${activation} · dropout ${rate}` : activation + (dropout ? ` ${rate} drop` : "");
    note.title = `Layer ${k + 1}: ${n} neurons, ${activation}, dropout ${rate}`;
  });

  if (edits.includes("features")) {
    for (const nd of [...lay.nodes[0], ...lay.offInputs]) {
      const on = !nd.off, label = on ? scene.labels[0][nd.i] : nd.label;
      const features = on ? scene.features.filter((f) => f !== nd.feature) : [...scene.features, nd.feature];
      const b = button("", `feature-${nd.feature}`, `Feature ${label}`, false, () => send("features", features));
      b.className = "nnpg-input";
      b.setAttribute("aria-pressed", String(on));
      Object.assign(b.style, { left: `${nd.x}px`, top: `${nd.y}px`, width: `${lay.node}px`, height: `${lay.node}px` });
      box.append(b);
    }
  }
  if (focused) box.querySelector(`[data-key="${focused}"]`)?.focus();
}

function row(box, at, y, h) {
  const div = document.createElement("div");
  div.className = "nnpg-head";
  Object.assign(div.style, { left: `${at.x}px`, top: `${y}px`, width: `${at.w}px`, height: `${h}px` });
  box.append(div);
  return div;
}

function words(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span;
}

function button(text, key, name, disabled, onClick) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = text; b.dataset.key = key; b.title = name; b.disabled = disabled;
  b.setAttribute("aria-label", name);
  b.addEventListener("click", onClick);
  return b;
}
