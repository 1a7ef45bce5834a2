// The network evaluated over a res x res lattice of the plane, every neuron at once (as nn_core/grid.py).
// Pure: weights in, activations out; no DOM. Point p = i * res + j has x1 = coords[j], x2 = coords[i].

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

// Each f(z) applied in place to the n values of z (Float64Array) and written to out (Float32Array).
const ACTIVATIONS = {
  relu: (z, out) => { for (let p = 0; p < z.length; p++) out[p] = z[p] > 0 ? z[p] : 0; },
  leaky_relu: (z, out) => { for (let p = 0; p < z.length; p++) out[p] = z[p] > 0 ? z[p] : LEAK * z[p]; },
  tanh: (z, out) => { for (let p = 0; p < z.length; p++) out[p] = Math.tanh(z[p]); },
  // (1 + tanh(z/2)) / 2: never overflows, as in activations.py
  sigmoid: (z, out) => { for (let p = 0; p < z.length; p++) out[p] = 0.5 + 0.5 * Math.tanh(0.5 * z[p]); },
  linear: (z, out) => { for (let p = 0; p < z.length; p++) out[p] = z[p]; },
};

// The evenly spaced coordinates of numpy.linspace(lo, hi, res).
export function linspace(lo, hi, res) {
  const c = new Float64Array(res), step = (hi - lo) / (res - 1);
  for (let j = 0; j < res; j++) c[j] = lo + j * step;
  if (res > 1) c[res - 1] = hi;
  return c;
}

// The input features over the lattice: one Float32Array of res * res values per feature.
export function gridFeatures(features, res, extent) {
  const coords = linspace(extent[0], extent[1], res), n = res * res;
  return features.map((name) => {
    const f = FEATURES[name], out = new Float32Array(n);
    for (let i = 0; i < res; i++) for (let j = 0; j < res; j++) out[i * res + j] = f(coords[j], coords[i]);
    return out;
  });
}

// Every layer's activations for inputs (one Float32Array per unit, all of length n):
// net = {sizes, activation, output, params}, params flat as Network.params (per layer [W; b], row-major,
// shape (n_in + 1, n_out)). Returns [inputs, hidden..., outputs], each a list of Float32Array per unit.
export function forward(net, inputs) {
  const { sizes, params } = net, n = inputs[0].length, z = new Float64Array(n);
  const layers = [inputs];
  let offset = 0, a = inputs;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const nIn = sizes[l], nOut = sizes[l + 1], last = l + 2 === sizes.length;
    const zs = [];
    for (let k = 0; k < nOut; k++) {
      z.fill(params[offset + nIn * nOut + k]);  // the bias row
      for (let i = 0; i < nIn; i++) {
        const w = params[offset + i * nOut + k], x = a[i];
        for (let p = 0; p < n; p++) z[p] += w * x[p];
      }
      zs.push(Float64Array.from(z));
    }
    offset += (nIn + 1) * nOut;
    const name = last ? net.output : net.activation;
    const out = zs.map(() => new Float32Array(n));
    if (name === "softmax") softmax(zs, out);
    else zs.forEach((zk, k) => ACTIVATIONS[name](zk, out[k]));
    layers.push(out);
    a = out;
  }
  return layers;
}

// e^z_k / sum_j e^z_j over the units k, shifted by the max for stability.
function softmax(zs, out) {
  const n = zs[0].length;
  for (let p = 0; p < n; p++) {
    let max = -Infinity, sum = 0;
    for (const zk of zs) max = Math.max(max, zk[p]);
    for (const zk of zs) sum += Math.exp(zk[p] - max);
    zs.forEach((zk, k) => { out[k][p] = Math.exp(zk[p] - max) / sum; });
  }
}

// Every layer's activations over the lattice: forward(net, gridFeatures(...)).
export function evaluateGrid(net, features, res, extent) {
  return forward(net, gridFeatures(features, res, extent));
}
