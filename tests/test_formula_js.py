"""static/live_view/formula.js, run in Chromium, evaluates a formula's program as nn_core.formula does.

The module is imported into a blank page (no server); the grid includes 0 and the edges of the plane, where
log, division and negative powers give infinities and NaN, so the clipping rules are compared too.
"""

import numpy as np
import pytest

from nn_core.datasets import EXTENT
from nn_core.formula import LIMIT, parse
from tests.browser import chromium
from ui.live_view import ASSETS

pytestmark = pytest.mark.browser
SOURCE = ASSETS / "formula.js"
COORDS = np.linspace(*EXTENT, 61)  # includes 0
X1, X2 = (a.ravel() for a in np.meshgrid(COORDS, COORDS))
FORMULAS = ["x1*x2", "sin(x1)*cos(x2)", "sqrt(x1**2+x2**2)", "abs(x1)-x2", "exp(-x1**2)", "tan(x1) + tanh(x2)",
            "log(x1)", "1/x1 - x2/0", "sqrt(x1 - x2)", "x1**-3 + x2**0.5", "exp(x1*x2)", "-(x1 - 2.5e-1)**3 / 7",
            "log(abs(x1*x2)) * sin(3*x2)", "0/0 + x1", "exp(100*x1) - exp(-100*x2)", "2", "x1**10 / 1e3"]

EVALUATE = """async ([source, programs, x1, x2]) => {
  const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
  const { evalFormula } = await import(url);
  const a = Float64Array.from(x1), b = Float64Array.from(x2);
  const results = programs.map((p) => Array.from(evalFormula(p, a, b)));
  let refused = "";
  try { evalFormula(["x1", "constructor"], a, b); } catch (e) { refused = e.message; }
  return { results, refused };
}"""


@pytest.fixture(scope="module")
def page():
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<!doctype html><title>formula.js</title>")
        yield page


def test_the_browser_evaluates_formulas_as_python_does(page):
    programs = [parse(text).to_json() for text in FORMULAS]
    got = page.evaluate(EVALUATE, [SOURCE.read_text(), programs, X1.tolist(), X2.tolist()])
    for text, js in zip(FORMULAS, got["results"]):
        want = parse(text).evaluate(X1, X2)
        js = np.array(js)
        assert np.isfinite(js).all() and np.abs(js).max() <= LIMIT, text
        np.testing.assert_allclose(js, want, rtol=1e-6, atol=1e-12, err_msg=text)
    assert "constructor" in got["refused"]  # an unknown token is refused, even an Object property
