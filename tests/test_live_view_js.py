"""The browser's forward pass (static/live_view/forward.js, run in Chromium) equals nn_core's over the plane.

The live view evaluates the network in the browser from the weights it is sent; this checks every layer's
activations against ``Grid.activations`` (float32) for every hidden activation, every feature, and the
binary, multi-class and regression outputs.  No server: the module is imported into a blank page.
"""

import base64

import numpy as np
import pytest

from nn_core import Network
from nn_core.activations import HIDDEN_ACTIVATIONS
from nn_core.datasets import EXTENT
from nn_core.features import FEATURES
from nn_core.grid import Grid
from tests.browser import chromium
from ui.live_view import ASSETS

pytestmark = pytest.mark.browser
RES = 100

EVALUATE = """async ([source, net, features, res, extent]) => {
  const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
  const { evaluateGrid } = await import(url);
  const params = new Float32Array(Uint8Array.from(atob(net.params), (c) => c.charCodeAt(0)).buffer);
  const layers = evaluateGrid({ ...net, params }, features, res, extent);
  const toBase64 = (units) => {
    const all = new Float32Array(units.length * units[0].length);
    units.forEach((u, k) => all.set(u, k * u.length));
    const bytes = new Uint8Array(all.buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    return btoa(text);
  };
  return layers.map(toBase64);
}"""

# NOT YET COVERED: the feature "custom" (a formula). forward.js does not compute it yet; formula.js's
# evalFormula(Formula.to_json(), x1, x2) does (tests/test_formula_js.py), and gridFeatures must call it.
FIXED_FEATURES = [f for f in FEATURES if f != "custom"]
CASES = {f"{act}, all features": (FIXED_FEATURES, [5, 3], act, "sigmoid", 1) for act in HIDDEN_ACTIVATIONS}
CASES.update({
    f"{name} alone": ([name], [3], "tanh", "sigmoid", 1) for name in FIXED_FEATURES
})
CASES.update({
    "multi-class softmax": (["x1", "x2"], [6, 4], "relu", "softmax", 4),
    "regression": (["x1", "x2", "x1x2"], [4], "tanh", "linear", 1),
    "regression, tanh output": (["x1", "x2"], [3, 3], "leaky_relu", "tanh", 1),
    "no hidden layer": (["x1_sq", "x2_sq"], [], "tanh", "sigmoid", 1),
})


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<!doctype html><title>forward.js</title>")
        yield page


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_browser_activations_equal_the_core_grid(page, case):
    features, hidden, activation, output, n_out = case
    net = Network([len(features), *hidden, n_out], activation, output, seed=3)
    rng = np.random.default_rng(4)
    net.params[:] = rng.normal(0, 1.2, net.params.shape)  # biases too, and weights large enough to saturate
    expected = Grid(features, RES, EXTENT).activations(net)
    spec = {"sizes": net.sizes, "activation": activation, "output": output,
            "params": base64.b64encode(net.params.astype("<f4").tobytes()).decode()}
    got = page.evaluate(EVALUATE, [(ASSETS / "forward.js").read_text(), spec, features, RES, list(EXTENT)])
    assert len(got) == len(expected)
    for layer, (text, want) in enumerate(zip(got, expected)):
        units = np.frombuffer(base64.b64decode(text), "<f4").reshape(want.shape[-1], RES, RES)
        js = np.moveaxis(units, 0, -1)
        scale = max(float(np.abs(want).max()), 1.0)
        np.testing.assert_allclose(js, want, rtol=1e-5, atol=1e-5 * scale, err_msg=f"layer {layer}")
