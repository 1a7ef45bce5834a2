// The numbers beside the picture: the epoch, losses and accuracies of the frame on screen, as page text.
// The labels and texts come with the batch (playground/batch.py formats them, the one place that does); this
// places them, touching the page only when the frame's texts change. The list is read on demand by assistive
// technology, never announced (it changes up to 60 times a second); a status line says the numbers once, politely,
// when playing pauses.

// The list, first in parent, and the status line (seen by assistive technology only).
export function readoutView(parent) {
  const list = document.createElement("dl"), status = document.createElement("div");
  list.className = "nnpg-readout";
  status.className = "nnpg-status";
  status.setAttribute("role", "status");
  parent.prepend(list);
  parent.append(status);
  return { list, status, key: "", values: [], playing: false };
}

// Show one frame's numbers: rows are the scene's readout ([label, stat, racer]), texts the frame's texts of them.
export function showReadout(view, rows, texts, playing) {
  const labels = rows.map(([label]) => label), key = JSON.stringify([labels, texts]);
  const paused = view.playing && !playing;
  view.playing = playing;
  if (key === view.key) return;
  if (!view.key || JSON.stringify(JSON.parse(view.key)[0]) !== JSON.stringify(labels)) {
    view.list.replaceChildren(...labels.map((label) => {
      const group = document.createElement("div"), term = document.createElement("dt");
      term.textContent = label;
      group.append(term, document.createElement("dd"));
      return group;
    }));
    view.values = [...view.list.querySelectorAll("dd")];
  }
  view.key = key;
  texts.forEach((text, k) => { view.values[k].textContent = text; });
  if (paused) view.status.textContent = `Paused. ${labels.map((label, k) => `${label} ${texts[k]}`).join(", ")}.`;
}
