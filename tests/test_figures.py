"""Figures are pure functions of data: checked without a browser."""

import base64
import io
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from PIL import Image

from nn_core.experiment import Experiment
from ui import figures, pictures, svg

EXTENT = (-6.0, 6.0)


def right_half_positive(res=20):
    """P(class 1) = 1 where x1 > 0 (columns), 0 elsewhere; row i is x2 = coords[i]."""
    coords = np.linspace(*EXTENT, res)
    return np.broadcast_to((coords > 0).astype(np.float32), (res, res)).copy()


def test_boundary_heatmap_puts_x1_on_columns_and_uses_the_shared_scale():
    grid = right_half_positive()
    X, y = np.array([[1.0, 2.0], [-3.0, 0.5]]), np.array([1, 0])
    fig = figures.boundary_figure(grid, EXTENT, X, y, kind="binary")
    z = np.asarray(fig.data[0].z)
    assert z.dtype == np.int8
    assert (z[:, 10:] == 127).all() and (z[:, :10] == -127).all()  # blue right, orange left
    points = fig.data[1]
    np.testing.assert_array_equal(points.x, [1.0, -3.0])
    np.testing.assert_array_equal(points.marker.color, [1, 0])
    assert len(fig.data) == 2
    with_test = figures.boundary_figure(grid, EXTENT, X, y, X, y, kind="binary", show_test=True)
    assert len(with_test.data) == 3 and with_test.data[2].marker.symbol == "diamond"
    for axis in (fig.layout.xaxis, fig.layout.yaxis):  # a square plane: y shows -6..6 as x does, not -8..8
        assert tuple(axis.range) == EXTENT and axis.constrain == "domain"


def test_multiclass_regions_take_their_class_colour():
    probs = np.zeros((4, 4, 3), np.float32)
    probs[..., 2] = 1.0
    probs[0, 0] = [1.0, 0.0, 0.0]
    rgb = figures.class_image(probs)
    def shade(color):  # a certain class: 85 % of its colour over white
        rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
        return np.rint(255 - 0.85 * (255 - rgb))

    np.testing.assert_array_equal(rgb[1, 1], shade(figures.CLASS_COLORS[2]))
    np.testing.assert_array_equal(rgb[0, 0], shade(figures.CLASS_COLORS[0]))
    unsure = figures.class_image(np.full((1, 1, 3), 1 / 3, np.float32))
    np.testing.assert_array_equal(unsure[0, 0], [255, 255, 255])  # a pure guess is white
    solid = figures.class_image(np.full((1, 1, 3), [0.4, 0.35, 0.25], np.float32), discretize=True)
    np.testing.assert_array_equal(solid[0, 0], shade(figures.CLASS_COLORS[0]))  # discretised: as a sure class


def test_network_links_carry_every_weight_by_sign_and_size():
    weights = [np.array([[0.5, -2.0, 0.1], [1.0, -0.2, 0.0]]), np.array([[3.0], [-1.0], [0.25]])]
    labels = [["x1", "x2"], ["1.1", "1.2", "1.3"], ["output"]]
    thumbs = [np.zeros((6, 6, k), np.float32) for k in (2, 3, 1)]
    fig = figures.network_figure(labels, weights, thumbs)
    scatters = [t for t in fig.data if t.type == "scatter"]
    hover = next(t for t in scatters if t.hovertemplate and "w(" in t.hovertemplate)
    np.testing.assert_allclose(hover.customdata, np.concatenate([w.ravel() for w in weights]))
    assert list(hover.text[:2]) == ["x1 → 1.1", "x1 → 1.2"]
    lines = [t for t in scatters if t.mode == "lines"]
    for t in lines:  # colour by sign, width grows with |w|
        assert t.line.color in (figures.POS_COLOR, figures.NEG_COLOR)
    assert max(t.line.width for t in lines if t.line.color == figures.POS_COLOR) == figures.LINK_WIDTHS[-1]
    np.testing.assert_array_equal(figures.link_width_bins([0.0, 1.0, 2.9, 3.0]), [0, 1, 3, 3])


def test_loss_curves_skip_a_missing_test_set():
    history = pd.DataFrame({"epoch": [0, 1, 2], "train_loss": [0.7, 0.5, 0.4], "test_loss": [np.nan] * 3})
    fig = figures.loss_figure(history)
    assert [t.name for t in fig.data] == ["train"]
    long = pd.DataFrame({"epoch": np.arange(5000), "train_loss": np.linspace(1, 0, 5000),
                         "test_loss": np.linspace(1, 0.1, 5000)})
    fig = figures.loss_figure(long)
    assert len(fig.data[0].x) <= figures.MAX_LINE_POINTS and fig.data[0].x[-1] == 4999


SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(markup):
    """The SVG's element tree (it must be well-formed XML, or the browser shows a broken image)."""
    return ElementTree.fromstring(markup)


def embedded_jpeg(href):
    assert href.startswith("data:image/jpeg;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1]))).convert("RGB"), np.int16)


def test_live_output_picture_is_an_svg_of_the_output_with_the_points_in_place():
    exp = Experiment({})
    grid, _ = pictures.pictures(exp)
    res = grid.shape[0]
    grid[:, : res // 2] = 0.0  # class 0 (orange) left, class 1 (blue) right
    grid[:, res // 2:] = 1.0
    lo, hi = exp.grid.extent
    X = np.array([[lo, hi], [hi, lo], [0.0, 0.0]])
    markup = svg.boundary_svg(grid, exp.grid.extent, X, np.array([0, 1, 1]), X[:1], np.array([1]), size=200)
    root = parse_svg(markup)
    assert (root.get("width"), root.get("height")) == ("200", "200")
    image = root.find(f"{SVG}image")
    img = embedded_jpeg(image.get("href"))
    assert img.shape[:2] == (res, res)
    left, right = img[res // 2, 2], img[res // 2, -3]
    assert left[0] > left[2] and right[2] > right[0]
    # the grid's outer cells are centred on the frame's edges: half a cell beyond it on each side
    half_cell = 200 * svg.UNIT / (res - 1) / 2
    assert float(image.get("x")) == pytest.approx(-half_cell, abs=1)
    assert float(image.get("width")) == pytest.approx(200 * svg.UNIT + 2 * half_cell, abs=1)
    circles = root.findall(f".//{SVG}circle")
    assert [(int(c.get("cx")), int(c.get("cy"))) for c in circles] == [(0, 0), (2000, 2000), (1000, 1000)]
    assert [c.get("fill") for c in circles] == [figures.CLASS_COLORS[0], figures.CLASS_COLORS[1],
                                                figures.CLASS_COLORS[1]]
    assert not root.findall(f".//{SVG}path")  # test points only when asked for
    with_test = parse_svg(svg.boundary_svg(grid, exp.grid.extent, X, np.array([0, 1, 1]), X[:1], np.array([1]),
                                           show_test=True))
    assert len(with_test.findall(f".//{SVG}path")) == 1
    assert svg.data_url(markup).startswith("data:image/svg+xml;base64,")


@pytest.mark.parametrize("hidden", [(3, 2), (8, 6), (16,) * 8])
def test_live_network_picture_has_every_node_label_and_link_inside_the_frame(hidden):
    exp = Experiment({"hidden": hidden})
    _, thumbs = pictures.pictures(exp)
    labels = pictures.layer_labels(exp)
    exp.net.weights[0][0, 0] = -5.0  # the largest weight: negative, widest
    root = parse_svg(svg.network_svg(labels, exp.net.weights, thumbs))
    assert [t.text for t in root.iter(f"{SVG}text")] == [label for column in labels for label in column]
    nodes = root.findall(f"{SVG}g/{SVG}svg")
    assert len(nodes) == sum(map(len, labels))
    width, height = (float(root.get(side)) * svg.UNIT for side in ("width", "height"))
    for node in nodes:  # a tall network is scaled down to fit, as the Plotly diagram is
        x, y, side = (float(node.get(k)) for k in ("x", "y", "width"))
        assert 0 <= x and x + side <= width and 0 <= y and y + side <= height
    r = thumbs[0].shape[0]
    strip = embedded_jpeg(root.find(f".//{SVG}image").get("href"))
    assert strip.shape[:2] == (r + 2, (r + 2) * len(nodes))  # one padded tile per node
    assert nodes[3].get("viewBox") == f"{3 * (r + 2) + 1} 1 {r} {r}"
    links = root.findall(f"{SVG}g/{SVG}path")
    assert sum(p.get("d").count("M") for p in links) == sum(w.size for w in exp.net.weights)
    widest = max(links, key=lambda p: float(p.get("stroke-width")))
    assert widest.get("stroke") == figures.NEG_COLOR
    assert float(widest.get("stroke-width")) == figures.LINK_WIDTHS[-1] * svg.UNIT


def test_live_loss_curves_break_at_missing_values():
    curve = np.array([[0, 0.7, np.nan], [1, 0.5, np.nan], [2, np.nan, np.nan], [3, 0.3, np.nan]])
    root = parse_svg(svg.loss_svg(curve))
    lines = [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == str(2 * svg.UNIT)]
    assert len(lines) == 2  # the train line and its legend entry: no test line without test values
    assert lines[0].get("d").count("M") == 2 and lines[0].get("d").count("L") == 1
    assert "train" in [t.text for t in root.iter(f"{SVG}text")]
    parse_svg(svg.loss_svg(np.empty((0, 3))))  # no epochs yet: empty axes


@given(st.floats(-1e300, 1e300), st.floats(1e-300, 1e300))
def test_axis_ticks_are_round_numbers_in_range_with_distinct_labels(lo, span):
    assume(span >= 1e-9 * max(abs(lo), 1e-290) and np.isfinite(lo + span))  # a range float64 can tell apart
    hi = lo + span
    ticks, labels = svg.nice_ticks(lo, hi)
    assert 2 <= len(ticks) <= 11 and lo <= ticks[0] + 1e-9 * span and ticks[-1] <= hi + 1e-9 * span
    step = ticks[-1] / (len(ticks) - 1) - ticks[0] / (len(ticks) - 1)
    mantissa = step / 10 ** np.floor(np.log10(step) + 1e-9)
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-6
    assert len(set(labels)) == len(labels)
    assert svg.nice_ticks(0, 1000)[1] == ["0", "200", "400", "600", "800", "1,000"]
    assert svg.nice_ticks(0, 4e300)[1][:2] == ["0e+00", "1e+300"]


@given(st.lists(st.tuples(st.floats(0, 1e308, allow_nan=False), st.floats(allow_nan=True, allow_infinity=True)),
                max_size=30))
def test_live_loss_curves_draw_any_losses_a_run_can_produce(rows):
    """Huge losses before a divergence, NaN or infinite ones, flat ones: always a well-formed picture."""
    curve = np.array([(epoch, loss, loss / 2) for epoch, (_, loss) in enumerate(rows)], np.float64).reshape(-1, 3)
    with np.errstate(over="raise", invalid="raise"):  # no infinite or NaN coordinate on the way
        parse_svg(svg.loss_svg(curve))
