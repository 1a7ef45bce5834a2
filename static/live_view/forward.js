// The network evaluated over a res x res lattice of the plane, every neuron at once (as nn_core/grid.py).
// Pure: weights in, activations out; no DOM. Point p = i * res + j has x1 = coords[j], x2 = coords[i].

import { evalFormula } from "./formula.js";

export const FEATURES = {
  x1: (a, b) => a,
  x2: (a, b) => b,
  x1_sq: (a, b) => a * a,
  x2_sq: (a, b) => b * b,
  x1x2: (a, b) => a * b,
  sin_x1: (a, b) => Math.sin(a),
  sin_x2: (a, b) => Math.sin(b),
};

const LEAK = 0.01;  // leaky_relu's slope for z < 0 (nn_core/activations.py)

// Each f(z) of the n values of z (Float64Array) written to out (Float32Array).
const ACTIVATIONS = {
  relu: (z, out, n) => { for (let p = 0; p < n; p++) out[p] = z[p] > 0 ? z[p] : 0; },
  leaky_relu: (z, out, n) => { for (let p = 0; p < n; p++) out[p] = z[p] > 0 ? z[p] : LEAK * z[p]; },
  tanh: (z, out, n) => { for (let p = 0; p < n; p++) out[p] = Math.tanh(z[p]); },
  // (1 + tanh(z/2)) / 2: never overflows, as in activations.py
  sigmoid: (z, out, n) => { for (let p = 0; p < n; p++) out[p] = 0.5 + 0.5 * Math.tanh(0.5 * z[p]); },
  linear: (z, out, n) => { for (let p = 0; p < n; p++) out[p] = z[p]; },
};

// The evenly spaced coordinates of numpy.linspace(lo, hi, res).
export function linspace(lo, hi, res) {
  const c = new Float64Array(res), step = (hi - lo) / (res - 1);
  for (let j = 0; j < res; j++) c[j] = lo + j * step;
  if (res > 1) c[res - 1] = hi;
  return c;
}

// The input features over the lattice: one Float32Array of res * res values per feature; "custom" is the
// formula's postfix program (Formula.to_json(), evaluated in float64 as nn_core does, then stored as float32).
export function gridFeatures(features, res, extent, formula) {
  const coords = linspace(extent[0], extent[1], res), n = res * res;
  const x1 = new Float64Array(n), x2 = new Float64Array(n);
  for (let i = 0; i < res; i++) for (let j = 0; j < res; j++) { x1[i * res + j] = coords[j]; x2[i * res + j] = coords[i]; }
  return features.map((name) => {
    if (name === "custom") return Float32Array.from(evalFormula(formula, x1, x2));
    const f = FEATURES[name], out = new Float32Array(n);
    if (!f) throw new Error(`unknown feature ${JSON.stringify(name)}`);
    for (let p = 0; p < n; p++) out[p] = f(x1[p], x2[p]);
    return out;
  });
}

// Buffers for a network of these sizes over n points, reused from picture to picture (a picture allocates
// nothing): a Float32Array per unit of every layer after the inputs, and the pre-activations z (float64) of
// one unit, or of every output unit (softmax needs them all at once). Given one that fits (reuse), returns it.
export function workspace(sizes, n, reuse) {
  if (reuse && reuse.key === `${sizes.join()}/${n}`) return reuse;
  const nOut = sizes[sizes.length - 1], z = new Float64Array(nOut * n);
  return {
    key: `${sizes.join()}/${n}`,
    units: sizes.slice(1).map((m) => Array.from({ length: m }, () => new Float32Array(n))),
    z: Array.from({ length: nOut }, (_, k) => z.subarray(k * n, (k + 1) * n)),
  };
}

// Every layer's activations for inputs (one Float32Array per unit, all of length n):
// net = {sizes, activations, output, params, off}: an activation per hidden layer, params flat as
// Network.params (per layer [W; b], row-major, shape (n_in + 1, n_out)), off the switched-off hidden neurons
// as [layer, unit] pairs counted from 1 (Network.off: their activations are 0). Returns [inputs, hidden...,
// outputs], each a list of Float32Array per unit: the buffers of work (workspace(sizes, n); the next call with
// it overwrites them).
// Unit by unit, z = b + sum_i w_i x_i over all points, four inputs at a time (one pass over z per four
// weights: the passes over memory, not the arithmetic, are what costs); sums in float64 of float32 inputs
// and weights, each activation stored as float32 as the core's.
export function forward(net, inputs, work = workspace(net.sizes, inputs[0].length)) {
  const { sizes, params } = net, n = inputs[0].length, depth = sizes.length - 1;
  const off = new Set((net.off || []).map(([layer, unit]) => `${layer}.${unit}`));
  let offset = 0, a = inputs;
  for (let l = 0; l < depth; l++) {
    const nIn = sizes[l], nOut = sizes[l + 1], last = l + 1 === depth, out = work.units[l];
    const W = (i, k) => params[offset + i * nOut + k];
    for (let k = 0; k < nOut; k++) {
      const z = work.z[last ? k : 0];
      z.fill(params[offset + nIn * nOut + k]);  // the bias row
      let i = 0;
      for (; i + 4 <= nIn; i += 4) {
        const w0 = W(i, k), w1 = W(i + 1, k), w2 = W(i + 2, k), w3 = W(i + 3, k);
        const x0 = a[i], x1 = a[i + 1], x2 = a[i + 2], x3 = a[i + 3];
        for (let p = 0; p < n; p++) z[p] += w0 * x0[p] + w1 * x1[p] + w2 * x2[p] + w3 * x3[p];
      }
      for (; i < nIn; i++) {
        const w = W(i, k), x = a[i];
        for (let p = 0; p < n; p++) z[p] += w * x[p];
      }
      const name = last ? net.output : net.activations[l];
      if (off.has(`${l + 1}.${k + 1}`)) out[k].fill(0);
      else if (name !== "softmax") ACTIVATIONS[name](z, out[k], n);
    }
    if (last && net.output === "softmax") softmax(work.z, out, n);
    offset += (nIn + 1) * nOut;
    a = out;
  }
  return [inputs, ...work.units];
}

// e^z_k / sum_j e^z_j over the units k, shifted by the max for stability.
function softmax(zs, out, n) {
  for (let p = 0; p < n; p++) {
    let max = -Infinity, sum = 0;
    for (const zk of zs) max = Math.max(max, zk[p]);
    for (const zk of zs) sum += Math.exp(zk[p] - max);
    for (let k = 0; k < zs.length; k++) out[k][p] = Math.exp(zs[k][p] - max) / sum;
  }
}

// Every layer's activations over the lattice: forward(net, gridFeatures(...)).
export function evaluateGrid(net, features, res, extent, formula) {
  return forward(net, gridFeatures(features, res, extent, formula));
}
