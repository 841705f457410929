"""A class for the copy detector: honest students who solved lessons 06 and 07 each
in their own way, and students who copied (from a classmate or from nnlib).

``HONEST[student][grade_id]`` is the body a student wrote under the released
cell's def line and docstring (``cell`` puts it there, as students do); a body
that starts with ``def`` replaces the whole cell (the student rewrote it).
Every honest body is a correct solution (tests/test_copies.py checks them
against nnlib). The copies are made from them by the edits a copier makes.
"""
import ast
import inspect
import textwrap

from autograder import sample_class

from nnlib import gradcheck, metrics, network

LESSONS = {"06_backprop": ["output_weight_gradient", "backprop", "relative_difference"],
           "07_digits": ["random_init", "predict", "accuracy", "train", "confusion_matrix",
                         "precision_recall_f1"]}
LESSON_OF = {grade_id: lesson for lesson, ids in LESSONS.items() for grade_id in ids}

# The instructor's solutions (solutions/), written by someone who knows nnlib well.
INSTRUCTOR = {grade_id: sample_class.answer(lesson, grade_id)
              for lesson, ids in LESSONS.items() for grade_id in ids}

HONEST = {
    "ada": INSTRUCTOR,
    "bo": {  # loops everywhere
        "output_weight_gradient": '''
    error = actual - output
    slope = output * (1.0 - output)
    return -1.0 * error * slope * input_
''',
        "backprop": '''
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
''',
        "relative_difference": '''
    top, bottom = 0.0, 0.0
    for p, q in zip(np.ravel(a), np.ravel(b)):
        top += (float(p) - float(q)) ** 2
        bottom += (float(p) + float(q)) ** 2
    if bottom == 0:
        return 0.0
    return (top / bottom) ** 0.5
''',
        "random_init": '''
    gen = np.random.default_rng(rng)
    out = []
    for i in range(1, len(sizes)):
        W = np.empty((sizes[i], sizes[i - 1]))
        for r in range(sizes[i]):
            W[r] = gen.uniform(-epsilon, epsilon, sizes[i - 1])
        out.append((W, np.zeros(sizes[i])))
    return out
''',
        "predict": '''
    labels = []
    for x in np.asarray(X, dtype=float):
        a = x
        for W, b in params:
            a = 1 / (1 + np.exp(-(np.asarray(W) @ a + b)))
        labels.append(int(np.argmax(a)))
    return np.array(labels, dtype=int)
''',
        "accuracy": '''
    hits = 0
    for p, t in zip(y_pred, y):
        if p == t:
            hits += 1
    return hits / len(y)
''',
        "train": '''
    Y = nnlib.one_hot(y, sizes[-1])
    start = nnlib.network.pack(random_init(sizes, rng=rng))

    def objective(theta):
        layers = nnlib.network.unpack(theta, sizes)
        cost, gradients = nnlib.network.nn_cost_and_gradients(layers, X, Y, lambda_)
        return cost, nnlib.network.pack(gradients)

    best, _history = nnlib.minimize(objective, start, maxiter=maxiter)
    return nnlib.network.unpack(best, sizes)
''',
        "confusion_matrix": '''
    counts = np.zeros((k, k), dtype=int)
    for i in range(len(y)):
        counts[int(y[i]), int(y_pred[i])] = counts[int(y[i]), int(y_pred[i])] + 1
    return counts
''',
        "precision_recall_f1": '''
    cm = np.asarray(cm)
    k = len(cm)
    p, r, f = np.zeros(k), np.zeros(k), np.zeros(k)
    for c in range(k):
        col, row = cm[:, c].sum(), cm[c, :].sum()
        p[c] = cm[c, c] / col if col else 0.0
        r[c] = cm[c, c] / row if row else 0.0
        f[c] = 2 * p[c] * r[c] / (p[c] + r[c]) if p[c] + r[c] else 0.0
    return p, r, f
''',
    },
    "cy": {  # vectorized, compact
        "output_weight_gradient": '''
    return (output - actual) * output * (1 - output) * input_
''',
        "backprop": '''
    m = len(X)
    acts = [np.asarray(X, dtype=float)]
    for W, b in params:
        acts.append(nnlib.sigmoid(acts[-1] @ np.transpose(W) + b))
    err = (acts[-1] - np.asarray(Y, dtype=float)) / m
    out = []
    for (W, b), a_in in reversed(list(zip(params, acts[:-1]))):
        out.insert(0, (err.T @ a_in + lambda_ * np.asarray(W) / m, err.sum(0)))
        err = err @ W * a_in * (1 - a_in)
    return out
''',
        "relative_difference": '''
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    bottom = np.sqrt(np.sum((a + b) ** 2))
    return 0.0 if bottom == 0 else np.sqrt(np.sum((a - b) ** 2)) / bottom
''',
        "random_init": '''
    gen = np.random.default_rng(rng)
    return [((2 * gen.random((n, n_in)) - 1) * epsilon, np.zeros(n))
            for n_in, n in zip(sizes, sizes[1:])]
''',
        "predict": '''
    H = X
    for W, b in params:
        H = nnlib.sigmoid(np.dot(H, np.transpose(W)) + b)
    return H.argmax(axis=-1)
''',
        "accuracy": '''
    return np.count_nonzero(np.equal(y_pred, y)) / np.size(y)
''',
        "train": '''
    Y = nnlib.one_hot(y, sizes[-1])
    f = lambda t: (lambda J_g: (J_g[0], pack(J_g[1])))(
        nn_cost_and_gradients(unpack(t, sizes), X, Y, lambda_))
    theta, _ = nnlib.minimize(f, pack(random_init(sizes, rng=rng)), maxiter=maxiter)
    return unpack(theta, sizes)
''',
        "confusion_matrix": '''
    return np.bincount(np.asarray(y) * k + np.asarray(y_pred), minlength=k * k).reshape(k, k)
''',
        "precision_recall_f1": '''
    cm = np.asarray(cm, dtype=float)
    tp = cm.diagonal()
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(tp / cm.sum(0))
        recall = np.nan_to_num(tp / cm.sum(1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return precision, recall, f1
''',
    },
    "dee": {  # small helper functions, negative indices
        "output_weight_gradient": '''
    dE_doutput = output - actual
    doutput_dz = output * (1 - output)
    dz_dw = input_
    return dE_doutput * doutput_dz * dz_dw
''',
        "backprop": '''
    def sig(z):
        return 1.0 / (1.0 + np.exp(-z))

    X = np.asarray(X, dtype=float)
    activations = [X]
    i = 0
    while i < len(params):
        W, b = params[i]
        activations.append(sig(activations[i] @ np.asarray(W).T + b))
        i += 1
    n = X.shape[0]
    d = (activations[-1] - Y) / n
    result = []
    for j in range(1, len(params) + 1):
        W, b = params[-j]
        prev = activations[-j - 1]
        result.append((d.T @ prev + (lambda_ / n) * np.asarray(W), np.sum(d, axis=0)))
        d = np.dot(d, W) * prev * (1.0 - prev)
    result.reverse()
    return result
''',
        "relative_difference": '''
    flat_a = np.concatenate([np.ravel(np.asarray(a, dtype=float))])
    flat_b = np.concatenate([np.ravel(np.asarray(b, dtype=float))])
    size_sum = np.linalg.norm(flat_a + flat_b)
    size_diff = np.linalg.norm(flat_a - flat_b)
    if size_sum == 0:
        return 0.0
    return size_diff / size_sum
''',
        "random_init": '''
    def draw(shape):
        return generator.uniform(low=-epsilon, high=epsilon, size=shape)

    generator = np.random.default_rng(rng)
    return [(draw((sizes[l], sizes[l - 1])), np.zeros(sizes[l])) for l in range(1, len(sizes))]
''',
        "predict": '''
    def sig(z):
        return 1.0 / (1.0 + np.exp(-z))

    out = np.asarray(X, dtype=float)
    for layer in params:
        out = sig(out @ np.asarray(layer[0]).T + layer[1])
    return np.array([row.argmax() for row in out])
''',
        "accuracy": '''
    same = np.asarray(y_pred) == np.asarray(y)
    return same.sum() / same.size
''',
        "train": '''
    def fun(theta):
        J, grads = nnlib.network.nn_cost_and_gradients(nnlib.network.unpack(theta, sizes), X,
                                                       nnlib.one_hot(y, sizes[-1]), lambda_)
        return J, nnlib.network.pack(grads)

    theta0 = nnlib.network.pack(random_init(sizes, rng=rng))
    theta_best = nnlib.minimize(fun, theta0, method="L-BFGS-B", maxiter=maxiter)[0]
    return nnlib.network.unpack(theta_best, sizes)
''',
        "confusion_matrix": '''
    y, y_pred = np.asarray(y), np.asarray(y_pred)
    return np.array([[np.sum((y == i) & (y_pred == j)) for j in range(k)] for i in range(k)])
''',
        "precision_recall_f1": '''
    def ratio(top, bottom):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), 0.0)

    cm = np.asarray(cm, dtype=float)
    hits = np.diag(cm)
    p = ratio(hits, cm.sum(axis=0))
    r = ratio(hits, cm.sum(axis=1))
    return p, r, ratio(2 * p * r, p + r)
''',
    },
    "eli": {  # einsum, index arithmetic, zero-based layers
        "output_weight_gradient": '''
    return float(np.prod([-(actual - output), output, 1 - output, input_]))
''',
        "backprop": '''
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    m, L = X.shape[0], len(params)
    cache = {0: X}
    for l in range(L):
        W, b = np.asarray(params[l][0], dtype=float), np.asarray(params[l][1], dtype=float)
        cache[l + 1] = 1 / (1 + np.exp(-(np.einsum("ij,kj->ik", cache[l], W) + b)))
    grads = [None] * L
    delta = cache[L] - Y
    for l in reversed(range(L)):
        W = np.asarray(params[l][0], dtype=float)
        grads[l] = (np.einsum("ik,ij->kj", delta, cache[l]) / m + lambda_ / m * W,
                    np.einsum("ik->k", delta) / m)
        delta = np.einsum("ik,kj->ij", delta, W) * cache[l] * (1 - cache[l])
    return grads
''',
        "relative_difference": '''
    u = np.array(a, dtype=float).flatten()
    v = np.array(b, dtype=float).flatten()
    s = np.dot(u + v, u + v)
    return 0.0 if s == 0 else float(np.sqrt(np.dot(u - v, u - v) / s))
''',
        "random_init": '''
    rng = np.random.default_rng(rng)
    params = []
    for l in range(len(sizes) - 1):
        shape = (sizes[l + 1], sizes[l])
        params.append((epsilon * (1 - 2 * rng.random(shape)), np.zeros(sizes[l + 1])))
    return params
''',
        "predict": '''
    A = np.asarray(X, dtype=float)
    for l in range(len(params)):
        A = nnlib.sigmoid(np.einsum("ij,kj->ik", A, params[l][0]) + params[l][1])
    return np.argmax(A, 1).astype(int)
''',
        "accuracy": '''
    y_pred, y = np.asarray(y_pred).ravel(), np.asarray(y).ravel()
    return float(sum(y_pred == y)) / len(y)
''',
        "train": '''
    targets = np.eye(sizes[-1])[np.asarray(y)]
    theta = nnlib.network.pack(random_init(sizes, rng=rng))

    def cost_grad(vector):
        value, g = nnlib.network.nn_cost_and_gradients(
            nnlib.network.unpack(vector, sizes), X, targets, lambda_)
        return value, nnlib.network.pack(g)

    result = nnlib.minimize(cost_grad, theta, maxiter=maxiter)
    return nnlib.network.unpack(result[0], sizes)
''',
        "confusion_matrix": '''
    table = np.zeros((k, k), dtype=np.int64)
    np.add.at(table, (np.asarray(y), np.asarray(y_pred)), 1)
    return table
''',
        "precision_recall_f1": '''
    cm = np.array(cm, dtype=float)
    k = cm.shape[0]
    precision, recall, f1 = (np.zeros(k) for _ in range(3))
    for j in range(k):
        predicted_j = sum(cm[i][j] for i in range(k))
        actual_j = sum(cm[j][i] for i in range(k))
        if predicted_j > 0:
            precision[j] = cm[j][j] / predicted_j
        if actual_j > 0:
            recall[j] = cm[j][j] / actual_j
        if precision[j] + recall[j] > 0:
            f1[j] = 2 * precision[j] * recall[j] / (precision[j] + recall[j])
    return precision, recall, f1
''',
    },
    "fay": {  # list comprehensions and zip, names from the lesson's equations
        "output_weight_gradient": '''
    dE_dw = (output - actual) * (output - output ** 2) * input_
    return dE_dw
''',
        "backprop": '''
    Zs, As = [], [np.asarray(X, dtype=float)]
    for W, b in params:
        Zs.append(As[-1] @ np.asarray(W, dtype=float).T + b)
        As.append(nnlib.sigmoid(Zs[-1]))
    m = As[0].shape[0]
    deltas = [(As[-1] - Y) / m]
    for l in range(len(params) - 1, 0, -1):
        deltas.insert(0, (deltas[0] @ params[l][0]) * nnlib.sigmoid_prime(Zs[l - 1]))
    return [(delta.T @ A_prev + lambda_ / m * np.asarray(W), delta.sum(axis=0))
            for delta, A_prev, (W, b) in zip(deltas, As[:-1], params)]
''',
        "relative_difference": '''
    pairs = list(zip(np.ravel(a).astype(float), np.ravel(b).astype(float)))
    num = sum((x - y) ** 2 for x, y in pairs) ** 0.5
    den = sum((x + y) ** 2 for x, y in pairs) ** 0.5
    return num / den if den else 0.0
''',
        "random_init": '''
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return [(g.uniform(-1.0, 1.0, (rows, cols)) * epsilon, np.zeros(rows))
            for cols, rows in zip(sizes[:-1], sizes[1:])]
''',
        "predict": '''
    H = nnlib.forward(X, params, nnlib.sigmoid)
    return np.array([int(np.argmax(h)) for h in H])
''',
        "accuracy": '''
    return float(np.mean([int(a == b) for a, b in zip(y_pred, y)]))
''',
        "train": '''
    one_hot_y = nnlib.one_hot(y, sizes[-1])
    initial = nnlib.network.pack(random_init(sizes, epsilon=0.12, rng=rng))
    fitted, costs = nnlib.minimize(
        lambda vec: tuple(f(x) for f, x in zip(
            (float, nnlib.network.pack),
            nnlib.network.nn_cost_and_gradients(nnlib.network.unpack(vec, sizes), X, one_hot_y,
                                                lambda_))),
        initial, maxiter=maxiter)
    return nnlib.network.unpack(fitted, sizes)
''',
        "confusion_matrix": '''
    pairs = list(zip(np.asarray(y).tolist(), np.asarray(y_pred).tolist()))
    return np.array([[pairs.count((t, p)) for p in range(k)] for t in range(k)], dtype=int)
''',
        "precision_recall_f1": '''
    cm = np.asarray(cm, dtype=float)
    diag = [cm[c, c] for c in range(len(cm))]
    col_sums, row_sums = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.array([d / s if s else 0.0 for d, s in zip(diag, col_sums)])
    recall = np.array([d / s if s else 0.0 for d, s in zip(diag, row_sums)])
    f1 = np.array([2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precision, recall)])
    return precision, recall, f1
''',
    },
}


def body_of(function):
    """The body of one of nnlib's functions without its docstring, as a student would paste it."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    first_statement = ast.parse("\n".join(lines)).body[0].body[1]  # body[0] is the docstring
    return "\n" + "\n".join(lines[first_statement.lineno - 1:]) + "\n"


# What copiers hand in: some cells of their source (gus: all of bo's), edited as copiers
# do; their other cells are left as handed out.
RENAMED_CY_BACKPROP = '''
    n_examples = len(X)
    # forward pass: keep every layer's activation
    layer_outputs = [np.asarray(X, dtype=float)]
    for weights, bias in params:
        layer_outputs.append( nnlib.sigmoid(layer_outputs[-1] @ np.transpose(weights) + bias) )

    # error of the output layer
    e = (layer_outputs[-1] - np.asarray(Y, dtype=float)) / n_examples
    gradients = []
    for (weights, bias), inputs in reversed(list(zip(params, layer_outputs[:-1]))):
        gradients.insert(0, (e.T @ inputs + lambda_ * np.asarray(weights) / n_examples,
                             e.sum(0)))   # dW, db
        e = e @ weights * inputs * (1 - inputs)
    return gradients
'''
RENAMED_CY_PRF = '''
    # precision, recall, F1 for every class
    matrix = np.asarray(cm, dtype=float)
    true_pos = matrix.diagonal()
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.nan_to_num(true_pos / matrix.sum(0))
        rec = np.nan_to_num(true_pos / matrix.sum(1))
        f_score = np.nan_to_num(2 * prec * rec / (prec + rec))
    return prec, rec, f_score
'''
# dee's backprop with the independent statements swapped around and names changed.
REORDERED_DEE_BACKPROP = '''
    def logistic(t):
        return 1.0 / (1.0 + np.exp(-t))

    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    acts = [X]
    idx = 0
    while idx < len(params):
        Wl, bl = params[idx]
        acts.append(logistic(acts[idx] @ np.asarray(Wl).T + bl))
        idx += 1
    out = []
    err = (acts[-1] - Y) / n
    for j in range(1, len(params) + 1):
        Wl, bl = params[-j]
        below = acts[-j - 1]
        out.append((err.T @ below + (lambda_ / n) * np.asarray(Wl), np.sum(err, axis=0)))
        err = np.dot(err, Wl) * below * (1.0 - below)
    out.reverse()
    return out
'''
REORDERED_DEE_PRF = '''
    cm = np.asarray(cm, dtype=float)

    def safe_ratio(num, den):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)

    diagonal = np.diag(cm)
    rec = safe_ratio(diagonal, cm.sum(axis=1))
    prec = safe_ratio(diagonal, cm.sum(axis=0))
    return prec, rec, safe_ratio(2 * prec * rec, prec + rec)
'''
REORDERED_DEE_RELDIFF = '''
    flat_b = np.concatenate([np.ravel(np.asarray(b, dtype=float))])
    flat_a = np.concatenate([np.ravel(np.asarray(a, dtype=float))])
    size_diff = np.linalg.norm(flat_a - flat_b)
    size_sum = np.linalg.norm(flat_a + flat_b)
    if size_sum == 0:
        return 0.0
    return size_diff / size_sum
'''
# nnlib's backprop with its backward pass pasted in.
NNLIB_BACKPROP = '''
    Zs, As = nnlib.network.forward_layers(X, params)
    Y = np.asarray(Y, dtype=float)
    g_prime = None
    sigmoid_prime_from_output = nnlib.sigmoid_prime_from_output
''' + body_of(network.backward)
NNLIB_PRF = '''
    def _safe_divide(a, b):
        return np.divide(a, b, out=np.zeros_like(a), where=b != 0)
''' + body_of(metrics.precision_recall_f1)

COPIES = {
    "gus": dict(HONEST["bo"]),                      # bo's notebooks, unchanged
    "hal": {"backprop": RENAMED_CY_BACKPROP,        # cy's, renamed and recommented
            "precision_recall_f1": RENAMED_CY_PRF,
            "relative_difference": HONEST["cy"]["relative_difference"].replace("bottom", "den")},
    "ivy": {"backprop": REORDERED_DEE_BACKPROP,     # dee's, statements reordered
            "precision_recall_f1": REORDERED_DEE_PRF,
            "relative_difference": REORDERED_DEE_RELDIFF},
    "jo": {"backprop": NNLIB_BACKPROP,               # nnlib's own code
           "precision_recall_f1": NNLIB_PRF,
           "relative_difference": body_of(gradcheck.relative_difference),
           "confusion_matrix": body_of(metrics.confusion_matrix).replace(
               'y, y_pred = _labels(y, "y"), _labels(y_pred, "y_pred")',
               "y, y_pred = np.asarray(y), np.asarray(y_pred)")},
}
# Who copied whom, as the detector should report it: (student, source, lesson).
PLANTED = {("gus", "bo", "06_backprop"), ("gus", "bo", "07_digits"),
           ("hal", "cy", "06_backprop"), ("hal", "cy", "07_digits"), ("ivy", "dee", "06_backprop"),
           ("jo", "nnlib", "06_backprop"), ("jo", "nnlib", "07_digits")}
# A copy the detector cannot see: ivy's precision_recall_f1, dee's with its few statements
# swapped around, keeps no run of 25 tokens long enough (similarity 0.42).
MISSED = {("ivy", "dee", "07_digits")}


def cell(lesson, grade_id, body):
    """The solution cell a student hands in: the released cell with its body written."""
    released = sample_class.submission(lesson, solved=False)
    template = next(c.source for c in released.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    if body.lstrip("\n").startswith("def "):
        return body.strip("\n") + "\n"
    stub = "    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert stub in template, f"{lesson} {grade_id}: no stub in the released cell"
    return template.replace(stub, body.strip("\n"))


def class_answers():
    """{student: {lesson: {grade_id: cell source}}} for every honest student and copier."""
    answers = {}
    for student, bodies in {**HONEST, **COPIES}.items():
        for grade_id, body in bodies.items():
            lesson = LESSON_OF[grade_id]
            if student == "ada":  # the instructor's solution cells are whole cells already
                cell_source = body
            else:
                cell_source = cell(lesson, grade_id, body)
            answers.setdefault(student, {}).setdefault(lesson, {})[grade_id] = cell_source
    return answers
