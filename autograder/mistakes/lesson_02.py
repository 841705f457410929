"""Lesson 02_hidden_layers: mistakes students make, and correct answers written differently."""
from . import Variant

LESSON = "02_hidden_layers"

MISTAKES = [
    Variant("layer_forward", "bias forgotten", '''
def layer_forward(A_prev, W, b, g):
    return g(np.asarray(A_prev, dtype=float) @ np.asarray(W, dtype=float).T)
''', r"bias"),
    Variant("layer_forward", "bias added after the activation", '''
def layer_forward(A_prev, W, b, g):
    return g(np.asarray(A_prev, dtype=float) @ np.asarray(W, dtype=float).T) + b
''', r"bias|activation"),
    Variant("layer_forward", "activation forgotten", '''
def layer_forward(A_prev, W, b, g):
    return np.asarray(A_prev, dtype=float) @ np.asarray(W, dtype=float).T + b
''', r"activation g"),
    Variant("forward", "activation skipped on the last layer", '''
def forward(X, params, g):
    A = np.asarray(X, dtype=float)
    for W, b in params[:-1]:
        A = g(A @ W.T + b)
    W, b = params[-1]
    return A @ W.T + b
''', r"g exactly once in every layer|must equal layer_forward"),
    Variant("forward", "always the sigmoid", '''
def forward(X, params, g):
    A = np.asarray(X, dtype=float)
    for W, b in params:
        A = nnlib.sigmoid(A @ W.T + b)
    return A
''', r"use the g passed"),
    Variant("count_parameters", "weights only", '''
def count_parameters(sizes):
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
''', r"biases"),
    Variant("count_parameters", "(n+1)(n_prev+1)", '''
def count_parameters(sizes):
    return sum((a + 1) * (b + 1) for a, b in zip(sizes[:-1], sizes[1:]))
''', r"\(n_\(l-1\) \+ 1\) \* n_l"),
    Variant("collapse_linear", "wrong order: W1 @ W2", '''
def collapse_linear(params):
    W, b = params[0]
    for W_l, b_l in params[1:]:
        W = W @ W_l
        b = W_l @ b + b_l
    return W, b
''', r"W1 @ W2|later layer on the left|raised"),
    Variant("collapse_linear", "biases forgotten in the fold", '''
def collapse_linear(params):
    W, b = params[0]
    for W_l, b_l in params[1:]:
        W = W_l @ W
        b = b_l
    return W, b
''', r"b = W_l @ b \+ b_l|expected"),
    Variant("xor_params", "computes OR", '''
def xor_params():
    return [(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -0.5])),
            (np.array([[1.0, 0.0]]), np.array([-0.5]))]
''', r"XOR|expected|\(1, 1\)"),
    Variant("xor_params", "wrong shapes (weights transposed)", '''
def xor_params():
    return [(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5])),
            (np.array([[1.0], [-1.0]]), np.array([-0.5]))]
''', r"shape"),
]

CORRECT = [
    Variant("layer_forward", "loop over units", '''
def layer_forward(A_prev, W, b, g):
    A_prev = np.asarray(A_prev, dtype=float)
    Z = np.stack([A_prev @ np.asarray(w, dtype=float) + b_j for w, b_j in zip(W, b)], axis=-1)
    return g(Z)
'''),
    Variant("forward", "recursion", '''
def forward(X, params, g):
    if not params:
        return np.asarray(X, dtype=float)
    W, b = params[0]
    return forward(g(np.asarray(X, dtype=float) @ np.asarray(W).T + b), params[1:], g)
'''),
    Variant("count_parameters", "explicit loop", '''
def count_parameters(sizes):
    total = 0
    for l in range(1, len(sizes)):
        total += sizes[l] * sizes[l - 1] + sizes[l]
    return total
'''),
    Variant("collapse_linear", "reduce with matrices", '''
def collapse_linear(params):
    W = np.eye(np.shape(params[0][0])[1])
    b = np.zeros(np.shape(params[0][0])[1])
    for W_l, b_l in params:
        W, b = np.asarray(W_l) @ W, np.asarray(W_l) @ b + b_l
    return W, b
'''),
    Variant("xor_params", "NAND and OR into AND", '''
def xor_params():
    W1 = np.array([[-1.0, -1.0], [1.0, 1.0]])   # NAND, OR
    b1 = np.array([1.5, -0.5])
    W2 = np.array([[1.0, 1.0]])                 # AND
    b2 = np.array([-1.5])
    return [(W1, b1), (W2, b2)]
'''),
]
