// Painting the live picture on one canvas: layout, colours (palette.json, which ui/figures.py reads too), heatmaps,
// links, curves.

import palettes from "./palette.json" with { type: "json" };

const rgbOf = (color) => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
const FONT = "Helvetica, Arial, sans-serif";
const THUMB_POINTS = 25;  // neuron thumbnails take 25 x 25 lattice points (every 4th of 100, 3rd of 75, 2nd of 50)

// The colours in use, from the palette usePalette picked (one for the page: presentation mode is the page's).
let palette, NEG, ZERO, POS, CLASS_RGB, TEXT, TRAIN_LINE, TEST_LINE, LEVELS, paletteName;
export let CLASS_COLORS;

// Paint with palette.json's colours (name null), or with those of its named variant (e.g. "high_contrast") over them.
export function usePalette(name) {
  if (name === paletteName && palette) return;
  paletteName = name;
  palette = { ...palettes, ...(name ? palettes[name] : {}) };
  NEG = rgbOf(palette.negative); ZERO = rgbOf(palette.zero); POS = rgbOf(palette.positive);
  CLASS_COLORS = palette.classes.map((c) => c.color);
  CLASS_RGB = CLASS_COLORS.map(rgbOf);
  TEXT = palette.text || "#333"; TRAIN_LINE = palette.train_line; TEST_LINE = palette.positive;
  // 255 shades from -1 (orange) through 0 (grey) to 1 (blue), between the palette's colours: [r, g, b] rows.
  LEVELS = Array.from({ length: 255 }, (_, k) => {
    const v = -1 + (2 * k) / 254, end = v < 0 ? NEG : POS;
    return ZERO.map((z, c) => Math.round(z + (end[c] - z) * Math.abs(v)));
  });
}
usePalette(null);
const level = (v) => LEVELS[Math.round(((v > 1 ? 1 : v < -1 ? -1 : v || 0) + 1) * 127)];
export const colorOf = (v) => { const [r, g, b] = level(v); return `rgb(${r},${g},${b})`; };

// The width in px of a text at the labels' font, measured on ctx.
export function labelWidth(ctx) {
  return (text) => { ctx.font = `10px ${FONT}`; return ctx.measureText(text).width; };
}

const LABEL_H = 11;  // a label's box under its node: 10 px text and 1 px of gap
const TICKS_W = 16, TICKS_H = 12;  // the plane's axis ticks: their labels' room left of it and under it
export const HEAD_ROWS = [22, 22, 24];  // the band above the network: the layers' row, each layer's neurons, its activation and dropout
const overlap = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

// The layout of everything, from the canvas width and the scene's shape (never from the network's values): the
// picture keeps its size whether playing or paused. Labels are drawn under their nodes only if no label box
// overlaps another, a node or a bias square (labelsFit); else a neuron's name shows on hover.
// textWidth(text): a label's width in px (labelWidth(ctx)).
// The input column shows every feature the scene offers (scene.inputs, the off ones in offInputs, faded; nodes[0]
// are the network's inputs), and a band above the network holds the layers' headers (heads: x, w of each hidden
// column's, at y with its rows' heights in HEAD_ROWS; layersHead: the row above them).
export function layout(width, scene, textWidth) {
  const { sizes, labels } = scene, narrow = width < 560, gap = 12;
  const plane = narrow ? Math.min(width - 2 * gap - TICKS_W, 360) : Math.round(Math.min(0.38 * width, 380));
  const lossH = Math.round(Math.max(70, Math.min(110, 0.3 * plane))), legendH = 26;
  const outW = plane, outH = plane + TICKS_H + gap + lossH + legendH;
  const inputs = scene.inputs || scene.features.map((f, k) => [f, labels[0][k]]);
  const column0 = inputs.length, maxN = Math.max(column0, ...sizes.slice(1)), cols = sizes.length;
  const headH = HEAD_ROWS.reduce((a, b) => a + b, 0);
  let net, out, height;
  if (narrow) {
    out = { x: (width - plane + TICKS_W) / 2, y: gap };
    const netH = headH + Math.max(180, Math.min(420, maxN * 32 + 40));
    net = { x: gap, y: out.y + outH + gap, w: width - 2 * gap, h: netH };
    height = net.y + netH + gap;
  } else {
    height = outH + 2 * gap;
    out = { x: width - gap - outW, y: gap };
    net = { x: gap + 8, y: gap, w: width - outW - 3 * gap - 16 - TICKS_W, h: outH };
  }
  // node size: the tallest column fits under the headers with gaps of 0.35 nodes, and room for labels if it allows
  const free = net.h - headH - 20;
  const byHeight = free / (maxN + 0.35 * (maxN - 1));
  const byWidth = net.w / (cols + 1.6 * (cols - 1));
  const node = Math.floor(Math.max(8, Math.min(48, byHeight, byWidth)));
  const vgap = maxN > 1 ? Math.min(node * 1.2, (free - maxN * node) / (maxN - 1)) : 0;
  const pitch = cols > 1 ? (net.w - node) / (cols - 1) : 0;
  const column = (l, k) => {
    const colH = k * node + (k - 1) * vgap, top = net.y + headH + 10 + (free - colH) / 2;
    return Array.from({ length: k }, (_, i) => ({ x: net.x + l * pitch, y: top + i * (node + vgap), l, i }));
  };
  const spots = column(0, column0), offInputs = [];
  const nodes = sizes.map((k, l) => (l ? column(l, k) : scene.features.map((f) => null)));
  inputs.forEach(([name, label], k) => {
    const at = scene.features.indexOf(name);
    if (at >= 0) nodes[0][at] = { ...spots[k], i: at, feature: name };
    else offInputs.push({ ...spots[k], l: 0, i: -1, feature: name, label, off: true });
  });
  const named = nodes.flat().map((nd) => [nd, labels[nd.l][nd.i]]).concat(offInputs.map((nd) => [nd, nd.label]));
  const labelBoxes = named.map(([nd, text]) => {
    const w = textWidth(text);
    return { x: nd.x + node / 2 - w / 2, y: nd.y + node + 1, w, h: LABEL_H };
  });
  const obstacles = nodes.flat().concat(offInputs).flatMap((nd) => [{ x: nd.x, y: nd.y, w: node, h: node },
    ...(nd.l ? [{ x: nd.x - 7, y: nd.y + node - 6, w: 6, h: 6 }] : [])]);
  const labelsFit = labelBoxes.every((b, k) => b.y + b.h <= height
    && labelBoxes.every((c, j) => j <= k || !overlap(b, c)) && obstacles.every((o) => !overlap(b, o)));
  const headW = Math.max(pitch - 4, 40);  // a gap between neighbours' headers
  const heads = sizes.slice(1, -1).map((_, k) => ({ x: net.x + (k + 1) * pitch + node / 2 - headW / 2, w: headW }));
  const span = heads.length ? [heads[0].x, heads[heads.length - 1].x + headW] : [net.x + node, net.x + pitch + node];
  return {
    width, height, narrow, node, nodes, offInputs, labelBoxes, labelsFit, kind: scene.kind, heads,
    headY: net.y, layersHead: { x: span[0], w: span[1] - span[0] },
    plane: { x: out.x, y: out.y, size: plane },
    loss: { x: out.x, y: out.y + plane + TICKS_H + gap, w: outW, h: lossH },
    legend: { x: out.x, y: out.y + plane + TICKS_H + gap + lossH, w: outW, h: legendH },
  };
}

// Whether neuron i (from 0) of column l (0: the inputs) is switched off (scene.off: [layer, unit] from 1).
export function isOff(scene, l, i) {
  return scene.off.some(([layer, unit]) => layer === l && unit === i + 1);
}

// Links: one per weight, in Network.params order within each layer block; biases: one per non-input node.
export function links(lay, sizes) {
  const out = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l], nOut = sizes[l + 1], s = lay.node;
    for (let i = 0; i < nIn; i++) {
      for (let k = 0; k < nOut; k++) {
        const a = lay.nodes[l][i], b = lay.nodes[l + 1][k];
        out.push({ index: offset + i * nOut + k, l, i, k, x0: a.x + s, y0: a.y + s / 2, x1: b.x, y1: b.y + s / 2 });
      }
    }
    for (let k = 0; k < nOut; k++) {
      const b = lay.nodes[l + 1][k];
      out.push({ index: offset + nIn * nOut + k, l, k, bias: true, x: b.x - 7, y: b.y + s - 6, size: 6 });
    }
    offset += (nIn + 1) * nOut;
  }
  return out;
}

// Canvases kept from picture to picture (a picture allocates none): name -> {canvas, ctx, img} of w x h.
const surfaces = new Map();
function surface(name, w, h) {
  let sf = surfaces.get(name);
  if (!sf || sf.img.width !== w || sf.img.height !== h) {
    const canvas = sf ? sf.canvas : document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    sf = { canvas, ctx: canvas.getContext("2d"), img: new ImageData(w, h) };
    surfaces.set(name, sf);
  }
  return sf;
}

// Writes into img, from its column x0, the heatmap of unit values over a res x res lattice (row 0 of the
// image is the top, the highest x2), taking every stride-th point: m x m pixels. Values go through scale
// (to [-1, 1]) and then lighten.
function heatmapInto(img, x0, values, res, stride, scale, lighten) {
  const m = Math.floor((res - 1) / stride) + 1, px = img.data, w = img.width;
  for (let r = 0; r < m; r++) {
    const i = (m - 1 - r) * stride;
    for (let c = 0; c < m; c++) {
      const [R, G, B] = level(scale(values[i * res + c * stride])), o = 4 * (r * w + x0 + c);
      px[o] = 255 - lighten * (255 - R); px[o + 1] = 255 - lighten * (255 - G); px[o + 2] = 255 - lighten * (255 - B);
      px[o + 3] = 255;
    }
  }
}

// Class regions (as figures.class_image): the likeliest class's colour, paler where the network is unsure.
function classImageInto(img, probs, res, discretize) {
  const px = img.data, k = probs.length;
  for (let r = 0; r < res; r++) {
    const i = res - 1 - r;
    for (let c = 0; c < res; c++) {
      const p = i * res + c;
      let best = 0;
      for (let q = 1; q < k; q++) if (probs[q][p] > probs[best][p]) best = q;
      const conf = (probs[best][p] - 1 / k) / (1 - 1 / k);
      const strength = discretize ? palette.discretized_class_strength
        : palette.class_strength * Math.max(0, Math.min(1, conf));
      const rgb = CLASS_RGB[best % CLASS_RGB.length], o = 4 * (r * res + c);
      for (let ch = 0; ch < 3; ch++) px[o + ch] = Math.round(255 - strength * (255 - rgb[ch]));
      px[o + 3] = 255;
    }
  }
}

// How a unit's values map to [-1, 1] in a picture: inputs by their largest |value|; sigmoid and softmax
// outputs (probabilities) as 2p - 1; others as they are (clipped).
export function unitScale(layers, l, k, scene) {
  const last = l === layers.length - 1;
  if (l === 0) return byLargest(layers[0][k]);
  return last && scene.kind !== "regression" ? (v) => 2 * v - 1 : (v) => v;
}

// An input's scale: its values divided by the largest |value|.
function byLargest(values) {
  let m = 1e-9;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return (v) => v / m;
}

// The surface's image drawn at (x, y) as a size x size square; from the m x m square of the image at column sx.
function blit(ctx, sf, sx, m, x, y, size, smooth) {
  ctx.imageSmoothingEnabled = smooth;
  ctx.drawImage(sf.canvas, sx, 0, m, m, x, y, size, size);
}

// The whole picture for one network state. view = {layers, res, params, stats, curve, hover, points, scene,
// offValues: the values of each of lay.offInputs over the lattice}.
export function paint(ctx, lay, linkList, view) {
  const { layers, res, params, scene, hover } = view, s = lay.node;
  ctx.clearRect(0, 0, lay.width, lay.height);
  ctx.font = `10px ${FONT}`;
  // links, then nodes over them
  let biggest = 1e-9;
  for (const k of linkList) if (!k.bias) biggest = Math.max(biggest, Math.abs(params[k.index]));
  // the widest link: 5.8 px beside 48-px nodes, narrower with smaller nodes (a dense network stays legible, and
  // a wide antialiased curve is what costs most to draw: 1840 links on 8 layers of 16)
  const widest = Math.max(1.5, Math.min(5.8, 0.12 * s));
  for (const k of linkList) {
    if (k.bias) continue;
    const w = params[k.index];
    ctx.globalAlpha = isOff(scene, k.l, k.i) || isOff(scene, k.l + 1, k.k) ? 0.12 : 0.75;  // faint: nothing flows
    ctx.strokeStyle = w >= 0 ? palette.positive : palette.negative;
    ctx.lineWidth = 0.5 + (widest - 0.5) * Math.min(1, Math.abs(w) / biggest);
    ctx.beginPath(); ctx.moveTo(k.x0, k.y0);
    const mx = (k.x0 + k.x1) / 2;
    ctx.bezierCurveTo(mx, k.y0, mx, k.y1, k.x1, k.y1);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  // every neuron's thumbnail in one atlas image, put on its canvas at once; then the off inputs', faded
  const stride = Math.max(1, Math.round(res / THUMB_POINTS)), m = Math.floor((res - 1) / stride) + 1;
  const offValues = view.offValues || [];
  const atlas = surface("thumbnails", m * (lay.nodes.flat().length + offValues.length), m);
  let q = 0;
  lay.nodes.forEach((column, l) => column.forEach((_, i) => {
    heatmapInto(atlas.img, m * q++, layers[l][i], res, stride, unitScale(layers, l, i, scene), 1);
  }));
  for (const values of offValues) heatmapInto(atlas.img, m * q++, values, res, stride, byLargest(values), 1);
  atlas.ctx.putImageData(atlas.img, 0, 0);
  lay.offInputs.forEach((nd, k) => {
    const hovered = hover && hover.node === nd;
    ctx.globalAlpha = hovered ? 0.6 : 0.3;
    blit(ctx, atlas, m * (q - offValues.length + k), m, nd.x, nd.y, s, false);
    ctx.strokeStyle = hovered ? "#000" : "#999"; ctx.lineWidth = hovered ? 2 : 1;
    ctx.strokeRect(nd.x + 0.5, nd.y + 0.5, s - 1, s - 1);
    ctx.globalAlpha = 0.65;
    if (lay.labelsFit) {
      ctx.fillStyle = TEXT; ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText(nd.label, nd.x + s / 2, nd.y + s + 1);
    }
    ctx.globalAlpha = 1;
  });
  q = 0;
  lay.nodes.forEach((column, l) => column.forEach((nd, i) => {
    blit(ctx, atlas, m * q++, m, nd.x, nd.y, s, false);
    if (isOff(scene, l, i)) paintOff(ctx, nd, s);
    const hovered = hover && hover.node === nd;
    ctx.strokeStyle = hovered ? "#000" : "#999"; ctx.lineWidth = hovered ? 2 : 1;
    ctx.strokeRect(nd.x + 0.5, nd.y + 0.5, s - 1, s - 1);
    if (lay.labelsFit) {
      ctx.fillStyle = TEXT; ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText(scene.labels[l][i], nd.x + s / 2, nd.y + s + 1);
    }
  }));
  for (const k of linkList) {
    if (!k.bias) continue;
    ctx.fillStyle = colorOf(params[k.index]);
    ctx.fillRect(k.x, k.y, k.size, k.size);
    ctx.strokeStyle = "#666"; ctx.lineWidth = 0.5; ctx.strokeRect(k.x, k.y, k.size, k.size);
  }
  paintPlane(ctx, lay, view);
  paintTicks(ctx, lay.plane, scene.extent);
  paintLoss(ctx, lay.loss, view.curve);
  paintLegend(ctx, lay.legend, scene);
}

// A switched-off neuron: its (flat grey) thumbnail washed out and crossed.
function paintOff(ctx, nd, s) {
  ctx.fillStyle = "rgba(255,255,255,0.6)"; ctx.fillRect(nd.x, nd.y, s, s);
  ctx.strokeStyle = "#777"; ctx.lineWidth = 1.5; ctx.beginPath();
  ctx.moveTo(nd.x + 3, nd.y + 3); ctx.lineTo(nd.x + s - 3, nd.y + s - 3);
  ctx.moveTo(nd.x + s - 3, nd.y + 3); ctx.lineTo(nd.x + 3, nd.y + s - 3); ctx.stroke();
}

function paintPlane(ctx, lay, view) {
  const { layers, res, scene, points } = view, P = lay.plane;
  const hover = view.hover && view.hover.node && !view.hover.node.off ? view.hover : null;  // an off input: no values
  const out = layers[layers.length - 1];
  const sf = surface("plane", res, res);
  if (hover) {
    const { l, i } = hover.node;
    heatmapInto(sf.img, 0, layers[l][i], res, 1, unitScale(layers, l, i, scene), palette.plane_strength);
  } else if (scene.kind === "multiclass") {
    classImageInto(sf.img, out, res, scene.discretize);
  } else {
    const scale = scene.kind === "binary" ? (v) => 2 * v - 1 : (v) => v;
    const show = scene.discretize ? (v) => Math.sign(scale(v)) : scale;
    heatmapInto(sf.img, 0, out[0], res, 1, show, palette.plane_strength);
  }
  sf.ctx.putImageData(sf.img, 0, 0);
  blit(ctx, sf, 0, res, P.x, P.y, P.size, true);
  ctx.strokeStyle = "#bbb"; ctx.lineWidth = 1; ctx.strokeRect(P.x + 0.5, P.y + 0.5, P.size - 1, P.size - 1);
  if (points) paintPoints(ctx, P, points, scene);
  if (hover) {
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(P.x + 4, P.y + 4, 120, 16);
    ctx.fillStyle = TEXT; ctx.font = `bold 11px ${FONT}`; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(`neuron ${scene.labels[hover.node.l][hover.node.i]}`, P.x + 8, P.y + 6);
    ctx.font = `10px ${FONT}`;
  }
}

// The plane's axes: x1 under it, x2 left of it, ticks at the ends, the quarters and 0.
function paintTicks(ctx, P, extent) {
  const [lo, hi] = extent;
  ctx.font = `9px ${FONT}`; ctx.fillStyle = TEXT; ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = 0; k <= 4; k++) {
    const v = lo + (k * (hi - lo)) / 4, text = fmtTick(v), [x, y] = toPlane(P, extent, v, v);
    ctx.moveTo(x, P.y + P.size); ctx.lineTo(x, P.y + P.size + 3);
    ctx.moveTo(P.x, y); ctx.lineTo(P.x - 3, y);
    ctx.textAlign = k === 0 ? "left" : k === 4 ? "right" : "center"; ctx.textBaseline = "top";
    ctx.fillText(text, x, P.y + P.size + 3);
    ctx.textAlign = "right"; ctx.textBaseline = k === 0 ? "bottom" : k === 4 ? "top" : "middle";
    ctx.fillText(text, P.x - 4, y);
  }
  ctx.stroke();
  ctx.font = `10px ${FONT}`;
}

const fmtTick = (v) => String(Math.round(v * 100) / 100);

export function toPlane(P, extent, x1, x2) {
  const [lo, hi] = extent;
  return [P.x + ((x1 - lo) / (hi - lo)) * P.size, P.y + ((hi - x2) / (hi - lo)) * P.size];
}

function paintPoints(ctx, P, points, scene) {
  const n = points.length / 3;
  for (let p = 0; p < n; p++) {
    const test = p >= scene.n_train;
    if (test && !scene.show_test) break;
    const [x, y] = toPlane(P, scene.extent, points[3 * p], points[3 * p + 1]), v = points[3 * p + 2];
    ctx.fillStyle = scene.kind === "regression" ? colorOf(v) : CLASS_COLORS[v % CLASS_COLORS.length];
    ctx.strokeStyle = test || scene.kind === "regression" ? "#222" : "#fff";
    ctx.lineWidth = test ? 1.4 : 1;
    ctx.beginPath();
    if (test) ctx.rect(x - 3.5, y - 3.5, 7, 7); else ctx.arc(x, y, 3.2, 0, 2 * Math.PI);
    ctx.fill(); ctx.stroke();
  }
}

// Loss curves in box: series = [{epochs, values, color, dash, width, scale}], on one epoch axis from 0 and one loss axis
// from 0; legend = [{text, color, dash}] drawn along the top, right-aligned.
function paintCurves(ctx, box, series, legend) {
  const { x, y, w, h } = box;
  // the legend first: its entries wrap onto as many lines as they need, and the chart starts below them
  ctx.font = `10px ${FONT}`;
  const widths = legend.map((e) => 24 + ctx.measureText(e.text).width), spots = [];
  let lx = x + w - Math.min(w - 40, widths.reduce((a, b) => a + b, 0)), ly = y + 5;
  widths.forEach((width) => {
    if (lx + width > x + w + 1) { lx = x + 40; ly += 12; }
    spots.push([lx, ly]); lx += width;
  });
  const left = x + 34, bottom = y + h - 14, top = ly + 9;
  ctx.fillStyle = TEXT; ctx.textBaseline = "middle";
  let hiLoss = 1e-12, firstEpoch = Infinity, lastEpoch = -Infinity;
  for (const s of series) {  // a series with scale false (a racer out of the race) is drawn, clipped, not scaled to
    if (s.scale !== false) for (const v of s.values) if (Number.isFinite(v)) hiLoss = Math.max(hiLoss, v);
    if (s.epochs.length) {
      firstEpoch = Math.min(firstEpoch, s.epochs[0]); lastEpoch = Math.max(lastEpoch, s.epochs[s.epochs.length - 1]);
    }
  }
  const shown = lastEpoch >= firstEpoch;  // the epochs it shows, first to last (a restored run starts later)
  if (!shown) { firstEpoch = 0; lastEpoch = 1; }
  const span = Math.max(lastEpoch - firstEpoch, 1);
  const X = (e) => left + ((x + w - left - 4) * (e - firstEpoch)) / span, Y = (v) => bottom - ((bottom - top) * Math.min(v, hiLoss)) / hiLoss;
  ctx.strokeStyle = "#ddd"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(left, top); ctx.lineTo(left, bottom); ctx.lineTo(x + w - 4, bottom); ctx.stroke();
  ctx.textAlign = "right";
  ctx.fillText(fmt(hiLoss), left - 3, top); ctx.fillText("0", left - 3, bottom);
  ctx.textBaseline = "top";
  ctx.textAlign = "center"; ctx.fillText("epoch", (left + x + w) / 2, bottom + 2);
  if (shown) {
    ctx.textAlign = "left";
    if (lastEpoch > firstEpoch) ctx.fillText(firstEpoch.toLocaleString("en"), left, bottom + 2);
    ctx.textAlign = "right"; ctx.fillText(lastEpoch.toLocaleString("en"), x + w - 4, bottom + 2);
  }
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 2; ctx.setLineDash(s.dash); ctx.beginPath();
    let started = false;
    for (let k = 0; k < s.epochs.length; k++) {
      if (!Number.isFinite(s.values[k])) continue;
      if (started) ctx.lineTo(X(s.epochs[k]), Y(s.values[k])); else ctx.moveTo(X(s.epochs[k]), Y(s.values[k]));
      started = true;
    }
    ctx.stroke(); ctx.setLineDash([]);
  }
  ctx.textAlign = "left"; ctx.textBaseline = "middle"; ctx.lineWidth = 2;
  legend.forEach((e, k) => {
    const [ex, ey] = spots[k];
    ctx.strokeStyle = e.color; ctx.setLineDash(e.dash);
    ctx.beginPath(); ctx.moveTo(ex, ey); ctx.lineTo(ex + 16, ey); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = TEXT; ctx.fillText(e.text, ex + 19, ey);
  });
}

function paintLoss(ctx, box, curve) {
  paintCurves(ctx, box, [{ epochs: curve.epochs, values: curve.train, color: TRAIN_LINE, dash: [] },
                         { epochs: curve.epochs, values: curve.test, color: TEST_LINE, dash: [5, 3] }],
              [{ text: "train loss", color: TRAIN_LINE, dash: [] }, { text: "test loss", color: TEST_LINE, dash: [5, 3] }]);
}

const CARD_TITLE = 20, CARD_TEXT = 16;

// The layout of a race of n networks: a card per racer (title, output plane, numbers) in a row (two per row
// on a phone), then one loss chart for all of them and the legend of the classes; a race of two on a wide
// screen has the chart beside its cards, so that all of it stays in view.
export function raceLayout(width, n) {
  const gap = 12, narrow = width < 560, beside = !narrow && n <= 2;
  const cols = narrow ? Math.min(n, 2) : n, slots = beside ? n + 1 : cols, rows = Math.ceil(n / cols);
  const cardW = Math.floor((width - gap * (slots + 1)) / slots), plane = Math.min(cardW, 340);
  const cardH = CARD_TITLE + plane + CARD_TEXT + gap, legendH = 26;
  const cards = Array.from({ length: n }, (_, r) => {
    const x = gap + (r % cols) * (cardW + gap) + (cardW - plane) / 2, y = gap + Math.floor(r / cols) * cardH;
    return { x, y, w: plane, plane: { x, y: y + CARD_TITLE, size: plane } };
  });
  if (beside) {
    const x = gap + n * (cardW + gap), h = CARD_TITLE + plane - legendH;
    return { width, height: cardH + gap, race: true, cards, loss: { x, y: gap, w: cardW, h },
             legend: { x, y: gap + h, w: cardW, h: legendH } };
  }
  const top = gap + rows * cardH, lossH = Math.round(Math.max(130, Math.min(200, 0.55 * plane)));
  return { width, height: top + lossH + legendH + gap, race: true, cards,
           loss: { x: gap, y: top, w: width - 2 * gap, h: lossH }, legend: { x: gap, y: top + lossH, w: width - 2 * gap, h: legendH } };
}

// A race's picture. view = {nets: [{layers, res, scene, stats}], points, curves}: each racer's output plane
// with its name and numbers, and every racer's losses on one chart (test solid, train dotted).
export function paintRace(ctx, lay, view) {
  const { nets, points, curves } = view;
  ctx.clearRect(0, 0, lay.width, lay.height);
  const series = [], legend = [];
  nets.forEach((v, r) => {
    const card = lay.cards[r], color = palette.racers[r % palette.racers.length], s = v.scene;
    ctx.fillStyle = color; ctx.fillRect(card.x, card.y + 3, 12, 12);
    ctx.fillStyle = TEXT; ctx.font = `bold 13px ${FONT}`; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    ctx.fillText(s.label, card.x + 17, card.y + 9, card.w - 17);
    paintPlane(ctx, { plane: card.plane }, { layers: v.layers, res: v.res, scene: s, hover: null, points });
    const { train_loss: train, test_loss: test, test_accuracy: testAcc } = v.stats, P = card.plane;
    if (s.diverged) {
      ctx.fillStyle = "rgba(255,255,255,0.75)"; ctx.fillRect(P.x, P.y, P.size, P.size);
      ctx.fillStyle = TEXT; ctx.font = `bold 13px ${FONT}`; ctx.textAlign = "center";
      ctx.fillText("diverged: out of the race", P.x + P.size / 2, P.y + P.size / 2, P.size - 8);
    }
    const wide = card.w >= 250, pct = Number.isFinite(testAcc) ? `${(100 * testAcc).toFixed(1)}%` : "";
    const numbers = wide ? `test loss ${fmt(test)} · train ${fmt(train)}${pct && ` · test accuracy ${pct}`}`
      : `test loss ${fmt(test)}${pct && ` · ${pct}`}`;
    ctx.fillStyle = TEXT; ctx.font = `11px ${FONT}`; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(numbers, card.x, P.y + P.size + 3, card.w);
    const c = curves[r] || { epochs: [], train: [], test: [] };
    const scale = !s.diverged || nets.every((n) => n.scene.diverged);
    series.push({ epochs: c.epochs, values: c.train, color, dash: [2, 3], width: 1.3, scale },
                { epochs: c.epochs, values: c.test, color, dash: [], scale });
    legend.push({ text: s.label, color, dash: [] });
  });
  legend.push({ text: "test loss", color: "#999", dash: [] }, { text: "train loss", color: "#999", dash: [2, 3] });
  paintCurves(ctx, lay.loss, series, legend);
  paintLegend(ctx, lay.legend, nets[0].scene);
}

export function fmt(v) {
  if (!Number.isFinite(v)) return "–";
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : v.toPrecision(3);
}

function paintLegend(ctx, box, scene) {
  const { x, y, w } = box, mid = y + box.h / 2;
  ctx.textBaseline = "middle"; ctx.fillStyle = TEXT;
  if (scene.kind === "multiclass") {
    let cx = x;
    for (let c = 0; c < scene.sizes[scene.sizes.length - 1]; c++) {
      ctx.fillStyle = CLASS_COLORS[c % CLASS_COLORS.length];
      ctx.beginPath(); ctx.arc(cx + 5, mid, 4.5, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = TEXT; ctx.textAlign = "left"; ctx.fillText(`class ${c}`, cx + 12, mid);
      cx += 56;
    }
    return;
  }
  const binary = scene.kind === "binary", ends = binary ? ["class 0", "class 1"] : ["-1", "1"];
  const barX = x + (binary ? 44 : 34), barW = Math.min(160, w - 150);
  for (let k = 0; k < barW; k++) {
    ctx.fillStyle = colorOf(-1 + (2 * k) / (barW - 1));
    ctx.fillRect(barX + k, mid - 5, 1.5, 10);
  }
  ctx.fillStyle = TEXT;
  ctx.textAlign = "right"; ctx.fillText(ends[0], barX - 4, mid);
  ctx.textAlign = "left"; ctx.fillText(ends[1], barX + barW + 4, mid);
  if (!binary) ctx.fillText("predicted value", barX + barW + 16, mid);
}
