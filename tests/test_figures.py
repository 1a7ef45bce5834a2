"""Figures are pure functions of data: checked without a browser."""


import numpy as np
import pandas as pd

from ui import figures


def test_multiclass_regions_take_their_class_colour():
    probs = np.zeros((4, 4, 3), np.float32)
    probs[..., 2] = 1.0
    probs[0, 0] = [1.0, 0.0, 0.0]
    rgb = figures.class_image(probs)
    def shade(color, strength=0.85):  # a certain class: 85 % of its colour over white
        rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])
        return np.rint(255 - strength * (255 - rgb))

    np.testing.assert_array_equal(rgb[1, 1], shade(figures.CLASS_COLORS[2]))
    np.testing.assert_array_equal(rgb[0, 0], shade(figures.CLASS_COLORS[0]))
    unsure = figures.class_image(np.full((1, 1, 3), 1 / 3, np.float32))
    np.testing.assert_array_equal(unsure[0, 0], [255, 255, 255])  # a pure guess is white
    solid = figures.class_image(np.full((1, 1, 3), [0.4, 0.35, 0.25], np.float32), discretize=True)
    np.testing.assert_array_equal(solid[0, 0], shade(figures.CLASS_COLORS[0], 0.55))  # discretised: as live, 55 %


def test_gradient_curves_are_thinned_and_skip_an_empty_layer():
    history = pd.DataFrame({"epoch": np.arange(5000), "grad_1": np.linspace(1, 0.1, 5000), "grad_2": np.nan})
    fig = figures.gradient_figure(history)
    assert [t.name for t in fig.data] == ["layer 1"]
    assert len(fig.data[0].x) <= figures.MAX_LINE_POINTS and fig.data[0].x[-1] == 4999


def test_confusion_figure_counts_per_cell_shaded_by_the_true_class_share():
    matrix = np.array([[8, 2, 0], [1, 3, 0], [0, 0, 0]])  # class 2 has no points
    fig = figures.confusion_figure(matrix)
    cells = fig.data[0]
    np.testing.assert_array_equal(np.asarray(cells.text), matrix.astype(str))
    np.testing.assert_allclose(np.asarray(cells.z), [[0.8, 0.2, 0], [0.25, 0.75, 0], [0, 0, 0]])
    assert list(cells.x) == list(cells.y) == ["class 0", "class 1", "class 2"]
    assert fig.layout.xaxis.title.text == "predicted" and fig.layout.yaxis.title.text == "true"
    assert fig.layout.yaxis.autorange == "reversed"  # class 0 on top, the diagonal from top left


def test_score_figure_draws_training_and_test_from_the_history():
    history = pd.DataFrame({"epoch": [1, 2, 3], "train_accuracy": [0.5, 0.7, 0.9], "test_accuracy": [0.4, 0.6, 0.8],
                            "train_r2": [np.nan] * 3, "test_r2": [np.nan] * 3})
    fig = figures.score_figure(history, "accuracy")
    assert [t.name for t in fig.data] == ["train", "test"]
    np.testing.assert_array_equal(fig.data[1].y, np.float32([0.4, 0.6, 0.8]))
    assert fig.layout.yaxis.tickformat == ".0%"
    assert not figures.score_figure(history, "r2").data  # a column of NaN (classes): no line
    long = pd.DataFrame({"epoch": np.arange(5000), "train_r2": np.linspace(-1e300, 1, 5000), "test_r2": 0.5})
    fig = figures.score_figure(long, "r2")  # redrawn every second while playing: a few hundred float32 points
    assert len(fig.data[0].x) <= figures.LIVE_LINE_POINTS and fig.data[0].x[-1] == 4999
    assert fig.data[0].y.dtype == np.float32 and fig.data[0].y[0] == -np.inf and fig.data[0].y[-1] == 1


def test_compare_figure_overlays_test_losses_the_run_on_screen_dashed():
    a = np.array([[0, 1.0, 1.1], [1, 0.5, 0.6]])
    now = np.array([[0, 0.9, 0.95]])
    fig = figures.compare_figure([a, np.empty((0, 3)), now], ["Run 1", "Run 2", "now"])
    assert [t.name for t in fig.data] == ["Run 1", "now"]  # an empty curve draws no line
    np.testing.assert_array_equal(fig.data[0].y, [1.1, 0.6])
    assert fig.data[0].line.dash == "solid" and fig.data[1].line.dash == "dash"


def test_the_output_image_has_the_pictures_colours_with_the_highest_x2_on_top():
    p = np.array([[0.0, 0.5], [1.0, 1.0]])  # row 0 is the lowest x2 (as the grid), row 1 the highest
    rgb = figures.output_image(p, "binary")
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    hex_of = ["#" + bytes(px).hex() for px in rgb.reshape(-1, 3)]
    assert hex_of == [figures.POS_COLOR, figures.POS_COLOR, figures.NEG_COLOR, figures.ZERO_COLOR]
    assert (figures.output_image(np.array([[-3.0, np.nan]]), "regression") ==
            figures.value_image(np.array([[-1.0, 0.0]]))).all()  # clipped, and NaN as 0
    assert (figures.output_image(np.array([[0.6, 0.4]]), "binary", discretize=True)[0, 0] ==
            figures.value_image(np.array([1.0]))).all()
    probs = np.array([[[0.1, 0.8, 0.1]]])
    assert (figures.output_image(probs, "multiclass") == figures.class_image(probs)).all()
