"""The browser's forward pass (static/live_view/forward.js, run in Chromium) equals nn_core's over the plane.

The live view evaluates the network in the browser from the weights it is sent; this checks every layer's
activations against ``Grid.activations`` (float32) for every hidden activation, every feature, and the
binary, multi-class and regression outputs, the custom feature for a few formulas, and networks with an
activation per layer and neurons switched off; and that ``batch.js`` reads a batch ``playground.batch`` built
from an experiment (and from a race) field by field, by name, as Python wrote it.  No server: the page
and the modules (which import each other) are answered by Playwright's routing from ``static/live_view/``.
"""

import base64
import json

import numpy as np
import pytest

from nn_core import Network
from nn_core.activations import HIDDEN_ACTIVATIONS
from nn_core.datasets import EXTENT
from nn_core.features import DEFAULT_FORMULA, FEATURES
from nn_core.formula import parse
from nn_core.grid import Grid
from playground import params
from playground.batch import STATS, encode_frames, frame, points_of, readout_texts, scene
from playground.experiment import Experiment
from playground.race import Race
from tests.browser import chromium
from ui.live_view import ASSETS

pytestmark = pytest.mark.browser
RES = 100

ORIGIN = "http://nnpg.test"  # never reaches a network: every request to it is answered by the route below
EVALUATE = """async ([net, features, res, extent, formula]) => {
  const { evaluateGrid } = await import("/forward.js");
  const params = new Float32Array(Uint8Array.from(atob(net.params), (c) => c.charCodeAt(0)).buffer);
  const layers = evaluateGrid({ ...net, params }, features, res, extent, formula);
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

# (features, hidden sizes, activation (one, or one per hidden layer), output, outputs, custom feature's formula)
CASES = {f"{act}, all features": (list(FEATURES), [5, 3], act, "sigmoid", 1, DEFAULT_FORMULA)
         for act in HIDDEN_ACTIVATIONS}
CASES.update({f"{name} alone": ([name], [3], "tanh", "sigmoid", 1, DEFAULT_FORMULA) for name in FEATURES})
CASES.update({
    f"custom = {text}": (["x1", "custom"], [4, 2], "tanh", "sigmoid", 1, text)
    for text in ["sin(x1)*cos(x2)", "sqrt(x1**2+x2**2)", "log(x1) - 1/x2"]  # the last: NaN and infinities, clipped
})
CASES.update({
    "multi-class softmax": (["x1", "x2"], [6, 4], "relu", "softmax", 4, DEFAULT_FORMULA),
    "regression": (["x1", "x2", "x1x2"], [4], "tanh", "linear", 1, DEFAULT_FORMULA),
    "regression, tanh output": (["x1", "x2"], [3, 3], "leaky_relu", "tanh", 1, DEFAULT_FORMULA),
    "no hidden layer": (["x1_sq", "x2_sq"], [], "tanh", "sigmoid", 1, DEFAULT_FORMULA),
    "custom, all features": (list(FEATURES), [5, 3], "tanh", "sigmoid", 1, "sqrt(x1**2+x2**2)"),
    "mixed activations": (["x1", "x2", "x1x2"], [4, 4, 3, 3, 2], list(HIDDEN_ACTIVATIONS), "sigmoid", 1,
                          DEFAULT_FORMULA),
    "mixed, softmax": (["x1", "x2"], [5, 3], ["leaky_relu", "sigmoid"], "softmax", 3, DEFAULT_FORMULA),
})
OFF = {"mixed activations": [(1, 1), (1, 4), (3, 2), (5, 2)], "mixed, softmax": [(2, 3)],
       "tanh, all features": [(2, 1)]}  # switched-off neurons (layer, unit), from 1
EPS32 = 2.0 ** -23  # float32's relative rounding


def float32_bounds(net, layers):
    """How far the core's float32 activations may be from exact, per layer: a float32 sum of n terms errs by
    at most about n roundings of the sum of |terms|, and an error of the layer before reaches z through |W|
    (every activation here changes by at most as much as z does)."""
    bounds, bound = [EPS32 * float(np.abs(layers[0]).max())], EPS32 * float(np.abs(layers[0]).max())
    for block, a in zip(net.layer_views(net.params), layers[:-1]):
        W, b = block[:-1], block[-1]
        a = a.reshape(-1, a.shape[-1]).astype(np.float64)
        terms = np.abs(a) @ np.abs(W) + np.abs(b)
        bound = bound * float(np.abs(W).sum(axis=0).max()) + (W.shape[0] + 1) * EPS32 * float(terms.max())
        bounds.append(bound)
    return bounds


def serve_assets(route):
    name = route.request.url.removeprefix(ORIGIN + "/")
    if name == "":
        route.fulfill(content_type="text/html", body="<!doctype html><title>forward.js</title>")
    else:  # a JSON module (palette.json) is imported only when served as JSON, as Streamlit serves it
        kind = "application/json" if name.endswith(".json") else "text/javascript"
        route.fulfill(content_type=kind, body=(ASSETS / name).read_text())


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", serve_assets)
        page.goto(ORIGIN + "/")
        yield page


@pytest.mark.parametrize("name", CASES)
def test_browser_activations_equal_the_core_grid(page, name):
    features, hidden, activation, output, n_out, formula = CASES[name]
    net = Network([len(features), *hidden, n_out], activation, output, seed=3, off=OFF.get(name, ()))
    rng = np.random.default_rng(4)
    net.params[:] = rng.normal(0, 1.2, net.params.shape)  # biases too, and weights large enough to saturate
    expected = Grid(features, RES, EXTENT, formula).activations(net)
    spec = {"sizes": net.sizes, "activations": net.activations, "off": net.off, "output": output,
            "params": base64.b64encode(net.params.astype("<f4").tobytes()).decode()}
    got = page.evaluate(EVALUATE, [spec, features, RES, list(EXTENT), parse(formula).to_json()])
    assert len(got) == len(expected)
    for layer, (text, want, bound) in enumerate(zip(got, expected, float32_bounds(net, expected))):
        units = np.frombuffer(base64.b64decode(text), "<f4").reshape(want.shape[-1], RES, RES)
        js = np.moveaxis(units, 0, -1)
        scale = max(float(np.abs(want).max()), 1.0)
        np.testing.assert_allclose(js, want, rtol=1e-5, atol=max(1e-5 * scale, bound), err_msg=f"layer {layer}")
    for layer, unit in net.off:  # the check above compares them with the core's zeros
        assert not np.any(expected[layer][..., unit - 1])


@pytest.mark.parametrize("sizes, res", [([2, 4, 2, 1], 100), ([7, 8, 8, 8, 8, 8, 8, 1], 100),  # TFPG's largest
                                        ([2, 8, 8, 8, 8, 8, 8, 8, 8, 1], 75), ([2, *[16] * 8, 1], 50)])
def test_the_lattice_is_coarser_only_for_networks_larger_than_tensorflow_playgrounds(page, sizes, res):
    assert page.evaluate("async (sizes) => (await import('/main.js')).resolution(sizes)", sizes) == res


DECODE = """async (data) => {
  const { decodeBatch } = await import("/batch.js");
  const b = decodeBatch(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  return { meta: b.meta, n: b.n, nParams: b.nParams, stats: b.stats, params: Array.from(b.params),
           points: b.points && Array.from(b.points), curve: b.curve && Array.from(b.curve) };
}"""


def race_batch():
    """A playing race's batch (two racers of different shapes, regression: no accuracies) with its curves."""
    race = Race(params.decode({"dataset": "plane", "problem": "regression", "race": "hidden:3/4,2"})[0], grid_res=8)
    frames = []
    for _ in range(3):
        race.train_epoch()
        frames.append(frame(race.trainers))
    curves = [tr.loss_curve() for tr in race.trainers]
    meta = {**scene(race.experiments[0], playing=True, stream=2, data_id=9, race=race),
            "curve_rows": [len(c) for c in curves]}
    return race.experiments[0], meta, frames, np.vstack(curves)


def experiment_batch():
    """A paused network's batch, with test points (shown), the custom feature and the loss curve."""
    exp = Experiment(params.decode({"dataset": "spiral", "features": "x1,x2,custom", "show_test": "true",
                                    "hidden": "5,3"})[0], grid_res=8)
    exp.trainer.run(4)
    meta = scene(exp, playing=False, stream=5, data_id=7, add_points=True)
    return exp, meta, [frame([exp.trainer])], exp.trainer.loss_curve()


@pytest.mark.parametrize("build", [experiment_batch, race_batch])
def test_batch_js_reads_every_field_by_name_as_python_wrote_it(page, build):
    exp, meta, frames, curve = build()
    data = encode_frames(meta, frames, points_of(exp), curve)
    got = page.evaluate(DECODE, base64.b64encode(data).decode())
    rows = [row for f in frames for row in f]
    texts = [readout_texts(meta, [s for s, _ in f]) for f in frames]
    assert got["meta"] == json.loads(json.dumps({**meta, "readout_texts": texts, "stats_names": list(STATS)}))
    assert got["n"] == len(rows) and got["nParams"] == max(len(p) for _, p in rows)
    for stats, (want, _) in zip(got["stats"], rows):
        assert list(stats) == list(STATS)
        np.testing.assert_array_equal([stats[name] for name in STATS], want)  # NaN where there is none
    flat = np.float32(got["params"]).reshape(len(rows), -1)
    for params_js, (_, want) in zip(flat, rows):  # each network's, zero-padded to the largest
        np.testing.assert_array_equal(params_js[:len(want)], want)
        assert not params_js[len(want):].any()
    np.testing.assert_array_equal(np.float32(got["points"]).reshape(-1, 3), points_of(exp).astype(np.float32))
    np.testing.assert_array_equal(np.reshape(got["curve"], (-1, 3)), curve)


MOUNT_AGAIN = """async ([first, second]) => {
  const mount = (await import("/main.js")).default;
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const element = document.createElement("div");
  element.style.width = "900px";
  document.body.append(element);
  const needs = [];
  const setTriggerValue = (name, value) => { if (name === "need") needs.push(value); };
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const counters = () => ({ ...element.querySelector(".nnpg-live").dataset });
  const cleanup = mount({ parentElement: element, data: bytes(first), setTriggerValue });
  await wait(400);
  cleanup();  // as Streamlit may do before it calls the component again on the same element
  const before = counters();
  mount({ parentElement: element, data: bytes(second), setTriggerValue });
  await wait(1500);
  return { before, after: counters(), needs };
}"""


def test_the_picture_plays_on_when_streamlit_cleans_up_and_mounts_again_on_the_same_element(page):
    """Seen in Chromium (a lesson picked, then Play): Streamlit called the live view's cleanup, then the view
    again on the same element with the next batch; the animation stayed stopped, so the picture froze at
    epoch 2 while Pause showed, and asked for nothing more.  Two playing batches of one stream, a cleanup
    between them: every snapshot of the second is drawn, and the view asks for the next batch."""
    exp = Experiment(params.decode({"dataset": "xor"})[0], grid_res=8)
    meta = scene(exp, playing=True, stream=1, data_id=1)
    batches = []
    for _ in range(2):
        frames = []
        for _ in range(10):
            exp.trainer.train_epoch()
            frames.append(frame([exp.trainer]))
        batches.append(base64.b64encode(encode_frames(meta, frames, points_of(exp), None)).decode())
    got = page.evaluate(MOUNT_AGAIN, batches)
    assert got["before"]["epoch"] == "10" and got["before"]["mounts"] == got["after"]["mounts"]  # one element
    assert got["after"]["epoch"] == "20" and int(got["after"]["frames"]) >= int(got["before"]["frames"]) + 10
    assert got["needs"] and got["needs"][-1]["have"] == 20


SERVED = """async ([batches, delayMs, seconds]) => {
  const mount = (await import("/main.js")).default;
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const element = document.createElement("div");
  element.style.width = "600px";
  document.body.append(element);
  let next = 1;
  const needs = [];
  const setTriggerValue = (name, value) => {  // a server that answers every request delayMs later
    if (name !== "need" || next >= batches.length) return;
    needs.push(value);
    const data = bytes(batches[next++]);
    setTimeout(() => mount({ parentElement: element, data, setTriggerValue }), delayMs);
  };
  const shown = [];  // [time, epoch drawn] at every animation frame
  let watching = true;
  const watch = (t) => {
    shown.push([t, Number(element.querySelector(".nnpg-live").dataset.epoch)]);
    if (watching) requestAnimationFrame(watch);
  };
  const cleanup = mount({ parentElement: element, data: bytes(batches[0]), setTriggerValue });
  requestAnimationFrame(watch);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  watching = false;
  cleanup();
  element.remove();
  return { shown, needs };
}"""


def served_batches(count, size):
    """``count`` playing batches of ``size`` snapshots each, epochs 1, 2, ... of one stream."""
    exp = Experiment(params.decode({"dataset": "xor"})[0], grid_res=8)
    meta = scene(exp, playing=True, stream=1, data_id=1)
    batches = []
    for _ in range(count):
        frames = []
        for _ in range(size):
            exp.trainer.train_epoch()
            frames.append(frame([exp.trainer]))
        batches.append(base64.b64encode(encode_frames(meta, frames, points_of(exp), None)).decode())
    return batches


def new_frames(shown, after):
    """The times (s) at which the picture showed a new epoch, from ``after`` s on."""
    start = shown[0][0]
    return [(t - start) / 1000 for (t, e), (_, before) in zip(shown[1:], shown) if e != before
            and (t - start) / 1000 >= after]


def test_a_slow_server_is_played_at_its_pace_without_standing_still(page):
    """A crowded server answers each request a second later with 20 snapshots: the picture plays about 20 a
    second, evenly, instead of 20 at 60 a second and then standing still for most of a second (bench/load.py's
    *still* share); the requests go out ahead, so that the answer comes before the queue runs dry."""
    got = page.evaluate(SERVED, [served_batches(12, 20), 1000, 9])
    times = new_frames(got["shown"], after=4)
    assert 12 <= len(times) / (times[-1] - times[0]) <= 28
    assert max(b - a for a, b in zip(times, times[1:])) < 0.25
    assert got["needs"][-1]["fps"] >= 30  # the display's rate, not the pace: the server still fills ahead


def test_a_fast_server_is_played_at_sixty_frames_a_second(page):
    got = page.evaluate(SERVED, [served_batches(12, 30), 50, 4])
    times = new_frames(got["shown"], after=1)
    assert len(times) / (times[-1] - times[0]) >= 45
    assert max(b - a for a, b in zip(times, times[1:])) < 0.1
