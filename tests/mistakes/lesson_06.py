"""Lesson 06_backprop: mistakes students make, and correct answers written differently."""
from mistakes import Variant

LESSON = "06_backprop"

MISTAKES = [
    Variant("output_weight_gradient", "sign flipped", '''
def output_weight_gradient(actual, output, input_):
    return (actual - output) * output * (1 - output) * input_
''', r"sign is flipped"),
    Variant("output_weight_gradient", "sigmoid slope missing", '''
def output_weight_gradient(actual, output, input_):
    return -(actual - output) * input_
''', r"slope doutput/dz"),
    Variant("output_weight_gradient", "no 1/2 cancellation: twice too large", '''
def output_weight_gradient(actual, output, input_):
    return -2 * (actual - output) * output * (1 - output) * input_
''', r"twice too large"),
    Variant("backprop", "biases regularized", '''
def backprop(params, X, Y, lambda_):
    m = len(X)
    grads = nnlib.backprop(params, X, Y, lambda_)
    return [(dW, db + lambda_ / m * b) for (dW, db), (W, b) in zip(grads, params)]
''', r"biases are not regularized|nnlib's backprop"),
    Variant("backprop", "MSE output error: sigmoid slope multiplied in", '''
def backprop(params, X, Y, lambda_):
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params)
    delta = (As[-1] - Y) / m * As[-1] * (1 - As[-1])
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * As[l - 1] * (1 - As[l - 1])
    return grads[::-1]
''', r"delta_L is wrong|no g'\(Z_L\)"),
    Variant("backprop", "lambda/(2m) in the gradient", '''
def backprop(params, X, Y, lambda_):
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / (2 * m) * W, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * As[l - 1] * (1 - As[l - 1])
    return grads[::-1]
''', r"not \(lambda_ / \(2m\)\)"),
    Variant("backprop", "g'(Z) taken as sigmoid_prime of the activation", '''
def backprop(params, X, Y, lambda_):
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * nnlib.sigmoid_prime(As[l - 1])
    return grads[::-1]
''', r"not sigmoid_prime\(A_"),
    Variant("backprop", "dW transposed", '''
def backprop(params, X, Y, lambda_):
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append(((delta.T @ As[l - 1] + lambda_ / m * W).T, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * As[l - 1] * (1 - As[l - 1])
    return grads[::-1]
''', r"transposed|shape"),
    Variant("relative_difference", "||a|| + ||b|| in the denominator", '''
def relative_difference(a, b):
    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
''', r"not \|\|a\|\| \+ \|\|b\|\|"),
    Variant("relative_difference", "no denominator", '''
def relative_difference(a, b):
    return np.linalg.norm(np.ravel(a).astype(float) - np.ravel(b).astype(float))
''', r"\|\|a - b\|\| / \|\|a \+ b\|\|"),
]

CORRECT = [
    Variant("output_weight_gradient", "three named factors", '''
def output_weight_gradient(actual, output, input_):
    dE_doutput = output - actual
    doutput_dz = output * (1 - output)
    dz_dw = input_
    return dE_doutput * doutput_dz * dz_dw
'''),
    Variant("backprop", "own forward pass, examples one at a time", '''
def backprop(params, X, Y, lambda_):
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    m = len(X)
    grads = [[np.zeros(np.shape(W)), np.zeros(np.shape(b))] for W, b in params]
    for x, y in zip(X, Y):
        As = [x]
        for W, b in params:
            As.append(1 / (1 + np.exp(-(np.asarray(W, dtype=float) @ As[-1] + b))))
        delta = (As[-1] - y) / m
        for l in range(len(params), 0, -1):
            W = np.asarray(params[l - 1][0], dtype=float)
            grads[l - 1][0] += np.outer(delta, As[l - 1])
            grads[l - 1][1] += delta
            delta = (W.T @ delta) * As[l - 1] * (1 - As[l - 1])
    return [(dW + lambda_ / m * np.asarray(W, dtype=float), db)
            for (dW, db), (W, _) in zip(grads, params)]
'''),
    Variant("relative_difference", "sums of squares", '''
def relative_difference(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    bottom = np.sqrt(np.sum((a + b) ** 2))
    return 0.0 if bottom == 0 else np.sqrt(np.sum((a - b) ** 2)) / bottom
'''),
]
