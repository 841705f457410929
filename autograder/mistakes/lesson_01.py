"""Lesson 01_single_unit: mistakes students make, and correct answers written differently."""
from . import Variant

LESSON = "01_single_unit"

MISTAKES = [
    Variant("weighted_sum", "bias forgotten", '''
def weighted_sum(x, w, b):
    return float(np.dot(w, x))
''', r"bias"),
    Variant("weighted_sum", "bias subtracted", '''
def weighted_sum(x, w, b):
    return float(np.dot(w, x) - b)
''', r"expected .*got"),
    Variant("weighted_sum", "products not summed", '''
def weighted_sum(x, w, b):
    return np.asarray(w) * np.asarray(x) + b
''', r"shape"),
    Variant("step", "step(0) is 0: > instead of >=", '''
def step(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)
''', r"step\(0\) must be 1"),
    Variant("step", "signs swapped", '''
def step(z):
    return np.where(np.asarray(z) < 0, 1.0, 0.0)
''', r"expected .*got"),
    Variant("sigmoid", "exp(z) instead of exp(-z)", '''
def sigmoid(z):
    return 1 / (1 + np.exp(np.asarray(z, dtype=float)))
''', r"exp\(-z\)"),
    Variant("sigmoid", "overflows for large negative z", '''
def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
''', r"overflow|warning|stable|large"),
    Variant("sigmoid", "only works on one number", '''
import math
def sigmoid(z):
    return 1 / (1 + math.exp(-z))
''', r"raised TypeError|only|array"),
    Variant("unit_output", "ignores g and always uses the sigmoid", '''
def unit_output(x, w, b, g):
    return float(1 / (1 + np.exp(-(np.dot(w, x) + b))))
''', r"use the g you are given"),
    Variant("unit_output", "bias added after the activation", '''
def unit_output(x, w, b, g):
    return float(g(np.dot(w, x)) + b)
''', r"bias goes inside the activation"),
]

CORRECT = [
    Variant("weighted_sum", "a loop over the inputs", '''
def weighted_sum(x, w, b):
    z = b
    for x_j, w_j in zip(x, w):
        z += w_j * x_j
    return z
'''),
    Variant("weighted_sum", "sum of products, NumPy scalar", '''
def weighted_sum(x, w, b):
    return np.sum(np.multiply(w, x)) + b
'''),
    Variant("step", "boolean cast", '''
def step(z):
    return (np.asarray(z) >= 0).astype(float)
'''),
    Variant("sigmoid", "scipy.special.expit", '''
from scipy.special import expit
def sigmoid(z):
    return expit(z)
'''),
    Variant("sigmoid", "two branches with np.where", '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''),
    Variant("sigmoid", "tanh identity", '''
def sigmoid(z):
    return 0.5 * (1 + np.tanh(np.asarray(z, dtype=float) / 2))
'''),
    Variant("unit_output", "through weighted_sum", '''
def unit_output(x, w, b, g):
    return g(weighted_sum(x, w, b))
'''),
]
