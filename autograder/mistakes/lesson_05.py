"""Lesson 05_gradient_descent: mistakes students make, and correct answers written differently."""
from . import Variant

LESSON = "05_gradient_descent"

MISTAKES = [
    Variant("numerical_derivative", "forward difference", '''
def numerical_derivative(J, w, eps=1e-4):
    return (J(w + eps) - J(w)) / eps
''', r"central difference"),
    Variant("numerical_derivative", "divides by eps, not 2 eps", '''
def numerical_derivative(J, w, eps=1e-4):
    return (J(w + eps) - J(w - eps)) / eps
''', r"2 \* eps"),
    Variant("numerical_derivative", "ignores the eps argument", '''
def numerical_derivative(J, w, eps=1e-4):
    return (J(w + 1e-4) - J(w - 1e-4)) / 2e-4
''', r"use the eps passed"),
    Variant("numerical_gradient", "aliased copy changes the caller's w", '''
def numerical_gradient(J, w, eps=1e-4):
    grad = np.zeros(len(w))
    for i in range(len(w)):
        w_plus, w_minus = w, w
        w_plus[i] += eps
        J_plus = J(w_plus)
        w_minus[i] -= 2 * eps
        grad[i] = (J_plus - J(w_minus)) / (2 * eps)
    return grad
''', r"in place|expected"),
    Variant("numerical_gradient", "one-sided difference", '''
def numerical_gradient(J, w, eps=1e-4):
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    for i in range(len(w)):
        step = np.zeros_like(w)
        step[i] = eps
        grad[i] = (J(w + step) - J(w)) / eps
    return grad
''', r"nudge only w\[i\] by \+eps and -eps"),
    Variant("numerical_gradient", "nudges every weight at once", '''
def numerical_gradient(J, w, eps=1e-4):
    w = np.array(w, dtype=float)
    return np.full_like(w, (J(w + eps) - J(w - eps)) / (2 * eps))
''', r"expected .*got"),
    Variant("gradient_descent", "gradient ascent", '''
def gradient_descent(grad, w0, alpha, n_steps):
    w = np.array(w0, dtype=float)
    history = [w]
    for _ in range(n_steps):
        w = w + alpha * grad(w)
        history.append(w)
    return np.array(history)
''', r"minus: downhill"),
    Variant("gradient_descent", "history aliases one array", '''
def gradient_descent(grad, w0, alpha, n_steps):
    w = np.array(w0, dtype=float)
    history = [w]
    for _ in range(n_steps):
        w -= alpha * grad(w)
        history.append(w)
    return np.array(history)
''', r"every row is the same|expected .*got"),
    Variant("gradient_descent", "history without w0", '''
def gradient_descent(grad, w0, alpha, n_steps):
    w = np.array(w0, dtype=float)
    history = []
    for _ in range(n_steps):
        w = w - alpha * grad(w)
        history.append(w)
    return np.array(history)
''', r"shape"),
    Variant("fit_linear", "cost with 1/(2m)", '''
def fit_linear(x, y, alpha, n_steps):
    x, y = np.asarray(x, float), np.asarray(y, float)
    m, w, b = len(y), 0.0, 0.0
    costs = [np.sum((w * x + b - y) ** 2) / (2 * m)]
    for _ in range(n_steps):
        e = w * x + b - y
        w, b = w - alpha * 2 / m * np.sum(e * x), b - alpha * 2 / m * np.sum(e)
        costs.append(np.sum((w * x + b - y) ** 2) / (2 * m))
    return w, b, np.array(costs)
''', r"costs holds J = \(1/m\)"),
    Variant("fit_linear", "gradient without the factor 2", '''
def fit_linear(x, y, alpha, n_steps):
    x, y = np.asarray(x, float), np.asarray(y, float)
    m, w, b = len(y), 0.0, 0.0
    costs = [np.mean((w * x + b - y) ** 2)]
    for _ in range(n_steps):
        e = w * x + b - y
        w, b = w - alpha / m * np.sum(e * x), b - alpha / m * np.sum(e)
        costs.append(np.mean((w * x + b - y) ** 2))
    return w, b, np.array(costs)
''', r"\(2/m\)"),
    Variant("fit_linear", "b's gradient taken after w moved", '''
def fit_linear(x, y, alpha, n_steps):
    x, y = np.asarray(x, float), np.asarray(y, float)
    m, w, b = len(y), 0.0, 0.0
    costs = [np.mean((w * x + b - y) ** 2)]
    for _ in range(n_steps):
        w = w - alpha * 2 / m * np.sum((w * x + b - y) * x)
        b = b - alpha * 2 / m * np.sum(w * x + b - y)
        costs.append(np.mean((w * x + b - y) ** 2))
    return w, b, np.array(costs)
''', r"at the current w and b"),
    Variant("fit_linear", "costs without the starting cost", '''
def fit_linear(x, y, alpha, n_steps):
    x, y = np.asarray(x, float), np.asarray(y, float)
    m, w, b = len(y), 0.0, 0.0
    costs = []
    for _ in range(n_steps):
        e = w * x + b - y
        w, b = w - alpha * 2 / m * np.sum(e * x), b - alpha * 2 / m * np.sum(e)
        costs.append(np.mean((w * x + b - y) ** 2))
    return w, b, np.array(costs)
''', r"shape|n_steps \+ 1"),
]

CORRECT = [
    Variant("numerical_derivative", "halves first", '''
def numerical_derivative(J, w, eps=1e-4):
    return 0.5 * (J(w + eps) - J(w - eps)) / eps
'''),
    Variant("numerical_gradient", "identity matrix rows", '''
def numerical_gradient(J, w, eps=1e-4):
    w = np.asarray(w, dtype=float)
    E = eps * np.eye(len(w))
    return np.array([(J(w + e) - J(w - e)) / (2 * eps) for e in E])
'''),
    Variant("numerical_gradient", "change and restore one entry", '''
def numerical_gradient(J, w, eps=1e-4):
    w = np.array(w, dtype=float)
    grad = np.zeros(w.shape)
    for i in range(w.size):
        old = w[i]
        w[i] = old + eps
        plus = J(w)
        w[i] = old - eps
        minus = J(w)
        w[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad
'''),
    Variant("gradient_descent", "preallocated history", '''
def gradient_descent(grad, w0, alpha, n_steps):
    w = np.array(w0, dtype=float)
    history = np.zeros((n_steps + 1,) + w.shape)
    history[0] = w
    for k in range(1, n_steps + 1):
        w = w - alpha * np.asarray(grad(w))
        history[k] = w
    return history
'''),
    Variant("gradient_descent", "in-place update with copies", '''
def gradient_descent(grad, w0, alpha, n_steps):
    w = np.array(w0, dtype=float)
    history = [w.copy()]
    for _ in range(n_steps):
        w -= alpha * np.asarray(grad(w))
        history.append(w.copy())
    return np.array(history)
'''),
    Variant("fit_linear", "vectorized with a design matrix", '''
def fit_linear(x, y, alpha, n_steps):
    X = np.c_[np.asarray(x, float), np.ones(len(x))]
    y = np.asarray(y, float)
    theta = np.zeros(2)
    J = lambda t: np.mean((X @ t - y) ** 2)
    costs = [J(theta)]
    for _ in range(n_steps):
        theta = theta - alpha * 2 / len(y) * X.T @ (X @ theta - y)
        costs.append(J(theta))
    return theta[0], theta[1], costs
'''),
]
