"""Lesson 07_digits: mistakes students make, and correct answers written differently."""
from mistakes import Variant

LESSON = "07_digits"

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
    fun = lambda t: (lambda J, g: (J, nnlib.network.pack(g)))(
        *nnlib.network.nn_cost_and_gradients(nnlib.network.unpack(t, sizes), X, Y, lambda_))
    theta0 = nnlib.network.pack(random_init(sizes))
    theta, _ = nnlib.minimize(fun, theta0, maxiter=maxiter)
    return nnlib.network.unpack(theta, sizes)
''', r"gave different parameters|rng"),
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
]

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
        J, grads = nnlib.network.nn_cost_and_gradients(nnlib.network.unpack(theta, sizes), X, Y, lambda_)
        return J, nnlib.network.pack(grads)
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
]
