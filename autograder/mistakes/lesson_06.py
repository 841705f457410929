"""Lesson 06_backprop: mistakes students make, and correct answers written differently."""
from . import Variant

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
    Variant("backprop", "hidden ignored: sigmoid in every layer", '''
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * As[l - 1] * (1 - As[l - 1])
    return grads[::-1]
''', r"hidden is ignored"),
    Variant("backprop", "the output layer uses the hidden activation too", '''
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    g, g_prime = nnlib.ACTIVATIONS[hidden]
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params, g)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * g_prime(Zs[l - 2])
    return grads[::-1]
''', r"output layer uses (tanh|relu) too: it must stay sigmoid"),
    Variant("backprop", "tanh_prime of the activation A instead of Z", '''
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    g, g_prime = nnlib.ACTIVATIONS[hidden]
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params, g, g_out=nnlib.sigmoid)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            A = As[l - 1]
            delta = (delta @ W) * (A * (1 - A) if hidden == "sigmoid" else g_prime(A))
    return grads[::-1]
''', r"slope is taken of the activations A"),
    Variant("backprop", "the sigmoid's slope A (1 - A) for every activation", '''
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    g, g_prime = nnlib.ACTIVATIONS[hidden]
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params, g, g_out=nnlib.sigmoid)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * As[l - 1] * (1 - As[l - 1])
    return grads[::-1]
''', r"A \* \(1 - A\) is the sigmoid's slope only"),
    Variant("backprop", "the slope of the layer above (Z_l instead of Z_(l-1))", '''
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    g, g_prime = nnlib.ACTIVATIONS[hidden]
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params, g, g_out=nnlib.sigmoid)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            A = As[l - 1]
            delta = (delta @ W) * (A * (1 - A) if hidden == "sigmoid" else g_prime(Zs[l - 1]))
    return grads[::-1]
''', r"slope of layer \S+ itself"),
    Variant("backprop", "no hidden argument (right for sigmoid)", '''
def backprop(params, X, Y, lambda_):
    m = len(X)
    Zs, As = nnlib.network.forward_layers(X, params)
    delta = (As[-1] - Y) / m
    grads = []
    for l in range(len(params), 0, -1):
        W, b = params[l - 1]
        grads.append((delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ W) * As[l - 1] * (1 - As[l - 1])
    return grads[::-1]
''', r"backprop does not take hidden="),
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
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    g, g_prime = nnlib.ACTIVATIONS[hidden]
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    m, L = len(X), len(params)
    grads = [[np.zeros(np.shape(W)), np.zeros(np.shape(b))] for W, b in params]
    for x, y in zip(X, Y):
        As, Zs = [x], []
        for l, (W, b) in enumerate(params, start=1):
            Zs.append(np.asarray(W, dtype=float) @ As[-1] + b)
            As.append(1 / (1 + np.exp(-Zs[-1])) if l == L else g(Zs[-1]))
        delta = (As[-1] - y) / m
        for l in range(L, 0, -1):
            W = np.asarray(params[l - 1][0], dtype=float)
            grads[l - 1][0] += np.outer(delta, As[l - 1])
            grads[l - 1][1] += delta
            if l > 1:
                delta = (W.T @ delta) * g_prime(Zs[l - 2])
    return [(dW + lambda_ / m * np.asarray(W, dtype=float), db)
            for (dW, db), (W, _) in zip(grads, params)]
'''),
    Variant("backprop", "slopes written with the activations: A(1 - A), 1 - A**2, A > 0", '''
def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    g = {"sigmoid": nnlib.sigmoid, "tanh": np.tanh, "relu": nnlib.relu}[hidden]
    slope = {"sigmoid": lambda A: A * (1 - A), "tanh": lambda A: 1 - A ** 2,
             "relu": lambda A: (A > 0) * 1.0}[hidden]          # relu'(relu(z)) = relu'(z)
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    m, L = len(X), len(params)
    As = [X]
    for l, (W, b) in enumerate(params, start=1):
        Z = As[-1] @ np.asarray(W, dtype=float).T + b
        As.append(nnlib.sigmoid(Z) if l == L else g(Z))
    delta, grads = (As[-1] - Y) / m, []
    for l in range(L, 0, -1):
        W = np.asarray(params[l - 1][0], dtype=float)
        grads.insert(0, (delta.T @ As[l - 1] + lambda_ / m * W, delta.sum(axis=0)))
        delta = (delta @ W) * slope(As[l - 1])
    return grads
'''),
    Variant("relative_difference", "sums of squares", '''
def relative_difference(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    bottom = np.sqrt(np.sum((a + b) ** 2))
    return 0.0 if bottom == 0 else np.sqrt(np.sum((a - b) ** 2)) / bottom
'''),
]
