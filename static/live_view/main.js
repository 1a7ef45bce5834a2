// The live view: one canvas per instance, fed by snapshot batches, played with requestAnimationFrame.
// Streamlit calls the default export on mount and again with every new batch; state lives on the root element.

import { decodeBatch } from "./batch.js";
import { forward, gridFeatures, workspace } from "./forward.js";
import { captureView } from "./capture.js";
import { placeControls } from "./controls.js";
import { layout, labelWidth, links, paint, paintRace, raceLayout, isOff, usePalette } from "./draw.js";
import { presentView } from "./present.js";
import { readoutView, showReadout } from "./stats.js";

// The lattice the network is evaluated on, res x res points: 100 (as TensorFlow Playground) while a picture
// costs at most MAX_MULTIPLY_ADDS (points x weights; the largest network TensorFlow Playground builds, 6
// layers of 8 on its 7 features, costs 3.84 million); a larger network gets the finest of 75 and 50 within
// it, 50 at least (8 layers of 16: 50). The neuron thumbnails take 25 x 25 of these points either way.
const RESOLUTIONS = [100, 75, 50], MAX_MULTIPLY_ADDS = 4e6;
// While playing, the queue is drawn at a *pace* that makes it last until the next batch can be there: what it holds
// after a batch, over the time the last request took to be answered (its *wait*) and LOW_SECONDS more, at most 60
// snapshots a second.  More is asked for once the queue would not last that long at that pace.  A server that
// answers at once is played at 60 a second, asked 0.25 s before the queue runs dry; a crowded one that makes 20
// snapshots a second is played at about 20 a second, without standing still while the next batch trains.
const LOW_SECONDS = 0.25;
const MIN_FRAME_MS = 1000 / 61;  // at most 60 snapshots a second, whatever the display's rate
const EARLY_MS = 4;  // an animation frame this early for the pace's beat still shows the next snapshot
const REQUEST_TIMEOUT_MS = 5000;  // a request never answered (a lost run) is asked again (ui/live.py: MAX_RUN_SECONDS)
const STOPPING_KEYS = ["pause", "step", "step_batch", "reset"];  // toolbar buttons that stop play
// Presentation mode draws the picture larger: as if the page were PRESENT_WIDTH px wide (up to twice as large),
// and no taller than the window less PRESENT_MARGIN px (the toolbar and the numbers).
const PRESENT_WIDTH = 900, PRESENT_MARGIN = 250;

function setup(parent) {
  const root = document.createElement("div");
  root.className = "nnpg-live";
  const canvas = document.createElement("canvas"), tip = document.createElement("div");
  // the picture is an image with a text alternative; the value editor beside it (never inside: an image's
  // content is presentational) keeps its own name
  canvas.setAttribute("role", "img");
  canvas.tabIndex = 0;
  const editor = document.createElement("input");
  tip.className = "nnpg-tip"; tip.setAttribute("aria-hidden", "true");
  editor.className = "nnpg-edit"; editor.type = "number"; editor.step = "any"; editor.setAttribute("aria-label", "new value");
  const controls = document.createElement("div");  // the picture's own buttons (controls.js), over the canvas
  controls.className = "nnpg-controls";
  // above the picture its numbers and tools (the top row), under them the picture with what goes over it (the stage)
  const top = document.createElement("div"), tools = document.createElement("div"), stage = document.createElement("div");
  top.className = "nnpg-top"; tools.className = "nnpg-tools"; stage.className = "nnpg-stage";
  stage.append(canvas, controls, tip, editor);
  top.append(tools);
  root.append(top, stage);
  parent.appendChild(root);
  const g = (window.__nnpg = window.__nnpg || { mounts: 0 });
  g.mounts += 1;
  const st = {
    root, canvas, controls, tip, editor, ctx: canvas.getContext("2d"), scene: null, queue: [], shown: null,
    curves: [emptyCurve()], nets: [], points: null, dataId: null, stream: null, batchId: null,
    requested: 0, wait: 0, pace: 60, frozenUntil: 0, hover: null, lastFrame: 0, lastTick: 0, fpsAvg: 60, lay: null, links: null, width: 0, zoom: 1,
    counters: { frames: 0, epochs: 0, epoch: -1, snapshots: 0, batches: 0, mounts: g.mounts },
    setTrigger: null, raf: 0, lastLabel: 0,
  };
  st.readout = readoutView(top);
  st.tools = tools;
  st.capture = captureView(tools, canvas, () => ({ width: st.lay.width * st.zoom, height: st.lay.height * st.zoom,
                                                  paintOn: (ctx) => { ctx.scale(st.zoom, st.zoom); paintOn(st, ctx); },
                                                  link: st.scene.link }));
  st.present = presentView(root, stage, tools, (on) => st.setTrigger && st.setTrigger("present", on));
  root.nnpg = st;
  new ResizeObserver(() => { st.width = 0; draw(st); }).observe(root);
  canvas.addEventListener("pointermove", (e) => hoverAt(st, e));
  canvas.addEventListener("pointerleave", () => { st.hover = null; st.tip.style.display = "none"; draw(st); });
  canvas.addEventListener("click", (e) => clickAt(st, e));
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Enter") commitEdit(st);
    if (e.key === "Escape") editor.style.display = "none";
  });
  editor.addEventListener("blur", () => { editor.style.display = "none"; });
  // a click on Pause (or Step, Reset) stops the animation at once; the server's network follows
  st.onDocClick = (e) => {
    if (STOPPING_KEYS.some((k) => e.target.closest && e.target.closest(`.st-key-${k}`))) {
      st.frozenUntil = performance.now() + REQUEST_TIMEOUT_MS;
    }
  };
  return st;
}

const emptyCurve = () => ({ epochs: [], train: [], test: [] });

// The networks of a scene: the one network, or a race's racers (each its own shape and inputs, the rest shared).
const networksOf = (meta) => (meta.racers ? meta.racers.map((r) => ({ ...meta, ...r })) : [meta]);
const paramCount = (sizes) => sizes.slice(1).reduce((sum, n, l) => sum + (sizes[l] + 1) * n, 0);
const shapeOf = (meta) => JSON.stringify(networksOf(meta).map((m) => [m.sizes, m.labels, m.label, m.heads])
  .concat(meta.kind, meta.edits, meta.inputs));

// A new batch: its snapshots join the queue (or replace the picture when paused). A snapshot is a frame: one
// row per network (a race sends one per racer), each {stats, params}; the frame's stats are the furthest's, its
// texts the numbers shown beside it.
function receive(st, batch) {
  const { meta } = batch;
  st.counters.batches += 1;
  st.counters.snapshots += batch.n;
  const newStream = meta.stream !== st.stream;
  if (st.requested && meta.playing && !newStream) st.wait = 0.5 * st.wait + 0.5 * (performance.now() - st.requested) / 1000;
  st.requested = 0;
  st.stream = meta.stream;
  if (batch.points) { st.points = batch.points; st.dataId = meta.data_id; }
  const shapeChanged = !st.scene || shapeOf(st.scene) !== shapeOf(meta) || st.scene.present !== meta.present;
  st.scene = meta;
  if (shapeChanged) st.width = 0;
  st.tools.hidden = !meta.interactive;
  st.present.update(Boolean(meta.present));
  const counts = networksOf(meta).map((m) => paramCount(m.sizes)), R = counts.length;
  const snaps = [];
  for (let k = 0; k < batch.n / R; k++) {
    const nets = counts.map((count, r) => {
      const row = k * R + r;
      return { stats: batch.stats[row], params: batch.params.slice(row * batch.nParams, row * batch.nParams + count) };
    });
    const lead = nets.reduce((a, b) => (b.stats.epoch > a.stats.epoch ? b : a));
    snaps.push({ stats: lead.stats, params: lead.params, nets, texts: meta.readout_texts && meta.readout_texts[k] });
  }
  if (!meta.playing || newStream) st.queue = [];
  if (batch.curve) {  // the history so far: kept up to the epoch on screen when the stream goes on
    const upTo = !newStream && meta.playing && st.shown ? st.shown.stats.epoch : Infinity;
    const rows = meta.curve_rows || [batch.curve.length / 3];
    let start = 0;
    st.curves = rows.map((n) => {
      const curve = emptyCurve();
      for (let k = start; k < start + n; k++) {
        if (batch.curve[3 * k] <= upTo) addCurvePoint(curve, ...batch.curve.subarray(3 * k, 3 * k + 3));
      }
      start += n;
      return curve;
    });
  }
  if (!meta.playing) {
    st.frozenUntil = 0;
    if (snaps.length) show(st, snaps[snaps.length - 1], false);
    return;
  }
  const last = st.queue.length ? st.queue[st.queue.length - 1].stats.epoch : st.shown ? st.shown.stats.epoch : -1;
  for (const s of snaps) if (newStream || s.stats.epoch > last) st.queue.push(s);
  st.pace = Math.min(60, Math.max(1, st.queue.length / (st.wait + LOW_SECONDS)));
  if (!st.raf) st.raf = requestAnimationFrame((t) => tick(st, t));
}

function addCurvePoint(curve, epoch, train, test) {
  const n = curve.epochs.length;
  if (n && epoch <= curve.epochs[n - 1]) return;
  curve.epochs.push(epoch); curve.train.push(train); curve.test.push(test);
  if (curve.epochs.length > 2000) {  // thin to every other point, the last kept
    for (const key of ["epochs", "train", "test"]) curve[key] = curve[key].filter((_, k, a) => k % 2 === (a.length - 1) % 2);
  }
}

// One animation frame: the next snapshot when the pace says so; ask for more when the queue would not last until
// an answer can be there.  The request tells the server the display's frame rate (fpsAvg, at most 60) and what the
// queue will still hold when the answer is due; the server sends what fills it that far ahead (ui/live.py).
function tick(st, now) {
  st.raf = 0;
  const playing = st.scene && st.scene.playing && now >= st.frozenUntil;
  if (!playing) return;
  const gap = now - st.lastTick;  // since the last animation frame: the display's rate (not after a stop)
  if (gap < 250) st.fpsAvg = 0.9 * st.fpsAvg + 0.1 * Math.min(60, 1000 / Math.max(gap, 1));
  st.lastTick = now;
  const interval = Math.max(MIN_FRAME_MS, 1000 / st.pace), since = now - st.lastFrame;
  if (since >= interval - EARLY_MS && st.queue.length) {
    st.lastFrame = since < 2 * interval ? st.lastFrame + interval : now;  // on the pace's beat, not the display's
    show(st, st.queue.shift(), true);
  }
  const low = st.queue.length < Math.max(2, st.pace * (st.wait + LOW_SECONDS));
  if (low && st.setTrigger && (!st.requested || now - st.requested > REQUEST_TIMEOUT_MS)) {
    st.requested = now;
    const have = st.queue.length ? st.queue[st.queue.length - 1].stats.epoch : st.shown ? st.shown.stats.epoch : -1;
    const queued = Math.max(0, Math.round(st.queue.length - st.pace * st.wait));
    st.setTrigger("need", { have, stream: st.stream, queued, fps: Math.round(st.fpsAvg), data_id: st.dataId });
  }
  st.raf = requestAnimationFrame((t) => tick(st, t));
}

export function resolution(sizes) {
  let weights = 0;
  for (let l = 0; l + 1 < sizes.length; l++) weights += sizes[l] * sizes[l + 1];
  return RESOLUTIONS.find((res) => res * res * weights <= MAX_MULTIPLY_ADDS) || RESOLUTIONS[RESOLUTIONS.length - 1];
}

// The snapshot's networks over the lattice; each network's features and buffers are kept while its scene allows.
function show(st, snap, playing) {
  const scenes = networksOf(st.scene);
  st.cache = st.cache || [];
  st.nets = scenes.map((s, r) => {
    const res = resolution(s.sizes), inputsKey = JSON.stringify([s.features, res, s.extent, s.formula]);
    const c = st.cache[r] = st.cache[r] || {};
    if (c.inputsKey !== inputsKey) { c.inputs = gridFeatures(s.features, res, s.extent, s.formula); c.inputsKey = inputsKey; }
    c.work = workspace(s.sizes, res * res, c.work);
    const net = snap.nets[r];
    return { scene: s, res, stats: net.stats, params: net.params,
             layers: forward({ sizes: s.sizes, activations: s.activations, output: s.output, params: net.params,
                                off: s.off }, c.inputs, c.work) };
  });
  st.res = st.nets[0].res;
  st.layers = st.nets[0].layers;
  st.offValues = offInputValues(st, scenes[0], st.res);
  st.shown = snap;
  if (st.scene.readout && snap.texts) showReadout(st.readout, st.scene.readout, snap.texts, playing);
  while (st.curves.length < scenes.length) st.curves.push(emptyCurve());
  st.curves.length = scenes.length;
  snap.nets.forEach((net, r) => {
    const { epoch, train_loss, test_loss } = net.stats;
    if (playing || !st.curves[r].epochs.length) addCurvePoint(st.curves[r], epoch, train_loss, test_loss);
  });
  draw(st);
}

// The values over the lattice of the inputs the scene offers but the network does not take (drawn faded),
// computed again only when a new scene (a batch) changes them.
function offInputValues(st, s, res) {
  if (st.offScene === s && st.offRes === res) return st.offCache;
  const off = (s.inputs || []).map(([name]) => name).filter((name) => !s.features.includes(name));
  const key = JSON.stringify([off, res, s.extent, s.formula]);
  if (st.offKey !== key) { st.offKey = key; st.offCache = gridFeatures(off, res, s.extent, s.formula); }
  st.offScene = s; st.offRes = res;
  return st.offCache;
}

function draw(st) {
  if (!st.scene || !st.shown) return;
  const width = st.root.clientWidth;
  if (!width) return;
  const race = Boolean(st.scene.racers);
  if (width !== st.width) {
    st.width = width;
    const layOf = (w) => (race ? raceLayout(w, st.scene.racers.length) : layout(w, st.scene, labelWidth(st.ctx)));
    st.zoom = st.scene.present ? Math.min(2, Math.max(1, width / PRESENT_WIDTH)) : 1;
    st.lay = layOf(width / st.zoom);
    if (st.scene.present && st.lay.height * st.zoom > window.innerHeight - PRESENT_MARGIN) {
      st.zoom = Math.max(1, (window.innerHeight - PRESENT_MARGIN) / st.lay.height);
      st.lay = layOf(width / st.zoom);
    }
    st.links = race ? [] : links(st.lay, st.scene.sizes);
    const dpr = window.devicePixelRatio || 1, height = st.lay.height * st.zoom;
    st.canvas.width = Math.round(width * dpr); st.canvas.height = Math.round(height * dpr);
    st.canvas.style.width = `${width}px`; st.canvas.style.height = `${height}px`;
    st.ctx.setTransform(dpr * st.zoom, 0, 0, dpr * st.zoom, 0, 0);
    st.hover = null;
    placeControls(st.controls, st.lay, st.scene, (name, value) => st.setTrigger && st.setTrigger("reshape", { [name]: value }));
    st.controls.style.transform = st.zoom === 1 ? "" : `scale(${st.zoom})`;  // placed in the layout's units
  }
  paintOn(st, st.ctx);
  const c = st.counters, epoch = st.shown.stats.epoch;
  c.frames += 1;
  if (epoch !== c.epoch) { c.epochs += 1; c.epoch = epoch; }
  Object.assign(st.root.dataset, c);
  if (st.hover && st.hover.link) showTip(st, st.hover);
  const now = performance.now();
  if (now - st.lastLabel > 500 || !st.scene.playing) { st.lastLabel = now; st.canvas.setAttribute("aria-label", describe(st)); }
}

// The picture on ctx, in the layout's units (its transform scales them to pixels), in the scene's palette.
function paintOn(st, ctx) {
  usePalette(st.scene.present ? "high_contrast" : null);
  if (st.scene.racers) paintRace(ctx, st.lay, { nets: st.nets, points: st.points, curves: st.curves });
  else paint(ctx, st.lay, st.links, { layers: st.layers, res: st.res, params: st.shown.params, scene: st.scene,
                                      hover: st.hover, points: st.points, curve: st.curves[0], offValues: st.offValues });
}

// The text alternative of the picture: network (or race), epoch, losses, accuracies.
function describe(st) {
  const s = st.scene, snap = st.shown, texts = snap.texts || [];
  const numbers = (s.readout || []).flatMap(([label, stat], k) => (stat === "epoch" || texts[k] === undefined ? []
    : [`${label} ${texts[k]}`]));  // the texts beside the picture, as batch.py formats them
  const what = s.racers ? `A race of ${s.racers.length} neural networks differing in ${s.setting}`
    : `Neural network ${s.sizes.join("-")}`;
  const state = `${s.playing ? "training" : "paused"} at epoch ${snap.stats.epoch}`;
  return `${what}, ${state}${numbers.length ? `: ${numbers.join(s.racers ? "; " : ", ")}` : ""}.`;
}

// What is under the pointer: a neuron, a bias square, a link (the nearest within 4 px), or the plane.
function hitTest(st, x, y) {
  const lay = st.lay, s = lay.node;
  for (const column of [...lay.nodes, lay.offInputs]) for (const nd of column) {
    if (x >= nd.x && x <= nd.x + s && y >= nd.y && y <= nd.y + s) return { node: nd };
  }
  let best = null, bestD = 4;
  for (const k of st.links) {
    if (k.bias) {
      if (x >= k.x - 1 && x <= k.x + k.size + 1 && y >= k.y - 1 && y <= k.y + k.size + 1) return { link: k };
      continue;
    }
    if (x < k.x0 - 2 || x > k.x1 + 2) continue;
    const t = (x - k.x0) / (k.x1 - k.x0), e = t * t * (3 - 2 * t);  // the bezier's height along x, nearly
    const d = Math.abs(y - (k.y0 + (k.y1 - k.y0) * e));
    if (d < bestD) { bestD = d; best = k; }
  }
  if (best) return { link: best };
  const P = lay.plane;
  if (x >= P.x && x <= P.x + P.size && y >= P.y && y <= P.y + P.size) return { plane: true };
  return null;
}

function linkName(st, k) {
  const labels = st.scene.labels;
  return k.bias ? `b(${labels[k.l + 1][k.k]})` : `w(${labels[k.l][k.i]} → ${labels[k.l + 1][k.k]})`;
}

function showTip(st, hit) {
  const tip = st.tip;
  if (hit.link) {
    tip.textContent = `${linkName(st, hit.link)} = ${st.shown.params[hit.link.index].toFixed(3)}`;
  } else if (hit.node && isInput(st, hit.node)) {
    const nd = hit.node, name = nd.off ? nd.label : st.scene.labels[0][nd.i];
    tip.textContent = nd.off ? `${name} off — click to switch on` : `${name} — click to switch off`;
  } else if (hit.node) {
    const { l, i } = hit.node, name = `neuron ${st.scene.labels[l][i]}`;
    tip.textContent = !isHidden(st, hit.node) || !st.scene.interactive ? name
      : isOff(st.scene, l, i) ? `${name} off — click to switch on` : `${name} — click to switch off`;
  } else { tip.style.display = "none"; return; }
  tip.style.display = "block";
  tip.style.left = `${st.zoom * Math.min(hit.x + 12, st.lay.width - 160)}px`; tip.style.top = `${st.zoom * hit.y + 14}px`;
}

// Whether a node is a hidden neuron (one a click switches off or on, in an interactive scene).
function isHidden(st, nd) {
  return nd.l > 0 && nd.l < st.scene.sizes.length - 1;
}

// A pointer event's place in the layout's units (presentation mode draws them zoomed).
function pointerAt(st, e) {
  const r = st.canvas.getBoundingClientRect();
  return [(e.clientX - r.left) / st.zoom, (e.clientY - r.top) / st.zoom];
}

// Whether a node is an input a click switches on or off (the scene lets a click change the features).
function isInput(st, nd) {
  return nd.l === 0 && st.scene.edits.includes("features");
}

function hoverAt(st, e) {
  if (!st.lay || st.lay.race) return;
  const [x, y] = pointerAt(st, e);
  const hit = hitTest(st, x, y);
  const before = st.hover;
  st.hover = hit && (hit.node || hit.link) ? { ...hit, x, y } : null;
  const clickable = st.scene.interactive && hit
    && (hit.link && !st.scene.playing || hit.plane && st.scene.add_points
        || hit.node && (isHidden(st, hit.node) || isInput(st, hit.node)));
  st.canvas.style.cursor = clickable ? "pointer" : "default";
  showTip(st, st.hover || {});
  if ((before && before.node) !== (st.hover && st.hover.node)) draw(st);
}

function clickAt(st, e) {
  if (!st.lay || st.lay.race || !st.setTrigger || !st.scene.interactive) return;  // a picture to look at
  const [x, y] = pointerAt(st, e);
  const hit = hitTest(st, x, y);
  if (!hit) return;
  if (hit.node && isHidden(st, hit.node)) {
    st.setTrigger("toggle_neuron", { layer: hit.node.l, unit: hit.node.i + 1 });
  } else if (hit.node && isInput(st, hit.node)) {
    st.controls.querySelector(`[data-key="feature-${hit.node.feature}"]`).click();  // as its button does
  } else if (hit.link && !st.scene.playing) {
    const ed = st.editor;
    ed.dataset.index = hit.link.index;
    ed.value = st.shown.params[hit.link.index].toFixed(3);
    ed.style.left = `${st.zoom * Math.min(x, st.lay.width - 90)}px`; ed.style.top = `${st.zoom * y - 12}px`;
    ed.style.display = "block";
    ed.setAttribute("aria-label", `new value of ${linkName(st, hit.link)}`);
    ed.focus(); ed.select();
  } else if (hit.plane && st.scene.add_points) {
    const P = st.lay.plane, [lo, hi] = st.scene.extent;
    const x1 = lo + ((x - P.x) / P.size) * (hi - lo), x2 = hi - ((y - P.y) / P.size) * (hi - lo);
    st.setTrigger("add_point", { x1, x2 });
  }
}

function commitEdit(st) {
  const ed = st.editor, value = Number(ed.value);
  ed.style.display = "none";
  if (ed.value.trim() !== "" && Number.isFinite(value)) st.setTrigger("edit", { index: Number(ed.dataset.index), value });
}

// Streamlit calls this with each batch and calls the cleanup it returns when it unmounts the component, or at
// times before calling it again on the same element, whose state (root.nnpg) is then taken up again: every call
// starts what a cleanup stops (the page's listeners; the animation loop, which receive() starts when st.raf is 0).
export default function (component) {
  const { parentElement, data, setTriggerValue } = component;
  const st = parentElement.querySelector(".nnpg-live")?.nnpg || setup(parentElement);
  st.setTrigger = setTriggerValue;
  document.addEventListener("click", st.onDocClick, true);  // the same listener twice is added once
  st.present.listen();
  if (data) receive(st, decodeBatch(data));
  if (st.scene && st.scene.playing && !st.raf) st.raf = requestAnimationFrame((t) => tick(st, t));
  return () => {
    cancelAnimationFrame(st.raf);
    st.raf = 0;
    document.removeEventListener("click", st.onDocClick, true);
    st.present.remove();
    st.capture.stop();
  };
}
