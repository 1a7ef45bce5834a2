"""The network: a hand-worked step, the tutorial's equivalence, determinism, the API and its errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from nn_core import Network, Trainer, tutorial


def test_a_hand_worked_step():
    """2-1 network, sigmoid output, bce, one sample, SGD with lr 0.5, every number by hand."""
    net = Network([2, 1], output_activation="sigmoid")
    net.weights[0][:, 0] = [0.5, -0.25]
    net.biases[0][0] = 0.1
    X, y = np.array([[1.0, 2.0]]), np.array([1])
    # z = 0.5 * 1 - 0.25 * 2 + 0.1 = 0.1;  a = sigmoid(0.1) = 0.52497918747894
    assert net.predict(X)[0, 0] == pytest.approx(0.52497918747894, abs=1e-12)
    # bce = -log(a) = 0.64439666007;  dL/dz = a - y = -0.47502081252106
    assert net.loss(X, y, "bce") == pytest.approx(0.6443966600735709, abs=1e-12)
    dW, db = net.gradients(X, y, "bce")
    np.testing.assert_allclose(dW[0][:, 0], [-0.47502081252106, -0.95004162504212], atol=1e-12)
    assert db[0][0] == pytest.approx(-0.47502081252106, abs=1e-12)
    tr = Trainer(net, X, y, loss="bce", optimizer="sgd", learning_rate=0.5, batch_size=None)
    tr.train_step()
    # w <- w - 0.5 * grad
    np.testing.assert_allclose(net.weights[0][:, 0], [0.73751040626053, 0.22502081252106], atol=1e-12)
    assert net.biases[0][0] == pytest.approx(0.33751040626053, abs=1e-12)


def tutorial_setup(seed=3):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X, y


def test_network_configured_as_the_tutorial_gives_the_same_weights():
    X, y = tutorial_setup()
    start = tutorial.initialize_network(2, 4, 1, seed=7)
    expected, _ = tutorial.train_network(X, y[:, None].astype(float), 4, 200, 2.0,
                                         network={k: v.copy() for k, v in start.items()})
    net = Network([2, 4, 1], activation="sigmoid", output_activation="sigmoid")
    for l, (w, b) in enumerate([("W1", "b1"), ("W2", "b2")]):
        net.weights[l][...] = start[w]
        net.biases[l][...] = start[b]
    Trainer(net, X, y, loss="mse", optimizer="sgd", learning_rate=2.0, batch_size=None).run(200)
    for l, (w, b) in enumerate([("W1", "b1"), ("W2", "b2")]):
        assert np.max(np.abs(net.weights[l] - expected[w])) < 1e-12
        assert np.max(np.abs(net.biases[l] - expected[b])) < 1e-12
    assert np.max(np.abs(start["W1"] - expected["W1"])) > 0.1  # and training did move the weights


def test_uniform_init_is_the_tutorials_init():
    net = Network([2, 4, 1], activation="sigmoid", init="uniform", seed=11)
    start = tutorial.initialize_network(2, 4, 1, seed=11)
    np.testing.assert_array_equal(net.weights[0], start["W1"])
    np.testing.assert_array_equal(net.weights[1], start["W2"])


def test_tutorial_learns_xor_and_predicts():
    X, y = tutorial_setup()
    network, losses = tutorial.train_network(X, y[:, None].astype(float), 6, 3000, 3.0, seed=0)
    assert losses[-1] < losses[0] / 5
    assert np.mean(tutorial.predict(X, network)[:, 0] == y) >= 0.9


def test_seeded_determinism():
    X, y = tutorial_setup()

    def run(seed):
        net = Network([2, 5, 1], activation="tanh", seed=seed)
        tr = Trainer(net, X, y, learning_rate=0.1, batch_size=4, seed=seed)
        tr.run(5)
        return net.params.copy(), tr.history

    (p1, h1), (p2, h2), (p3, _) = run(1), run(1), run(2)
    np.testing.assert_array_equal(p1, p2)
    assert h1.equals(h2)
    assert not np.array_equal(p1, p3)


def test_shapes_and_weights_are_views():
    net = Network([3, 5, 4, 2], activation="relu", output_activation="softmax")
    X = np.random.default_rng(0).normal(size=(6, 3))
    acts = net.forward(X)
    assert [a.shape for a in acts] == [(6, 3), (6, 5), (6, 4), (6, 2)]
    np.testing.assert_allclose(acts[-1].sum(axis=1), 1)
    assert [w.shape for w in net.weights] == [(3, 5), (5, 4), (4, 2)]
    assert [b.shape for b in net.biases] == [(5,), (4,), (2,)]
    before = net.predict(X).copy()
    net.weights[2][...] = 0.0
    net.biases[2][...] = [1.0, -1.0]
    after = net.predict(X)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after[:, 0], 1 / (1 + np.exp(-2)))
    assert repr(net) == "Network(3-5-4-2, relu -> softmax)"


@pytest.mark.parametrize("kwargs, words", [
    ({"activation": "swish"}, ["activation", "relu", "tanh"]),
    ({"output_activation": "relu"}, ["output_activation", "sigmoid", "softmax"]),
    ({"init": "zeros"}, ["init", "xavier", "he"]),
    ({"sizes": [2]}, ["sizes"]),
    ({"sizes": [2, 0, 1]}, ["sizes"]),
    ({"sizes": [2, 1], "output_activation": "softmax"}, ["softmax", "2 outputs"]),
])
def test_bad_arguments_name_the_parameter_and_the_choices(kwargs, words):
    kwargs = {"sizes": [2, 3, 1], **kwargs}
    with pytest.raises(ValueError) as err:
        Network(**kwargs)
    for w in words:
        assert w in str(err.value)


def test_loss_must_suit_the_output():
    net = Network([2, 3, 1], output_activation="linear")
    with pytest.raises(ValueError, match="loss 'bce' needs output_activation in sigmoid"):
        net.loss(np.zeros((2, 2)), np.zeros(2), "bce")
    with pytest.raises(ValueError, match="loss must be one of mse, bce, cross_entropy"):
        net.loss(np.zeros((2, 2)), np.zeros(2), "hinge")
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        net.predict(np.zeros((2, 3)))


def test_json_round_trip():
    net = Network([2, 6, 3], activation="leaky_relu", output_activation="softmax", seed=5)
    net.params[:] = np.random.default_rng(5).normal(size=net.params.shape)
    back = Network.from_dict(json.loads(json.dumps(net.to_dict())))
    X = np.random.default_rng(6).normal(size=(9, 2))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    assert repr(back) == repr(net)


def good_dict():
    return Network([2, 3, 1], seed=0).to_dict()


@pytest.mark.parametrize("break_it", [
    lambda d: "not a dict",
    lambda d: {k: v for k, v in d.items() if k != "weights"},
    lambda d: {**d, "sizes": [2, 3]},
    lambda d: {**d, "sizes": [2, 10**6, 1]},
    lambda d: {**d, "sizes": "2,3,1"},
    lambda d: {**d, "activation": "__import__('os')"},
    lambda d: {**d, "weights": [[[0.0] * 3] * 2, [[float("nan")]] * 3]},
    lambda d: {**d, "weights": [[["a"] * 3] * 2, [[0.0]] * 3]},
    lambda d: {**d, "weights": d["weights"][:1]},
    lambda d: {**d, "biases": [[0.0] * 4, [0.0]]},
    lambda d: {**d, "seed": "x"},
])
def test_malformed_or_hostile_models_are_refused(break_it):
    with pytest.raises(ValueError):
        Network.from_dict(break_it(good_dict()))


def test_importing_the_core_loads_neither_streamlit_nor_plotly():
    code = "import sys, nn_core, playground.experiment, playground.export; " \
           "print([m for m in ('streamlit', 'plotly') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
