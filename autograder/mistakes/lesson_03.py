"""Lesson 03_activations: mistakes students make, and correct answers written differently."""
from . import Variant

LESSON = "03_activations"

MISTAKES = [
    Variant("relu", "returns the test z > 0", '''
def relu(z):
    return np.asarray(z) > 0
''', r"True/False|expected"),
    Variant("relu", "changes its input in place", '''
def relu(z):
    z[z < 0] = 0
    return z
''', r"in place|raised"),
    Variant("relu", "np.max instead of np.maximum", '''
def relu(z):
    return np.max([0, np.max(z)]) + 0 * np.asarray(z, dtype=float)
''', r"np\.maximum\(0, z\)"),
    Variant("sigmoid_prime", "applied to the activation: z (1 - z)", '''
def sigmoid_prime(z):
    z = np.asarray(z, dtype=float)
    return z * (1 - z)
''', r"z \* \(1 - z\)"),
    Variant("sigmoid_prime", "sigmoid without the (1 - s) factor", '''
def sigmoid_prime(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
''', r"s \* \(1 - s\)"),
    Variant("tanh_prime", "1 - tanh(z), not squared", '''
def tanh_prime(z):
    return 1 - np.tanh(z)
''', r"must be squared"),
    Variant("tanh_prime", "1 - z**2", '''
def tanh_prime(z):
    z = np.asarray(z, dtype=float)
    return 1 - z ** 2
''', r"1 - z\*\*2"),
    Variant("relu_prime", "1 at z = 0", '''
def relu_prime(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)
''', r"relu_prime\(0\) must be 0"),
    Variant("relu_prime", "np.sign", '''
def relu_prime(z):
    return np.sign(np.asarray(z, dtype=float))
''', r"negative values"),
    Variant("softmax", "normalizes over axis 0", '''
def softmax(Z):
    E = np.exp(np.asarray(Z, dtype=float))
    return E / E.sum(axis=0, keepdims=True)
''', r"axis"),
    Variant("softmax", "normalizes the whole matrix", '''
def softmax(Z):
    E = np.exp(np.asarray(Z, dtype=float))
    return E / E.sum()
''', r"whole matrix|row"),
    Variant("softmax", "no max subtraction: overflows", '''
def softmax(Z):
    E = np.exp(np.asarray(Z, dtype=float))
    return E / E.sum(axis=1, keepdims=True)
''', r"overflow|large|stable|max"),
]

CORRECT = [
    Variant("relu", "z * (z > 0)", '''
def relu(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)
'''),
    Variant("sigmoid_prime", "scipy.special.expit", '''
from scipy.special import expit
def sigmoid_prime(z):
    s = expit(z)
    return s * (1 - s)
'''),
    Variant("tanh_prime", "1 / cosh^2", '''
def tanh_prime(z):
    return 1 / np.cosh(np.asarray(z, dtype=float)) ** 2
'''),
    Variant("relu_prime", "boolean cast to float", '''
def relu_prime(z):
    return (np.asarray(z) > 0).astype(float)
'''),
    Variant("softmax", "loop over rows", '''
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    A = np.empty_like(Z)
    for i, row in enumerate(Z):
        e = np.exp(row - row.max())
        A[i] = e / e.sum()
    return A
'''),
    Variant("softmax", "scipy.special.softmax", '''
import scipy.special
def softmax(Z):
    return scipy.special.softmax(np.asarray(Z, dtype=float), axis=1)
'''),
]
