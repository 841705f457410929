"""Measuring a classifier: accuracy, confusion matrix, precision, recall, F1.

The order of the labels: true labels ``y`` first, predictions ``y_pred``
second, as in scikit-learn, everywhere but in ``accuracy(y_pred, y)``. That
one is the course's graded signature (lesson 07), kept as students write it:
``accuracy`` is symmetric, so its order changes no result, while
``confusion_matrix(y, y_pred, k)``'s rows are the true labels. Inside, both
check and use the labels in the order (y, y_pred).
"""
import numpy as np


def _labels(y, name):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, got shape {y.shape}")
    return y


def accuracy(y_pred, y):
    """Fraction of predictions equal to the labels, in [0, 1].

    y_pred, y : int arrays of shape (m,).
    Introduced in lesson 07_digits.
    """
    y, y_pred = _labels(y, "y"), _labels(y_pred, "y_pred")
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but y has shape {y.shape}")
    return float(np.mean(y == y_pred))


def confusion_matrix(y, y_pred, k):
    """Counts cm[i, j] of examples with true label i predicted as j.

    Rows are true labels and columns predictions, as in scikit-learn.

    Parameters
    ----------
    y, y_pred : int arrays of shape (m,), labels 0..k-1.
    k : int, number of classes.

    Returns
    -------
    cm : int array of shape (k, k); cm.sum() == m.

    Introduced in lesson 07_digits.
    """
    y, y_pred = _labels(y, "y"), _labels(y_pred, "y_pred")
    cm = np.zeros((k, k), dtype=int)
    np.add.at(cm, (y, y_pred), 1)
    return cm


def precision_recall_f1(cm):
    """Per-class precision, recall and F1 from a confusion matrix.

    precision_k = cm[k, k] / (column k's sum): of those predicted k, how many are k;
    recall_k = cm[k, k] / (row k's sum): of the true k, how many were found;
    f1_k = 2 p r / (p + r). A ratio with a zero denominator is 0.

    Parameters
    ----------
    cm : int array of shape (k, k), rows true labels, columns predictions.

    Returns
    -------
    precision, recall, f1 : float arrays of shape (k,).

    Introduced in lesson 07_digits.
    """
    cm = np.asarray(cm, dtype=float)
    correct = np.diag(cm)
    precision = _safe_divide(correct, cm.sum(axis=0))
    recall = _safe_divide(correct, cm.sum(axis=1))
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    return precision, recall, f1


def _safe_divide(a, b):
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)
