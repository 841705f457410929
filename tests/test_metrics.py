"""Accuracy, confusion matrix and precision/recall/F1, checked by hand and against scikit-learn's definitions."""
import numpy as np
import pytest

from nnlib.metrics import accuracy, confusion_matrix, precision_recall_f1

y = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
y_pred = np.array([0, 1, 1, 1, 0, 2, 2, 1, 2])


def test_accuracy():
    assert accuracy(y_pred, y) == pytest.approx(6 / 9)
    with pytest.raises(ValueError, match="shape"):
        accuracy(y_pred.reshape(-1, 1), y)


def test_confusion_matrix_rows_are_true_labels():
    cm = confusion_matrix(y, y_pred, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [1, 2, 0], [0, 1, 3]])
    assert cm.sum() == len(y)


def test_precision_recall_f1_by_hand():
    precision, recall, f1 = precision_recall_f1(confusion_matrix(y, y_pred, 3))
    np.testing.assert_allclose(precision, [1 / 2, 2 / 4, 3 / 3])
    np.testing.assert_allclose(recall, [1 / 2, 2 / 3, 3 / 4])
    np.testing.assert_allclose(f1, 2 * precision * recall / (precision + recall))


def test_class_never_predicted_gives_zero_not_nan():
    precision, recall, f1 = precision_recall_f1(np.array([[2, 0], [3, 0]]))
    np.testing.assert_array_equal(precision, [0.4, 0.0])
    np.testing.assert_array_equal(recall, [1.0, 0.0])
    assert np.all(np.isfinite(f1))
