"""Lesson 04_cost: mistakes students make, and correct answers written differently."""
from . import Variant

LESSON = "04_cost"

MISTAKES = [
    Variant("mse", "1/(2m) instead of 1/m", '''
def mse(y_hat, y):
    d = np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)
    return np.sum(d ** 2) / (2 * len(d))
''', r"1/2"),
    Variant("mse", "sum instead of mean", '''
def mse(y_hat, y):
    d = np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)
    return np.sum(d ** 2)
''', r"average over the examples|divide"),
    Variant("mse", "square root taken", '''
def mse(y_hat, y):
    d = np.asarray(y_hat, dtype=float) - np.asarray(y, dtype=float)
    return np.sqrt(np.mean(d ** 2))
''', r"square root"),
    Variant("one_hot", "one-based labels", '''
def one_hot(y, k):
    y = np.asarray(y)
    Y = np.zeros((len(y), k + 1))
    Y[np.arange(len(y)), y] = 1.0
    return Y[:, 1:]
''', r"counting from 0|zero-based"),
    Variant("one_hot", "transposed", '''
def one_hot(y, k):
    return np.eye(k)[np.asarray(y)].T
''', r"shape"),
    Variant("one_hot", "k taken from the labels seen", '''
def one_hot(y, k):
    y = np.asarray(y)
    return np.eye(y.max() + 1)[y]
''', r"k columns"),
    Variant("cross_entropy", "the (1 - Y) term dropped", '''
def cross_entropy(H, Y):
    H, Y = np.asarray(H, dtype=float), np.asarray(Y, dtype=float)
    return -np.sum(Y * np.log(H)) / len(Y)
''', r"\(1 - Y\) log\(1 - H\)"),
    Variant("cross_entropy", "sign flipped", '''
def cross_entropy(H, Y):
    H, Y = np.asarray(H, dtype=float), np.asarray(Y, dtype=float)
    return np.sum(Y * np.log(H) + (1 - Y) * np.log(1 - H)) / len(Y)
''', r"minus sign"),
    Variant("cross_entropy", "averaged over classes too", '''
def cross_entropy(H, Y):
    H, Y = np.asarray(H, dtype=float), np.asarray(Y, dtype=float)
    return -np.mean(Y * np.log(H) + (1 - Y) * np.log(1 - H))
''', r"do not average them over k|m\*k"),
    Variant("l2_penalty", "biases regularized", '''
def l2_penalty(params, lambda_, m):
    return lambda_ / (2 * m) * sum(np.sum(np.square(W)) + np.sum(np.square(b)) for W, b in params)
''', r"bias|weight"),
    Variant("l2_penalty", "lambda/m instead of lambda/(2m)", '''
def l2_penalty(params, lambda_, m):
    return lambda_ / m * sum(np.sum(np.square(W)) for W, b in params)
''', r"lambda_ / \(2 m\)"),
    Variant("nn_cost", "penalty missing", '''
def nn_cost(params, X, Y, lambda_):
    return cross_entropy(nnlib.forward(X, params, nnlib.sigmoid), Y)
''', r"l2_penalty|penalty"),
    Variant("nn_cost", "penalty divided by the number of outputs", '''
def nn_cost(params, X, Y, lambda_):
    H = nnlib.forward(X, params, nnlib.sigmoid)
    return cross_entropy(H, Y) + l2_penalty(params, lambda_, Y.shape[1])
''', r"number of rows|m = "),
    Variant("nn_cost", "hidden ignored: sigmoid in every layer", '''
def nn_cost(params, X, Y, lambda_, hidden="sigmoid"):
    H = nnlib.forward(X, params, nnlib.sigmoid)
    return cross_entropy(H, Y) + l2_penalty(params, lambda_, len(X))
''', r"hidden is ignored"),
    Variant("nn_cost", "the output layer uses the hidden activation too", '''
def nn_cost(params, X, Y, lambda_, hidden="sigmoid"):
    H = nnlib.forward(X, params, nnlib.ACTIVATIONS[hidden][0])
    return cross_entropy(H, Y) + l2_penalty(params, lambda_, len(X))
''', r"output layer uses (tanh|relu) too: it must stay sigmoid"),
    Variant("nn_cost", "no hidden argument (right for sigmoid)", '''
def nn_cost(params, X, Y, lambda_):
    H = nnlib.forward(X, params, nnlib.sigmoid)
    return cross_entropy(H, Y) + l2_penalty(params, lambda_, len(X))
''', r"nn_cost does not take hidden="),
]

CORRECT = [
    Variant("mse", "loop over examples", '''
def mse(y_hat, y):
    total = 0.0
    for a, b in zip(np.asarray(y_hat, dtype=float), np.asarray(y, dtype=float)):
        total += np.sum((a - b) ** 2)
    return total / len(y)
'''),
    Variant("one_hot", "comparison with arange", '''
def one_hot(y, k):
    return (np.asarray(y).reshape(-1, 1) == np.arange(k)).astype(float)
'''),
    Variant("cross_entropy", "scipy.special.xlogy", '''
from scipy.special import xlogy
def cross_entropy(H, Y):
    H, Y = np.asarray(H, dtype=float), np.asarray(Y, dtype=float)
    return -(xlogy(Y, H) + xlogy(1 - Y, 1 - H)).sum() / len(Y)
'''),
    Variant("l2_penalty", "einsum", '''
def l2_penalty(params, lambda_, m):
    return lambda_ / (2 * m) * sum(np.einsum("ij,ij->", W, W) for W, _ in params)
'''),
    Variant("nn_cost", "own forward loop and own activations", '''
def nn_cost(params, X, Y, lambda_, hidden="sigmoid"):
    g = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
         "relu": lambda z: np.where(z > 0, z, 0.0)}[hidden]
    A = np.asarray(X, dtype=float)
    for l, (W, b) in enumerate(params, start=1):
        Z = A @ W.T + b
        A = 1 / (1 + np.exp(-Z)) if l == len(params) else g(Z)
    return cross_entropy(A, Y) + l2_penalty(params, lambda_, len(X))
'''),
    Variant("nn_cost", "hidden layers with nnlib.layer_forward, then the output", '''
def nn_cost(params, X, Y, lambda_, hidden="sigmoid"):
    g = nnlib.ACTIVATIONS[hidden][0]
    A = X
    for W, b in params[:-1]:
        A = nnlib.layer_forward(A, W, b, g)
    H = nnlib.layer_forward(A, *params[-1], nnlib.sigmoid)
    return cross_entropy(H, Y) + l2_penalty(params, lambda_, X.shape[0])
'''),
]
