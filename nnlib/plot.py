"""Plotting helpers for the course notebooks.

Pictures of digits and weights, cost curves, decision regions, confusion
matrices, activation functions and gradient descent paths. Every function
draws on a new figure unless it is given an ``ax`` (or ``fig``), returns the
Axes (or the Figure for grids) and never calls ``plt.show()``. Legends have a
fixed place: matplotlib's default search for the best one warns on stderr
when it takes over a second, which a busy machine can make it do.
"""

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap


def _evaluate(f, points):
    """Evaluate f at each of the points, whether or not f accepts arrays.

    Parameters
    ----------
    f : callable
        Function of one number (or one array of numbers).
    points : ndarray, shape (p,)
        Where to evaluate f.

    Returns
    -------
    values : ndarray, shape (p,)
        f(points[i]) for each i.
    """
    try:
        values = np.asarray(f(points), dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != points.shape:
        # f only works on one number at a time: call it point by point
        values = np.vectorize(f, otypes=[float])(points)
    return values


def _padded_range(values, margin=0.2):
    """Return (low, high) covering the finite values with a margin on each side.

    Parameters
    ----------
    values : array_like
        Numbers to cover; inf and nan are ignored.
    margin : float
        Fraction of the span added on each side.

    Returns
    -------
    low, high : float
        Ends of the range.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return -1.0, 1.0
    low, high = values.min(), values.max()
    span = high - low
    if span == 0:
        span = max(abs(low), 1.0)
    return low - margin * span, high + margin * span


def _equal_ranges(history, w1_range, w2_range):
    """(w1_range, w2_range) for a 2-D path: given ranges as they are; a range not
    given covers the path with a margin, widened to the other axis' span."""
    given = [w1_range, w2_range]
    ranges = [tuple(r) if r is not None else _padded_range(history[:, i])
              for i, r in enumerate(given)]
    span = max(high - low for low, high in ranges)
    for i, (low, high) in enumerate(ranges):
        if given[i] is None:
            middle = (low + high) / 2
            ranges[i] = (middle - span / 2, middle + span / 2)
    return ranges


def _evaluate_grid(J, W1, W2):
    """J at every point (W1[i, j], W2[i, j]) of a grid, shape W1.shape.

    J is called once on the whole grid, the weights along the first axis
    (shape (2, p, q)) or the last (shape (p, q, 2)), when that gives an array
    of the grid's shape that agrees with J at single points; otherwise it is
    called point by point.
    """
    def at(i, j):
        return float(J(np.array([W1[i, j], W2[i, j]])))

    for grid in (np.stack([W1, W2]), np.stack([W1, W2], axis=-1)):
        try:
            with np.errstate(all="ignore"):
                costs = np.asarray(J(grid), dtype=float)
        except Exception:                 # J takes one point only: try the next way
            continue
        corners = [(0, 0), (-1, -1), (W1.shape[0] // 3, W1.shape[1] // 2)]
        if costs.shape == W1.shape and np.allclose(
                [costs[c] for c in corners], [at(*c) for c in corners], equal_nan=True):
            return costs
    costs = np.empty(W1.shape)
    for i in range(W1.shape[0]):
        for j in range(W1.shape[1]):
            costs[i, j] = at(i, j)
    return costs


def _grid_figure(count, fig, cell_size, top=0.1, right=0.1):
    """Return a figure and the (rows, cols) of a square-ish grid of count cells.

    A new figure gets its spacing set here, with ``top`` and ``right`` inches
    beside the grid: constrained layout would place each of the (up to 36)
    Axes again at every draw, which takes about half of the drawing time.
    """
    cols = int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / cols))
    cell_size = min(cell_size, 10 / cols)   # at most 10 inches wide
    if fig is None:
        width, height = cols * cell_size + right, rows * cell_size * 1.15 + top
        fig = plt.figure(figsize=(width, height))
        fig.subplots_adjust(left=0.1 / width, right=1 - right / width, bottom=0.1 / height,
                            top=1 - top / height, wspace=0.1, hspace=0.3)
    return fig, rows, cols


def digit_grid(X, y=None, n=25, shape=(20, 20), predicted=None, fig=None,
               rng=None, indices=None):
    """Show images (rows of X) in a square-ish grid, titled with their labels.

    Parameters
    ----------
    X : ndarray, shape (m, n_pixels)
        One image per row, n_pixels = shape[0] * shape[1] (reshaped in C order).
    y : ndarray, shape (m,), optional
        True labels, written as the title of each image.
    n : int
        Number of images to show (ignored when indices is given).
    shape : tuple of int
        (height, width) of one image.
    predicted : ndarray, shape (m,), optional
        Predicted labels; a wrong prediction is written "pred 3" in red.
    fig : matplotlib Figure, optional
        Empty figure to draw in; a new one is made if None.
    rng : numpy Generator or int, optional
        If given, show a random sample of n rows instead of the first n.
    indices : sequence of int, optional
        Rows of X to show.

    Returns
    -------
    fig : matplotlib Figure
        The figure, with one Axes per image.

    Introduced in lesson 07_digits.
    """
    X = np.asarray(X)
    m = X.shape[0]
    if X.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"rows of X have {X.shape[1]} values, "
                         f"but images of shape {shape} need {shape[0] * shape[1]}")
    if indices is not None:
        indices = np.asarray(indices, dtype=int).ravel()
    elif rng is not None:
        rng = np.random.default_rng(rng)
        indices = rng.choice(m, size=min(n, m), replace=False)
    else:
        indices = np.arange(min(n, m))
    if y is not None:
        y = np.asarray(y).ravel()
    if predicted is not None:
        predicted = np.asarray(predicted).ravel()

    fig, rows, cols = _grid_figure(len(indices), fig, cell_size=1.2)
    for cell, i in enumerate(indices):
        ax = fig.add_subplot(rows, cols, cell + 1)
        ax.imshow(X[i].reshape(shape), cmap="gray_r")
        ax.set_xticks([])
        ax.set_yticks([])
        title = ""
        color = "black"
        if y is not None:
            title = str(int(y[i]))
        if predicted is not None:
            if y is None:
                title = f"pred {int(predicted[i])}"
            elif predicted[i] != y[i]:
                title = f"{int(y[i])}, pred {int(predicted[i])}"
                color = "red"
        ax.set_title(title, color=color, fontsize=10)
    return fig


def weights_grid(W, shape=(20, 20), fig=None):
    """Show each row of W (the input weights of one unit) as an image.

    Colours are symmetric around 0 (blue negative, red positive) and shared
    by all units, so the images can be compared.

    Parameters
    ----------
    W : ndarray, shape (n_l, n_{l-1})
        Weight matrix of one layer, n_{l-1} = shape[0] * shape[1].
    shape : tuple of int
        (height, width) of one image.
    fig : matplotlib Figure, optional
        Empty figure to draw in; a new one is made if None.

    Returns
    -------
    fig : matplotlib Figure
        The figure, with one Axes per unit and a colorbar.

    Introduced in lesson 07_digits.
    """
    W = np.asarray(W, dtype=float)
    if W.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"rows of W have {W.shape[1]} values, "
                         f"but images of shape {shape} need {shape[0] * shape[1]}")
    limit = np.abs(W).max()
    if limit == 0:
        limit = 1.0

    made_here = fig is None
    fig, rows, cols = _grid_figure(W.shape[0], fig, cell_size=1.3, top=0.6, right=1.1)
    axes = []
    for i in range(W.shape[0]):
        ax = fig.add_subplot(rows, cols, i + 1)
        image = ax.imshow(W[i].reshape(shape), cmap="RdBu_r",
                          vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"unit {i}", fontsize=10)
        axes.append(ax)
    title = "weights of each unit (one row of W per image)"
    if made_here:     # in the margins _grid_figure left on the right and at the top
        width, height = fig.get_size_inches()
        grid = fig.subplotpars
        span = grid.top - grid.bottom
        fig.colorbar(image, label="weight", cax=fig.add_axes(
            [grid.right + 0.25 / width, grid.bottom + 0.1 * span, 0.2 / width, 0.8 * span]))
        fig.suptitle(title, y=1 - 0.08 / height, va="top")
    else:
        fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
        fig.suptitle(title)
    return fig


def cost_curve(costs, ax=None, label=None, logy=False):
    """Plot the cost J after each iteration of training.

    inf and nan values (training diverged) are left out of the curve, and a
    dotted vertical line marks the first of them.

    Parameters
    ----------
    costs : array_like, shape (iterations,)
        Cost at each iteration.
    ax : matplotlib Axes, optional
        Axes to draw on (call again with the same ax to overlay curves).
    label : str, optional
        Name of this curve in the legend.
    logy : bool
        Use a logarithmic cost axis.

    Returns
    -------
    ax : matplotlib Axes

    Introduced in lesson 05_gradient_descent.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    costs = np.asarray(costs, dtype=float).ravel()
    finite = np.isfinite(costs)
    iterations = np.arange(len(costs))
    # nan leaves a gap in the line, so only finite costs are drawn
    line, = ax.plot(iterations, np.where(finite, costs, np.nan), label=label)
    if not finite.all():
        first_bad = np.argmin(finite)
        ax.axvline(first_bad, color=line.get_color(), linestyle=":")
        ax.annotate(f"not finite from iteration {first_bad}",
                    xy=(first_bad, 0.97), xycoords=("data", "axes fraction"),
                    xytext=(3, 0), textcoords="offset points", rotation=90,
                    ha="left", va="top", color=line.get_color())
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title("cost during training")
    ax.grid(True, alpha=0.3)
    if label is not None:
        ax.legend(loc="upper right")
    return ax



def train_validation_curve(x, train_error, validation_error, xlabel, ax=None, logx=False):
    """Plot the training and the validation error against a setting.

    The picture a practitioner reads to tell underfitting (both errors high)
    from overfitting (training error low, validation error high): against the
    number of training examples it is a learning curve, against the number
    of hidden units a model-size sweep.

    Parameters
    ----------
    x : array_like, shape (p,)
        The setting of each point, e.g. training-set sizes.
    train_error, validation_error : array_like, shape (p,)
        Fractions of misclassified examples (1 - accuracy).
    xlabel : str
        What x is.
    ax : matplotlib Axes, optional
    logx : bool
        Use a logarithmic x axis (for settings that double).

    Returns
    -------
    ax : matplotlib Axes

    Introduced in lesson 07_digits.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(x, train_error, "o-", label="training error")
    ax.plot(x, validation_error, "s-", label="validation error")
    if logx:
        ax.set_xscale("log")
        ax.set_xticks(list(x))
        ax.set_xticklabels([f"{value:g}" for value in x])
        ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("error (fraction misclassified)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    return ax

def _predicted_labels(output):
    """Turn the output of a predict function into class labels, shape (p,)."""
    output = np.asarray(output)
    if output.ndim == 2 and output.shape[1] > 1:
        return output.argmax(axis=1)          # one probability per class
    output = output.ravel()
    if output.dtype == bool:
        return output.astype(int)
    if np.all(output == np.round(output)):
        return output.astype(int)             # already labels
    return (output >= 0.5).astype(int)        # probability of class 1


def decision_regions(predict_fn, X, y, ax=None, resolution=200, padding=0.5):
    """Colour the plane by the class a model predicts, with the data on top.

    Parameters
    ----------
    predict_fn : callable
        Takes a grid of points, shape (resolution**2, 2), and returns class
        labels of shape (resolution**2,), probabilities of class 1 of shape
        (resolution**2,) or (resolution**2, 1) (threshold 0.5), or one
        probability per class, shape (resolution**2, k).
    X : ndarray, shape (m, 2)
        Examples with two features.
    y : ndarray, shape (m,)
        Labels 0..k-1.
    ax : matplotlib Axes, optional
        Axes to draw on.
    resolution : int
        Number of grid points along each axis.
    padding : float
        Margin added around the data, in units of the features.

    Returns
    -------
    ax : matplotlib Axes
        The predicted labels on the grid are ``ax.collections[0].get_array()``.

    Introduced in lesson 02_hidden_layers.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel().astype(int)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_regions needs X of shape (m, 2), got {X.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")

    x1 = np.linspace(X[:, 0].min() - padding, X[:, 0].max() + padding, resolution)
    x2 = np.linspace(X[:, 1].min() - padding, X[:, 1].max() + padding, resolution)
    X1, X2 = np.meshgrid(x1, x2)
    grid = np.column_stack([X1.ravel(), X2.ravel()])
    labels = _predicted_labels(predict_fn(grid)).reshape(X1.shape)

    k = max(y.max(), labels.max()) + 1
    palette = plt.get_cmap("tab10" if k <= 10 else "tab20")
    colors = ListedColormap([palette(c % palette.N) for c in range(k)])
    ax.pcolormesh(X1, X2, labels, cmap=colors, vmin=-0.5, vmax=k - 0.5,
                  alpha=0.3, shading="nearest")
    for c in range(k):
        members = y == c
        if members.any():
            ax.scatter(X[members, 0], X[members, 1], color=colors(c),
                       edgecolor="black", s=30, label=f"class {c}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("decision regions")
    ax.legend(loc="upper right", framealpha=0.8)
    return ax


def confusion_matrix(cm, ax=None, labels=None, normalize=False):
    """Show a confusion matrix as a heatmap with the value written in each cell.

    Parameters
    ----------
    cm : ndarray, shape (k, k)
        cm[i, j] = number of examples of true label i predicted as j.
    ax : matplotlib Axes, optional
        Axes to draw on.
    labels : sequence of str, optional
        Names of the k classes (default 0..k-1).
    normalize : bool
        Divide each row by its sum, showing the fraction of each true label.

    Returns
    -------
    ax : matplotlib Axes

    Introduced in lesson 07_digits.
    """
    cm = np.asarray(cm, dtype=float)
    k = cm.shape[0]
    if normalize:
        totals = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)
    if labels is None:
        labels = [str(c) for c in range(k)]
    if ax is None:
        size = max(4, 0.5 * k + 1)
        fig, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")

    image = ax.imshow(cm, cmap="Blues", vmin=0, vmax=1 if normalize else cm.max())
    ax.figure.colorbar(image, ax=ax, label="fraction" if normalize else "count")
    for i in range(k):
        for j in range(k):
            value = cm[i, j]
            text = f"{value:.2f}" if normalize else f"{value:g}"
            # white text on dark cells, black text on light cells
            color = "white" if image.norm(value) > 0.5 else "black"
            ax.text(j, i, text, ha="center", va="center", color=color,
                    fontsize=10 if k <= 10 else 8)
    ax.set_xticks(range(k))
    ax.set_xticklabels(labels)
    ax.set_yticks(range(k))
    ax.set_yticklabels(labels)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    ax.set_title("confusion matrix (rows sum to 1)" if normalize
                 else "confusion matrix")
    return ax


def activation_curves(functions, z=None, ax=None):
    """Plot several functions of z on one axes, e.g. activations and derivatives.

    Parameters
    ----------
    functions : dict of str -> callable
        Name in the legend -> function of z.
    z : ndarray, shape (p,), optional
        Where to evaluate the functions (default np.linspace(-6, 6, 601)).
    ax : matplotlib Axes, optional
        Axes to draw on.

    Returns
    -------
    ax : matplotlib Axes

    Introduced in lesson 03_activations.
    """
    if z is None:
        z = np.linspace(-6, 6, 601)
    z = np.asarray(z, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.axhline(0, color="gray", linewidth=0.8)
    ax.axvline(0, color="gray", linewidth=0.8)
    for name, f in functions.items():
        ax.plot(z, _evaluate(f, z), label=name, linewidth=2)
    ax.set_xlabel("z")
    ax.set_ylabel("g(z)")
    ax.set_title("activation functions")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    return ax


def _number_points(ax, x, y, color):
    """Write i next to point i of a path, skipping numbers that would overlap.

    Call it after the axis limits are set: closeness is measured as a
    fraction of the axes' width and height.
    """
    x_low, x_high = ax.get_xlim()
    y_low, y_high = ax.get_ylim()
    numbered = []                           # (x, y) of the points numbered so far
    for i in range(len(x)):
        if not (np.isfinite(x[i]) and np.isfinite(y[i])):
            continue
        too_close = False
        for x_old, y_old in numbered:
            dx = abs(x[i] - x_old) / (x_high - x_low)
            dy = abs(y[i] - y_old) / (y_high - y_low)
            if dx < 0.06 and dy < 0.05:
                too_close = True
        if not too_close:
            ax.annotate(str(i), (x[i], y[i]), textcoords="offset points",
                        xytext=(6, 6), fontsize=9, color=color)
            numbered.append((x[i], y[i]))


def descent_path_1d(J, history, ax=None, w_range=None):
    """Plot a cost J(w) of one weight and the steps gradient descent took on it.

    Parameters
    ----------
    J : callable
        Cost as a function of one number w (works with or without arrays).
    history : array_like, shape (steps+1,)
        w before the first step and after each step.
    ax : matplotlib Axes, optional
        Axes to draw on.
    w_range : tuple of float, optional
        (low, high) of the w axis; default covers the history with a margin.

    Returns
    -------
    ax : matplotlib Axes

    Introduced in lesson 05_gradient_descent.
    """
    history = np.asarray(history, dtype=float).ravel()
    if w_range is None:
        w_range = _padded_range(history)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    w = np.linspace(w_range[0], w_range[1], 400)
    ax.plot(w, _evaluate(J, w), color="C0", linewidth=2, label="J(w)")

    costs = _evaluate(J, history)
    ax.plot(history, costs, "o", color="C1", markersize=5)
    ax.quiver(history[:-1], costs[:-1], np.diff(history), np.diff(costs),
              angles="xy", scale_units="xy", scale=1, color="C1", width=0.004,
              headwidth=5, headlength=7, headaxislength=6)
    ax.plot(history[0], costs[0], "o", color="green", markersize=9, label="start")
    ax.plot(history[-1], costs[-1], "*", color="red", markersize=14, label="end")
    ax.set_xlim(w_range)
    _number_points(ax, history, costs, color="C1")
    ax.set_xlabel("w")
    ax.set_ylabel("J(w)")
    ax.set_title(f"gradient descent: {len(history) - 1} steps")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper center")
    return ax


def descent_path_2d(J, history, ax=None, w1_range=None, w2_range=None, levels=30):
    """Contour plot of a cost J(w1, w2) with the path of gradient descent.

    Parameters
    ----------
    J : callable
        Cost as a function of one array w of shape (2,). If J also accepts
        the whole grid at once (w of shape (2, p, q), as ``w[0] ** 2 + w[1] ** 2``
        does, or (p, q, 2)), it is called once instead of once per point.
    history : array_like, shape (steps+1, 2)
        w before the first step and after each step.
    ax : matplotlib Axes, optional
        Axes to draw on.
    w1_range, w2_range : tuple of float, optional
        (low, high) of each axis. A range not given covers the history with a
        margin, widened to the span of the other axis. Both axes have the same
        scale, so a round bowl looks round and the path crosses the contours
        at right angles.
    levels : int or sequence of float
        Number of contour lines, or the costs at which to draw them.

    Returns
    -------
    ax : matplotlib Axes

    Introduced in lesson 05_gradient_descent.
    """
    history = np.asarray(history, dtype=float).reshape(-1, 2)
    w1_range, w2_range = _equal_ranges(history, w1_range, w2_range)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")

    W1, W2 = np.meshgrid(np.linspace(*w1_range, 100), np.linspace(*w2_range, 100))
    costs = _evaluate_grid(J, W1, W2)
    contours = ax.contour(W1, W2, costs, levels=levels, cmap="viridis")
    ax.figure.colorbar(contours, ax=ax, label="J(w)")

    ax.plot(history[:, 0], history[:, 1], "o", color="C3", markersize=4)
    steps = np.diff(history, axis=0)
    ax.quiver(history[:-1, 0], history[:-1, 1], steps[:, 0], steps[:, 1],
              angles="xy", scale_units="xy", scale=1, color="C3", width=0.004,
              headwidth=5, headlength=7, headaxislength=6)
    ax.plot(*history[0], "o", color="green", markersize=9, label="start")
    ax.plot(*history[-1], "*", color="red", markersize=14, label="end")
    ax.set_xlim(w1_range)
    ax.set_ylim(w2_range)
    ax.set_aspect("equal", adjustable="box")  # a round bowl looks round
    _number_points(ax, history[:, 0], history[:, 1], color="C3")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(f"gradient descent: {len(history) - 1} steps")
    ax.legend(loc="upper right", framealpha=0.8)
    return ax
