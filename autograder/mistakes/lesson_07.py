"""Lesson 07_digits: mistakes students make, and correct answers written differently."""
from . import Variant

LESSON = "07_digits"

SGD = '''
def minibatch_sgd(params, X, Y, lambda_, alpha, epochs, batch_size, momentum=0.0, rng=None):
    rng = np.random.default_rng(rng)
    m = len(X)
    params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]
    v = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    costs = []
    for epoch in range(epochs):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start:start + batch_size]
            grads = backprop(params, X[batch], Y[batch], lambda_ * len(batch) / m)
            v = [(momentum * vW - alpha * dW, momentum * vb - alpha * db)
                 for (vW, vb), (dW, db) in zip(v, grads)]
            params = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(params, v)]
        costs.append(nn_cost(params, X, Y, lambda_))
    return params, costs
'''


def sgd(name, changes, mentions):
    """A mistake in minibatch_sgd: the correct function above with (old, new) text changes."""
    code = SGD
    for old, new in changes:
        assert old in code, (name, old)
        code = code.replace(old, new)
    return Variant("minibatch_sgd", name, code, mentions)


SGD_MISTAKES = [
    sgd("no shuffle: batches in the order of the data",
        [("order = rng.permutation(m)", "order = np.arange(m)")], r"rng=7 and rng=8|permutation"),
    sgd("shuffles once, before the epochs",
        [("    for epoch in range(epochs):\n        order = rng.permutation(m)\n",
          "    order = rng.permutation(m)\n    for epoch in range(epochs):\n")], r"EVERY epoch"),
    sgd("momentum uphill: v <- momentum v + alpha grad",
        [("momentum * vW - alpha * dW, momentum * vb - alpha * db",
          "momentum * vW + alpha * dW, momentum * vb + alpha * db")], r"cost went up"),
    sgd("velocity reset at every batch", [("            v = [(momentum * vW", "            v = [(0 * vW")],
        r"With momentum = 0 your result is right"),
    sgd("momentum applied to the parameters, not kept in v",
        [("params = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(params, v)]",
          "params = [(momentum * W + vW, momentum * b + vb) if momentum else (W + vW, b + vb)"
          " for (W, b), (vW, vb) in zip(params, v)]")], r"momentum update is wrong"),
    sgd("gradient summed over the batch, one example at a time",
        [("            grads = backprop(params, X[batch], Y[batch], lambda_ * len(batch) / m)\n",
          "            each = [backprop(params, X[[i]], Y[[i]], lambda_ / m) for i in batch]\n"
          "            grads = [(sum(g[l][0] for g in each), sum(g[l][1] for g in each))"
          " for l in range(len(params))]\n")], r"once per example"),
    sgd("the cost of the last batch instead of the whole set",
        [("costs.append(nn_cost(params, X, Y, lambda_))",
          "costs.append(nn_cost(params, X[batch], Y[batch], lambda_))")], r"not the cost of a batch"),
    sgd("costs recorded before each epoch",
        [("        order = rng.permutation(m)\n",
          "        costs.append(nn_cost(params, X, Y, lambda_))\n        order = rng.permutation(m)\n"),
         ("        costs.append(nn_cost(params, X, Y, lambda_))\n    return", "    return")],
        r"AFTER each epoch"),
    sgd("ignores rng", [("rng = np.random.default_rng(rng)", "rng = np.random.default_rng()")],
        r"same rng gave different params"),
    sgd("changes the params it is given",
        [("    params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]\n", ""),
         ("            params = [(W + vW, b + vb) for (W, b), (vW, vb) in zip(params, v)]",
          "            for (W, b), (vW, vb) in zip(params, v):\n                W += vW\n                b += vb")],
        r"changed the params it was given"),
    sgd("last, smaller batch left out",
        [("range(0, m, batch_size)", "range(0, m - batch_size + 1, batch_size)")], r"last, smaller batch"),
    sgd("lambda_ not scaled to the batch", [("lambda_ * len(batch) / m)", "lambda_)")],
        r"lambda_ \* m_b / m"),
    sgd("X and Y shuffled with two different orders",
        [("grads = backprop(params, X[batch], Y[batch]", "grads = backprop(params, X[batch], Y[rng.permutation(m)[batch]]")],
        r"same order"),
]

SGD_CORRECT = [
    Variant("minibatch_sgd", "shuffled copies of X and Y, slices, velocities in a dict", '''
def minibatch_sgd(params, X, Y, lambda_, alpha, epochs, batch_size, momentum=0.0, rng=None):
    generator = np.random.default_rng(rng)
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    m = X.shape[0]
    current = [[np.copy(W), np.copy(b)] for W, b in params]
    velocity = {(l, k): 0.0 for l in range(len(params)) for k in range(2)}
    costs = np.zeros(epochs)
    for e in range(epochs):
        index = np.arange(m)
        generator.shuffle(index)
        X_s, Y_s = X[index], Y[index]
        start = 0
        while start < m:
            X_b, Y_b = X_s[start:start + batch_size], Y_s[start:start + batch_size]
            start += batch_size
            grads = backprop([tuple(p) for p in current], X_b, Y_b, lambda_ * X_b.shape[0] / m)
            for l, grad in enumerate(grads):
                for k in range(2):
                    velocity[l, k] = momentum * velocity[l, k] - alpha * np.asarray(grad[k])
                    current[l][k] = current[l][k] + velocity[l, k]
        costs[e] = nn_cost([tuple(p) for p in current], X, Y, lambda_)
    return [tuple(p) for p in current], costs
'''),
    Variant("minibatch_sgd", "a list of costs and plain loops over the layers", '''
def minibatch_sgd(params, X, Y, lambda_, alpha, epochs, batch_size, momentum=0.0, rng=None):
    rng = np.random.default_rng(rng)
    m = len(X)
    Ws = [np.asarray(W, dtype=float) for W, _ in params]
    bs = [np.asarray(b, dtype=float) for _, b in params]
    vWs = [np.zeros_like(W) for W in Ws]
    vbs = [np.zeros_like(b) for b in bs]
    costs = []
    for _ in range(epochs):
        order = rng.permutation(m)
        n_batches = int(np.ceil(m / batch_size))
        for k in range(n_batches):
            batch = order[k * batch_size:(k + 1) * batch_size]
            grads = backprop(list(zip(Ws, bs)), X[batch], Y[batch], lambda_ * len(batch) / m)
            for l in range(len(Ws)):
                vWs[l] = momentum * vWs[l] - alpha * grads[l][0]
                vbs[l] = momentum * vbs[l] - alpha * grads[l][1]
                Ws[l] = Ws[l] + vWs[l]
                bs[l] = bs[l] + vbs[l]
        costs.append(float(nn_cost(list(zip(Ws, bs)), X, Y, lambda_)))
    return list(zip(Ws, bs)), costs
'''),
]


MISTAKES = [
    Variant("random_init", "all zeros", '''
def random_init(sizes, epsilon=0.12, rng=None):
    return [(np.zeros((n, n_prev)), np.zeros(n)) for n_prev, n in zip(sizes[:-1], sizes[1:])]
''', r"every weight is 0|Equal weights"),
    Variant("random_init", "range [0, epsilon]", '''
def random_init(sizes, epsilon=0.12, rng=None):
    rng = np.random.default_rng(rng)
    return [(rng.uniform(0, epsilon, (n, n_prev)), np.zeros(n)) for n_prev, n in zip(sizes[:-1], sizes[1:])]
''', r"no weight is negative"),
    Variant("random_init", "W transposed", '''
def random_init(sizes, epsilon=0.12, rng=None):
    rng = np.random.default_rng(rng)
    return [(rng.uniform(-epsilon, epsilon, (n_prev, n)), np.zeros(n)) for n_prev, n in zip(sizes[:-1], sizes[1:])]
''', r"should have shape"),
    Variant("random_init", "ignores rng", '''
def random_init(sizes, epsilon=0.12, rng=None):
    g = np.random.default_rng()
    return [(g.uniform(-epsilon, epsilon, (n, n_prev)), np.zeros(n)) for n_prev, n in zip(sizes[:-1], sizes[1:])]
''', r"gave different weights"),
    Variant("predict", "one-based labels", '''
def predict(params, X):
    return np.argmax(nnlib.forward(X, params, nnlib.sigmoid), axis=1) + 1
''', r"expected|differ"),
    Variant("predict", "argmax over the wrong axis", '''
def predict(params, X):
    return np.argmax(nnlib.forward(X, params, nnlib.sigmoid), axis=0)
''', r"shape|raised"),
    Variant("accuracy", "a count instead of a fraction", '''
def accuracy(y_pred, y):
    return np.sum(np.asarray(y_pred) == np.asarray(y))
''', r"expected .*got"),
    Variant("accuracy", "a percentage", '''
def accuracy(y_pred, y):
    return 100 * np.mean(np.asarray(y_pred) == np.asarray(y))
''', r"expected .*got"),
    Variant("train", "forgets to train: returns the initial parameters", '''
def train(X, y, sizes, lambda_, maxiter, rng):
    return random_init(sizes, rng=rng)
''', r"hardly better than a random|cost"),
    Variant("train", "ignores rng", '''
def train(X, y, sizes, lambda_, maxiter, rng):
    Y = nnlib.one_hot(y, sizes[-1])
    fun = lambda t: (nn_cost(unpack(t, sizes), X, Y, lambda_),
                     pack(backprop(unpack(t, sizes), X, Y, lambda_)))
    theta0 = pack(random_init(sizes))
    theta, _ = nnlib.minimize(fun, theta0, maxiter=maxiter)
    return unpack(theta, sizes)
''', r"gave different parameters|rng"),
    Variant("train", "nnlib's cost and gradient instead of nn_cost and backprop", '''
def train(X, y, sizes, lambda_, maxiter, rng):
    Y = nnlib.one_hot(y, sizes[-1])
    def fun(theta):
        J, grads = nnlib.network.nn_cost_and_gradients(unpack(theta, sizes), X, Y, lambda_)
        return J, pack(grads)
    theta, _ = nnlib.minimize(fun, pack(random_init(sizes, rng=rng)), maxiter=maxiter)
    return unpack(theta, sizes)
''', r"nn_cost_and_gradients"),
    Variant("train", "a gradient of its own instead of backprop", '''
def train(X, y, sizes, lambda_, maxiter, rng):
    Y = nnlib.one_hot(y, sizes[-1])
    def fun(theta):
        params = unpack(theta, sizes)
        As = nnlib.network.forward_layers(X, params)[1]
        return nn_cost(params, X, Y, lambda_), pack(nnlib.network.backward(params, As, Y, lambda_))
    theta, _ = nnlib.minimize(fun, pack(random_init(sizes, rng=rng)), maxiter=maxiter)
    return unpack(theta, sizes)
''', r"backprop 0 times"),
    Variant("confusion_matrix", "transposed", '''
def confusion_matrix(y, y_pred, k):
    cm = np.zeros((k, k), dtype=int)
    for t, p in zip(y, y_pred):
        cm[p, t] += 1
    return cm
''', r"expected .*got|transpos"),
    Variant("confusion_matrix", "k taken from the labels seen", '''
def confusion_matrix(y, y_pred, k):
    n = max(np.max(y), np.max(y_pred)) + 1
    cm = np.zeros((n, n), dtype=int)
    np.add.at(cm, (np.asarray(y), np.asarray(y_pred)), 1)
    return cm
''', r"shape"),
    Variant("precision_recall_f1", "precision and recall swapped", '''
def precision_recall_f1(cm):
    cm = np.asarray(cm, dtype=float)
    d = np.diag(cm)
    p = np.divide(d, cm.sum(axis=1), out=np.zeros_like(d), where=cm.sum(axis=1) != 0)
    r = np.divide(d, cm.sum(axis=0), out=np.zeros_like(d), where=cm.sum(axis=0) != 0)
    f = np.divide(2 * p * r, p + r, out=np.zeros_like(d), where=(p + r) != 0)
    return p, r, f
''', r"expected .*got|differ"),
    Variant("precision_recall_f1", "F1 as the arithmetic mean", '''
def precision_recall_f1(cm):
    cm = np.asarray(cm, dtype=float)
    d = np.diag(cm)
    p = np.divide(d, cm.sum(axis=0), out=np.zeros_like(d), where=cm.sum(axis=0) != 0)
    r = np.divide(d, cm.sum(axis=1), out=np.zeros_like(d), where=cm.sum(axis=1) != 0)
    return p, r, (p + r) / 2
''', r"expected .*got|differ"),
    Variant("precision_recall_f1", "nan for a class never predicted", '''
def precision_recall_f1(cm):
    cm = np.asarray(cm, dtype=float)
    d = np.diag(cm)
    with np.errstate(all="ignore"):
        p = d / cm.sum(axis=0)
        r = d / cm.sum(axis=1)
        f = 2 * p * r / (p + r)
    return p, r, f
''', r"not nan|expected .*got"),
] + SGD_MISTAKES

CORRECT = [
    Variant("random_init", "biases from the same range", '''
def random_init(sizes, epsilon=0.12, rng=None):
    rng = np.random.default_rng(rng)
    params = []
    for n_prev, n in zip(sizes[:-1], sizes[1:]):
        W = (2 * rng.random((n, n_prev)) - 1) * epsilon
        b = (2 * rng.random(n) - 1) * epsilon
        params.append((W, b))
    return params
'''),
    Variant("predict", "a loop over examples", '''
def predict(params, X):
    H = nnlib.forward(X, params, nnlib.sigmoid)
    return np.array([int(np.argmax(h)) for h in H])
'''),
    Variant("accuracy", "a Python loop", '''
def accuracy(y_pred, y):
    return sum(int(a == b) for a, b in zip(y_pred, y)) / len(y)
'''),
    Variant("train", "CG optimizer", '''
def train(X, y, sizes, lambda_, maxiter, rng):
    Y = nnlib.one_hot(y, sizes[-1])
    def fun(theta):
        params = nnlib.network.unpack(theta, sizes)
        return nn_cost(params, X, Y, lambda_), nnlib.network.pack(backprop(params, X, Y, lambda_))
    theta, _ = nnlib.minimize(fun, nnlib.network.pack(random_init(sizes, rng=rng)), method="CG",
                              maxiter=maxiter)
    return nnlib.network.unpack(theta, sizes)
'''),
    Variant("confusion_matrix", "np.add.at", '''
def confusion_matrix(y, y_pred, k):
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (np.asarray(y), np.asarray(y_pred)), 1)
    return cm
'''),
    Variant("precision_recall_f1", "loop over classes", '''
def precision_recall_f1(cm):
    cm = np.asarray(cm)
    k = len(cm)
    p, r, f = np.zeros(k), np.zeros(k), np.zeros(k)
    for c in range(k):
        col, row = cm[:, c].sum(), cm[c, :].sum()
        p[c] = cm[c, c] / col if col else 0.0
        r[c] = cm[c, c] / row if row else 0.0
        f[c] = 2 * p[c] * r[c] / (p[c] + r[c]) if p[c] + r[c] else 0.0
    return p, r, f
'''),
] + SGD_CORRECT
