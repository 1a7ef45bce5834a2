"""R² and the confusion matrix: against hand computations, and as the Trainer records them."""

import math

import numpy as np
import pytest

from nn_core.metrics import confusion_matrix, predicted_classes, r2_score
from playground.experiment import Experiment


def test_r2_by_hand():
    y = [1.0, 2.0, 3.0, 4.0]  # mean 2.5, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
    assert r2_score(y, [1.0, 2.0, 3.0, 5.0]) == pytest.approx(1 - 1 / 5)
    assert r2_score(y, y) == 1.0
    assert r2_score(y, [2.5] * 4) == 0.0  # the mean predictor
    assert r2_score(y, [4.0, 3.0, 2.0, 1.0]) == pytest.approx(1 - 20 / 5)  # worse than the mean: negative
    # two outputs: SS_res and SS_tot summed over both (1 + 0) / (5 + 2)
    assert r2_score([[1, 0], [2, 1], [3, 0], [4, 1]], [[1, 0], [2, 1], [3, 0], [5, 1]]) == pytest.approx(1 - 1 / 6)
    assert math.isnan(r2_score([3.0, 3.0], [1.0, 2.0]))  # constant targets: undefined
    with pytest.raises(ValueError, match="shape"):
        r2_score([1.0, 2.0], [1.0])


def test_confusion_matrix_by_hand():
    np.testing.assert_array_equal(confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 2), [[1, 1], [1, 2]])
    labels, predicted = [0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 1, 1, 0, 2]
    np.testing.assert_array_equal(confusion_matrix(labels, predicted, 3), [[2, 0, 0], [0, 1, 1], [0, 1, 2]])
    np.testing.assert_array_equal(confusion_matrix([], [], 2), np.zeros((2, 2)))
    for bad in (([0, 3], [0, 1]), ([0, 1], [0, -1]), ([0.5, 1], [0, 1]), ([0, 1], [0])):
        with pytest.raises(ValueError):
            confusion_matrix(np.array(bad[0]), np.array(bad[1]), 3)
    np.testing.assert_array_equal(predicted_classes([[0.2], [0.7], [0.5]]), [0, 1, 0])
    np.testing.assert_array_equal(predicted_classes([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]), [1, 0])


def test_the_history_records_r2_for_regression():
    exp = Experiment({"problem": "regression", "dataset": "plane", "hidden": (3,), "noise": 0.1})
    exp.trainer.run(10)
    last = exp.trainer.history.iloc[-1]
    want_test = r2_score(exp.y_test, exp.net.predict(exp.F_test)[:, 0])
    want_train = r2_score(exp.y_train, exp.net.predict(exp.F_train)[:, 0])
    assert (last.test_r2, last.train_r2) == pytest.approx((want_test, want_train), rel=1e-12)
    assert last.test_r2 > exp.trainer.history.test_r2.iloc[0] and last.test_r2 > 0.5
    assert math.isnan(last.test_accuracy)
    assert exp.trainer.latest["test_r2"] == pytest.approx(want_test, rel=1e-12)
    assert exp.trainer.confusion() is None


@pytest.mark.parametrize("config, k", [({"dataset": "xor"}, 2), ({"dataset": "blobs", "n_classes": 4}, 4),
                                       ({"dataset": "gauss", "loss": "cross_entropy"}, 2)])
def test_the_trainer_confusion_matrix_agrees_with_accuracy(config, k):
    exp = Experiment({**config, "hidden": (5,)})
    exp.trainer.run(5)
    last = exp.trainer.history.iloc[-1]
    assert math.isnan(last.test_r2)
    for test, labels, F, accuracy in ((True, exp.y_test, exp.F_test, last.test_accuracy),
                                      (False, exp.y_train, exp.F_train, last.train_accuracy)):
        c = exp.trainer.confusion(test=test)
        assert c.shape == (k, k) and c.sum() == len(labels)
        np.testing.assert_array_equal(c.sum(axis=1), np.bincount(labels, minlength=k))  # rows: true classes
        np.testing.assert_array_equal(c, confusion_matrix(labels, predicted_classes(exp.net.predict(F)), k))
        assert np.trace(c) / c.sum() == accuracy
