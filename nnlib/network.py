"""Fully connected networks: units, layers, forward propagation, cost, backprop.

Notation (as in the lessons):

- one unit: ``z = w . x + b``, ``a = g(z)``;
- layer l has ``W`` of shape (n_l, n_{l-1}) and ``b`` of shape (n_l,);
- a batch ``X`` has the m examples as rows, shape (m, n_0);
  ``Z = A_prev @ W.T + b`` and ``A = g(Z)``, both of shape (m, n_l);
- ``params`` is a list of ``(W, b)`` pairs, layer 1 first, and ``grads``
  has the same structure with ``(dW, db)``;
- ``sizes`` lists the layer widths, e.g. ``[400, 25, 10]``.

How a function takes its activation depends on what it computes. The
building blocks of lessons 01, 02 and 06 (``unit_output``, ``layer_forward``,
``forward``, ``forward_layers``, ``backward``) take the functions ``g`` (and
``g_prime``) themselves: any function fits them, the step and the identity
too. From lesson 04 on, a network's cost and what is built on it
(``nn_cost``, ``backprop``, ``nn_cost_and_gradients``, ``predict``,
``optimize.train``, ``optimize.minibatch_sgd``) take ``hidden=``, a name in
``HIDDEN``: the hidden layers' activation, while the output layer stays the
sigmoid. The name picks g and g_prime from ``activations.ACTIVATIONS``
together, so that a cost and its gradient cannot disagree.

The forward pass is written once, in ``forward_layers``; the cost is
``costs.COSTS[COST]`` plus ``costs.l2_penalty``.
"""
import numpy as np

from .activations import HIDDEN  # noqa: F401  (nnlib.network.HIDDEN, as the lessons name it)
from .activations import hidden_activation, sigmoid, sigmoid_in_place, sigmoid_prime_from_output
from .costs import COSTS, l2_penalty

# The cost of a network with sigmoid outputs. With it, the output layer's
# error term is delta_L = (A_L - Y) / m (``backward``).
COST = "cross_entropy"


# --- Lesson 01: a single unit ---------------------------------------------

def weighted_sum(x, w, b):
    """Weighted input of one unit: z = w . x + b.

    Parameters
    ----------
    x, w : arrays of shape (n,): inputs and weights.
    b : float, bias.

    Returns
    -------
    z : float.

    Introduced in lesson 01_single_unit.
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if x.shape != w.shape:
        raise ValueError(f"x has shape {x.shape} but w has shape {w.shape}: "
                         "a unit needs one weight per input")
    return float(np.dot(w, x) + b)


def unit_output(x, w, b, g=sigmoid):
    """Activation of one unit: a = g(w . x + b).

    Shapes as in ``weighted_sum``; returns a float.
    Introduced in lesson 01_single_unit.
    """
    return float(g(weighted_sum(x, w, b)))


# --- Lesson 02: layers and forward propagation ----------------------------

def layer_forward(A_prev, W, b, g=sigmoid, layer=None):
    """One layer: A = g(A_prev @ W.T + b).

    Parameters
    ----------
    A_prev : array of shape (m, n_{l-1}), or (n_{l-1},) for one example.
    W : array of shape (n_l, n_{l-1}).
    b : array of shape (n_l,).
    g : activation function.
    layer : optional layer number, only used in error messages.

    Returns
    -------
    A : array of shape (m, n_l), or (n_l,) for one example.

    Introduced in lesson 02_hidden_layers.
    """
    return g(_weighted_input(A_prev, W, b, layer))


def _weighted_input(A_prev, W, b, layer=None):
    """Z = A_prev @ W.T + b, with an error naming the layer on a shape mismatch."""
    A_prev, W, b = (np.asarray(a, dtype=float) for a in (A_prev, W, b))
    where = f"layer {layer}: " if layer is not None else ""
    if W.ndim != 2 or A_prev.shape[-1] != W.shape[1] or b.shape != (W.shape[0],):
        raise ValueError(
            f"{where}inputs have shape {A_prev.shape}, W has shape {W.shape} and "
            f"b has shape {b.shape}; expected W of shape (n_l, {A_prev.shape[-1]}) "
            "and b of shape (n_l,)")
    Z = A_prev @ W.T      # one BLAS call, into a new array
    Z += b                # the bias in place: no second (m, n_l) array
    return Z


def forward_layers(X, params, g=sigmoid, g_out=None):
    """Forward propagation keeping every layer's Z and A (what backprop needs).

    The network's one forward pass: ``forward``, ``nn_cost`` and
    ``nn_cost_and_gradients`` use it.

    Parameters
    ----------
    X : array of shape (m, n_0).
    params : list of L pairs (W, b).
    g : activation function of every layer.
    g_out : activation of the last layer, if it differs from g.

    Returns
    -------
    Zs : list of L arrays, Zs[l-1] of shape (m, n_l).
    As : list of L + 1 arrays, As[0] = X and As[l] = g(Zs[l-1]).

    Introduced in lesson 06_backprop.
    """
    As = [np.asarray(X, dtype=float)]
    Zs = []
    for l, (W, b) in enumerate(params, start=1):
        g_l = (g_out or g) if l == len(params) else g
        Zs.append(_weighted_input(As[-1], W, b, layer=l))
        As.append(g_l(Zs[-1]))
    return Zs, As


def forward(X, params, g=sigmoid, g_out=None):
    """Output of the last layer for a batch X of shape (m, n_0): shape (m, n_L).

    g is the activation of every layer, g_out that of the last one if it
    differs (lesson 04's ``hidden=``: g_out = sigmoid).
    Introduced in lesson 02_hidden_layers.
    """
    return forward_layers(X, params, g, g_out)[1][-1]


def count_parameters(sizes):
    """Number of weights and biases: sum_l (n_{l-1} + 1) n_l.

    For sizes [400, 25, 10]: 401 * 25 + 26 * 10 = 10,285.
    Introduced in lesson 02_hidden_layers.
    """
    return int(sum((n_prev + 1) * n for n_prev, n in zip(sizes[:-1], sizes[1:])))


def collapse_linear(params):
    """The single layer (W, b) equal to a stack of linear layers.

    Without activations, W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2),
    and so on for more layers.

    Parameters
    ----------
    params : list of (W, b) pairs, W of shape (n_l, n_{l-1}).

    Returns
    -------
    (W, b) : W of shape (n_L, n_0), b of shape (n_L,).

    Introduced in lesson 02_hidden_layers.
    """
    W_total, b_total = (np.asarray(a, dtype=float) for a in params[0])
    for W, b in params[1:]:
        W_total = W @ W_total
        b_total = W @ b_total + b
    return W_total, b_total


def xor_params():
    """A 2-2-1 network of step units computing XOR on {0, 1}^2.

    Hidden unit 1 is OR (fires when x1 + x2 >= 0.5), hidden unit 2 is AND
    (fires when x1 + x2 >= 1.5); the output fires for OR and not AND.
    Introduced in lesson 02_hidden_layers.
    """
    W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([[1.0, -1.0]])
    b2 = np.array([-0.5])
    return [(W1, b1), (W2, b2)]


# --- Lesson 04: the network's cost ----------------------------------------

def nn_cost(params, X, Y, lambda_, hidden="sigmoid"):
    """Regularized cross-entropy cost of a network with sigmoid outputs.

    J = cross_entropy(H, Y) + (lambda_ / (2 m)) sum_l ||W_l||^2, where H is
    the output of ``forward`` with the activation ``hidden`` in the hidden
    layers and the sigmoid in the output layer; the cost is ``COSTS[COST]``.

    Parameters
    ----------
    params : list of (W, b) pairs.
    X : array of shape (m, n_0).
    Y : array of shape (m, n_L), one-hot targets.
    lambda_ : float.
    hidden : a name in ``HIDDEN`` ("sigmoid", "tanh" or "relu"), the hidden
        layers' activation.

    Returns
    -------
    J : float.

    Introduced in lesson 04_cost.
    """
    g, _ = hidden_activation(hidden)
    cost, _ = COSTS[COST]
    return cost(forward(X, params, g, g_out=sigmoid), Y) + l2_penalty(params, lambda_, len(X))


# --- Lesson 06: backpropagation -------------------------------------------

def output_weight_gradient(actual, output, input_):
    """dE/dw for one weight into a sigmoid output unit, E = 1/2 (actual - output)^2.

    Chain rule: dE/dw = dE/doutput * doutput/dz * dz/dw
                      = -(actual - output) * output (1 - output) * input_.
    Introduced in lesson 06_backprop.
    """
    return -(actual - output) * output * (1.0 - output) * input_


def backward(params, As, Y, lambda_, Zs=None, g_prime=None):
    """Backward pass of a network with sigmoid outputs, cross-entropy cost and L2.

    The error term of the output layer is delta_L = (A_L - Y) / m; going
    backwards, delta_{l-1} = (delta_l @ W_l) * g'(Z_{l-1}), and
    dW_l = delta_l.T @ A_{l-1} + (lambda_ / m) W_l, db_l = sum_i delta_l[i].
    The slope g'(Z_{l-1}) is ``g_prime(Zs[l-2])``; without g_prime the
    hidden layers are sigmoid, and it is read off the forward pass's
    activations, ``sigmoid_prime_from_output(As[l-1])``.

    Parameters
    ----------
    params : list of L pairs (W, b).
    As : the activations ``forward_layers`` returned, As[0] = X.
    Y : array of shape (m, n_L).
    lambda_ : float.
    Zs, g_prime : the weighted inputs ``forward_layers`` returned and the
        hidden layers' derivative, for hidden layers that are not sigmoid.

    Returns
    -------
    grads : list of L pairs (dW, db), shaped like params.

    Introduced in lesson 06_backprop.
    """
    m = len(Y)
    delta = As[-1] - Y
    delta /= m
    grads = []
    for l in range(len(params), 0, -1):  # l = L, ..., 1
        W, _ = params[l - 1]
        dW = delta.T @ As[l - 1]         # one BLAS call; then the L2 term in place
        dW += (lambda_ / m) * W
        db = delta.sum(axis=0)
        grads.append((dW, db))
        if l > 1:
            delta = delta @ W
            if g_prime is None:
                delta *= sigmoid_prime_from_output(As[l - 1])
            else:
                delta *= g_prime(Zs[l - 2])
    return grads[::-1]


def backprop(params, X, Y, lambda_, hidden="sigmoid"):
    """Gradients of ``nn_cost`` with respect to every W and b.

    Parameters and shapes as in ``nn_cost`` (``hidden`` names the hidden
    layers' activation); returns a list of (dW, db) pairs shaped like params.
    Introduced in lesson 06_backprop.
    """
    return nn_cost_and_gradients(params, X, Y, lambda_, hidden)[1]


def nn_cost_and_gradients(params, X, Y, lambda_, hidden="sigmoid"):
    """``nn_cost`` and ``backprop`` from a single forward pass: (J, grads).

    Training calls this about a hundred times, so for sigmoid hidden layers
    the forward pass applies the sigmoid in place, each layer's A replacing
    its Z (``sigmoid_in_place``): ``backward`` then reads the slope off the
    activations. Same values as ``nn_cost`` and ``backprop``.

    Introduced in lesson 07_digits.
    """
    Y = np.asarray(Y, dtype=float)
    cost, _ = COSTS[COST]
    if hidden == "sigmoid":
        _, As = forward_layers(X, params, sigmoid_in_place)
        grads = backward(params, As, Y, lambda_)
    else:
        g, g_prime = hidden_activation(hidden)
        Zs, As = forward_layers(X, params, g, g_out=sigmoid)
        grads = backward(params, As, Y, lambda_, Zs, g_prime)
    return cost(As[-1], Y) + l2_penalty(params, lambda_, len(Y)), grads


# --- Lesson 07: training a real network -----------------------------------

def random_init(sizes, epsilon=0.12, rng=None):
    """Random parameters: every W uniform in [-epsilon, epsilon], b zero.

    Random weights break the symmetry between the units of a layer; with
    equal weights every unit would compute, and learn, the same thing.

    Parameters
    ----------
    sizes : list of layer widths [n_0, n_1, ..., n_L].
    epsilon : float, half-width of the uniform range.
    rng : None, an int seed or a numpy.random.Generator.

    Returns
    -------
    params : list of (W, b), W of shape (n_l, n_{l-1}), b of shape (n_l,).

    Introduced in lesson 07_digits.
    """
    rng = np.random.default_rng(rng)
    return [(rng.uniform(-epsilon, epsilon, size=(n, n_prev)), np.zeros(n))
            for n_prev, n in zip(sizes[:-1], sizes[1:])]


def predict(params, X, hidden="sigmoid"):
    """Predicted class of each row of X: the index of the largest output.

    X has shape (m, n_0); returns integer labels of shape (m,).
    Introduced in lesson 07_digits.
    """
    g, _ = hidden_activation(hidden)
    return np.argmax(forward(X, params, g, g_out=sigmoid), axis=1)


def pack(params):
    """Flatten params into one vector: W1 row by row, b1, W2, b2, ...

    Returns theta of shape (count_parameters(sizes),).
    Introduced in lesson 07_digits.
    """
    return np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in params])


def unpack(theta, sizes):
    """Inverse of ``pack``: a list of (W, b) views into theta.

    Introduced in lesson 07_digits.
    """
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (count_parameters(sizes),):
        raise ValueError(f"theta has shape {theta.shape} but sizes {list(sizes)} need "
                         f"({count_parameters(sizes)},)")
    params, start = [], 0
    for n_prev, n in zip(sizes[:-1], sizes[1:]):
        W = theta[start:start + n * n_prev].reshape(n, n_prev)
        start += n * n_prev
        b = theta[start:start + n]
        start += n
        params.append((W, b))
    return params
