// A custom feature's formula evaluated in the browser, as nn_core/formula.py's evaluate does.
// The program is Formula.to_json(): postfix tokens, each a number (push it), "x1"/"x2" (push the variable)
// or an operator (pop its arguments, push the result). The server checked it; an unknown token throws.
// Then NaN becomes 0 and the rest is clipped to [-LIMIT, LIMIT], as in Python.

const LIMIT = 1e6;

const UNARY = new Map(Object.entries({
  neg: (a) => -a,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, tanh: Math.tanh,
  exp: Math.exp, log: Math.log, sqrt: Math.sqrt, abs: Math.abs,
}));
const BINARY = new Map(Object.entries({
  "+": (a, b) => a + b, "-": (a, b) => a - b, "*": (a, b) => a * b, "/": (a, b) => a / b,
  "**": (a, b) => Math.pow(a, b),
}));

// The formula at every point: x1 and x2 are arrays (or typed arrays) of one length; returns a Float64Array.
export function evalFormula(program, x1, x2) {
  const n = x1.length, out = new Float64Array(n), stack = new Float64Array(program.length);
  for (const t of program) {
    if (typeof t !== "number" && t !== "x1" && t !== "x2" && !UNARY.has(t) && !BINARY.has(t)) {
      throw new Error(`unknown formula token ${JSON.stringify(t)}`);
    }
  }
  for (let p = 0; p < n; p++) {
    let top = 0;
    for (const t of program) {
      if (typeof t === "number") stack[top++] = t;
      else if (t === "x1") stack[top++] = x1[p];
      else if (t === "x2") stack[top++] = x2[p];
      else if (UNARY.has(t)) stack[top - 1] = UNARY.get(t)(stack[top - 1]);
      else { top--; stack[top - 1] = BINARY.get(t)(stack[top - 1], stack[top]); }
    }
    const v = stack[0];
    out[p] = Number.isNaN(v) ? 0 : Math.min(LIMIT, Math.max(-LIMIT, v));
  }
  return out;
}
