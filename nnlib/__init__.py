"""nnlib: the small NumPy library behind the neural-network course.

One module per concept, in the order the lessons meet them:

- ``activations``: step, sigmoid, tanh, ReLU, softmax and their derivatives
- ``costs``: mean squared error, cross-entropy, L2 penalty
- ``network``: units, layers, forward propagation, cost, backprop
- ``gradcheck``: central differences and the relative difference
- ``optimize``: gradient descent (full and mini-batch), scipy's optimizers, training
- ``metrics``: accuracy, confusion matrix, precision, recall, F1
- ``data``: the real 20x20 digits, XOR, house prices, one-hot, splits
- ``plot`` and ``widgets``: pictures and sliders (import them explicitly;
  they need matplotlib and ipywidgets); ``widgets`` gathers the explorers
  of ``explore_descent``, ``explore_descent_2d`` and ``explore_training``
- ``checks`` and ``training_checks``: what the lessons' test cells check;
  ``fallback``: a demonstration's "yours, or nnlib's"

``import nnlib`` needs only NumPy and threadpoolctl (both in pyproject.toml).

Importing nnlib sets NumPy's BLAS to one thread (with threadpoolctl) for the
rest of the process, for nnlib and the notebook alike.
The course's matrices are small (at most 4000 x 400): a second thread gains
little, and when the cores are busy (another notebook, the grader running one
kernel per core) waiting for it costs far more than the product: on a busy
2-core machine, 30 steps of gradient descent with ``backprop`` on 4000 digits
took 1.3 to 3.5 s with two threads and 0.25 to 0.5 s with one
(``python bench/train_digits.py`` measures it).
"""
from threadpoolctl import threadpool_limits

from .activations import (ACTIVATIONS, HIDDEN, identity, relu, relu_prime, sigmoid,
                          sigmoid_prime, sigmoid_prime_from_output, softmax, step, tanh,
                          tanh_prime)
from .costs import COSTS, cross_entropy, l2_penalty, mse
from .data import (circles, load_digits, load_houses, load_xor, one_hot, train_test_split,
                   two_moons)
from .gradcheck import (THRESHOLD, check_gradients, numerical_derivative,
                        numerical_gradient, relative_difference)
from .metrics import accuracy, confusion_matrix, precision_recall_f1
from .network import (backprop, collapse_linear, count_parameters, forward,
                      layer_forward, nn_cost, output_weight_gradient, predict,
                      random_init, unit_output, weighted_sum, xor_params)
from .optimize import fit_linear, gradient_descent, minibatch_sgd, minimize, train

__version__ = "0.1.0"


threadpool_limits(limits=1, user_api="blas")
