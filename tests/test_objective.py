"""The objective (skreg/_objective.py): data loss, penalties, flat parameters."""

import warnings

import numpy as np
import pytest
import torch
from scipy import sparse
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from skreg import RidgeNet
from skreg._loss import LogisticLoss, MultinomialLoss, SquaredError
from skreg._modules import Net
from skreg._objective import Flat, Objective
from skreg.penalties import L2, ElasticNet

# (loss, outputs): regression with one and three outputs, binary and multilabel
# (three labels) logistic, multinomial with three classes.
LOSSES = [
    (SquaredError(), 1),
    (SquaredError(), 3),
    (LogisticLoss(), 1),
    (LogisticLoss(), 3),
    (MultinomialLoss(), 3),
]


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("hidden", [(), (6,), (5, 4)])
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("restricted", [False, True])
@pytest.mark.parametrize("loss, n_outputs", LOSSES)
@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_gradient_equals_autograd(
    activation, hidden, skip, restricted, loss, n_outputs, weighted, loss_targets
):
    # Without dropout a step takes its gradient from Net.backward_, not from
    # autograd: the same loss and the same gradient in every parameter, for
    # every loss (squared error, logistic, multilabel, softmax), activation, skip
    # connection and restriction to some input columns (LassoNet's FISTA).
    rng = np.random.RandomState(n_outputs + len(hidden))
    n, d = 40, 7
    X = torch.tensor(rng.standard_normal((n, d)))
    Y, weight = loss_targets(rng, loss, n, n_outputs)
    weight = weight if weighted else None
    net = Net(d, n_outputs, hidden, activation, skip=skip).double()
    net.reset_parameters(torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p in net.parameters():  # off zero, and some ReLUs off
            p.add_(torch.tensor(rng.standard_normal(p.shape)))
    columns = torch.tensor([0, 2, 3, 6]) if restricted else None
    if columns is not None:  # the other inputs' weights are zero
        with torch.no_grad():
            others = torch.tensor([1, 4, 5])
            net.theta[:, others] = 0
            if net.first_hidden is not None:
                net.first_hidden[:, others] = 0
    objective = Objective(net, X, Y, weight, loss)
    flat = Flat(list(net.parameters()))
    results = []
    for closed in (True, False):
        objective.autograd = not closed
        assert objective.closed_form is closed
        objective.restrict(columns)
        flat.grad.zero_()
        loss = objective.data_gradient()
        results.append((loss, flat.grad.clone()))
    (closed_loss, closed_grad), (auto_loss, auto_grad) = results
    torch.testing.assert_close(closed_loss, auto_loss, rtol=1e-13, atol=0)
    torch.testing.assert_close(closed_grad, auto_grad, rtol=1e-11, atol=1e-14)
    assert closed_grad.abs().max() > 0
    flat.release()


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("hidden", [(6,), (5, 4)])
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("restricted", [False, True])
def test_affine_part_of_the_outputs_commutes_with_combinations(
    activation, hidden, skip, restricted
):
    # Net.outputs gives forward's outputs to the bit and the part affine in the
    # weights reading the inputs; at p + b (p - q) that part, combined from
    # those at p and q, gives backward_ the loss and gradient it computes itself.
    rng = np.random.RandomState(len(hidden))
    n, d = 30, 7
    X = torch.tensor(rng.standard_normal((n, d)))
    Y = torch.tensor(rng.standard_normal((n, 2)))
    net = Net(d, 2, hidden, activation, skip=skip).double()
    flat = Flat(list(net.parameters()))
    columns = torch.tensor([0, 2, 3, 6]) if restricted else None
    weights = [net.linears[0].weight] + ([net.skip.weight] if skip else [])

    def draw():
        point = torch.tensor(rng.standard_normal(flat.vector.shape))
        flat.vector.copy_(point)
        if columns is not None:  # the other inputs' weights are zero
            with torch.no_grad():
                for w in weights:
                    w[:, [1, 4, 5]] = 0
        return flat.vector.clone()

    X_in = X if columns is None else X[:, columns]
    objective = Objective(net, X, Y, None, SquaredError())
    objective.restrict(columns)
    points, affine = [draw(), draw()], []  # p, q
    for point in points:
        flat.vector.copy_(point)
        out, part = net.outputs(X_in, columns)
        assert torch.equal(out, net(X_in, columns))
        first = net.linears[0].weight if columns is None else weights[0][:, columns]
        torch.testing.assert_close(
            part[0], X_in @ first.t() + net.linears[0].bias, rtol=1e-14, atol=0
        )
        assert (part[1] is None) is not skip
        affine.append(part)
    (p, q), b = points, 0.7
    combined = tuple(
        None if a is None else torch.lerp(c, a, 1 + b)  # a + b (a - c)
        for a, c in zip(*affine, strict=True)
    )
    results = []
    for given in (combined, None):
        flat.vector.copy_(p + b * (p - q))
        flat.grad.zero_()
        loss = objective.data_gradient(affine=given)
        results.append((loss, flat.grad.clone()))
    (loss, grad), (direct_loss, direct_grad) = results
    torch.testing.assert_close(loss, direct_loss, rtol=1e-12, atol=0)
    torch.testing.assert_close(grad, direct_grad, rtol=1e-10, atol=1e-12)
    # The given part is what the pass uses: p's alone gives p's loss.
    assert objective.data_gradient(affine=affine[0]) != direct_loss
    flat.release()


def test_dropout_and_sparse_inputs_take_the_gradient_from_autograd():
    X, Y, loss = torch.zeros(4, 3), torch.zeros(4, 1), SquaredError()
    assert Objective(Net(3, 1, (2,)), X, Y, None, loss).closed_form
    dropout = Net(3, 1, (2,), dropout=0.5)
    assert not Objective(dropout, X, Y, None, loss).closed_form
    csr = sparse.csr_matrix(np.eye(4, 3))
    assert not Objective(Net(3, 1, (2,)), csr, Y, None, loss).closed_form
    sequential = torch.nn.Sequential(torch.nn.Linear(3, 1))
    assert not Objective(sequential, X, Y, None, loss).closed_form


def test_fitted_parameters_own_their_storage():
    # Training makes every parameter a view into one flat vector; afterwards each
    # must own its storage again, or a pickle would carry the whole vector once
    # per parameter.
    X, y = make_regression(60, 4, random_state=0)
    for est in [RidgeNet(hidden_layer_sizes=(8,), max_iter=5), RidgeNet(solver="adam")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.set_params(max_iter=3).fit(X, y)
        for p in est.module_.parameters():
            assert p.untyped_storage().nbytes() == p.numel() * p.element_size()
            assert p.grad is None


def _network_objective(seed=0, weighted=True, alpha=0.3):
    """A small network with an L2 and an elastic-net term, on random data."""
    rng = np.random.RandomState(seed)
    X = torch.tensor(rng.standard_normal((30, 5)))
    Y = torch.tensor(rng.standard_normal((30, 2)))
    weight = torch.tensor(rng.uniform(0.5, 1.5, 30)) if weighted else None
    net = Net(5, 2, (4,), "tanh", skip=True).double()
    net.reset_parameters(torch.Generator().manual_seed(seed))
    terms = [
        (L2(alpha), [net.linears[0].weight, net.linears[1].weight]),
        (ElasticNet(0.1, 0.2), [net.skip.weight]),
    ]
    return Objective(net, X, Y, weight, SquaredError(), terms=terms)


def test_objective_value_is_the_weighted_mean_loss_plus_penalties():
    objective = _network_objective()
    net, X, Y, w = objective.module, objective.X, objective.Y, objective.weight
    with torch.no_grad():
        residual = net(X) - Y
        data = (w * 0.5 * (residual**2).sum(dim=1)).mean()
        W1, W2, theta = net.linears[0].weight, net.linears[1].weight, net.skip.weight
        smooth = 0.15 * ((W1**2).sum() + (W2**2).sum()) + 0.1 * (theta**2).sum()
        l1 = 0.1 * torch.linalg.vector_norm(theta, dim=0).sum()
        torch.testing.assert_close(objective.data(), data, rtol=1e-14, atol=0)
        torch.testing.assert_close(objective.smooth_penalty(), smooth)
        torch.testing.assert_close(objective.penalty(), smooth + l1)
    assert not objective.smooth_only
    objective.terms = objective.terms[:1]
    assert objective.smooth_only


def test_smooth_value_and_grad_and_penalty_curvature():
    # The solvers' full-batch value and gradient of ``data + smooth penalties``
    # is autograd's; the penalties' curvature is their Hessian diagonal (L2:
    # alpha on its tensors; the elastic net's l2 on theta; zero on biases).
    objective = _network_objective()
    params = list(objective.module.parameters())
    with torch.enable_grad():
        total = objective.data() + objective.smooth_penalty()
        expected = torch.autograd.grad(total, params)
    flat = Flat(params)
    value, grad = objective.smooth_value_and_grad(flat)
    torch.testing.assert_close(value, total.detach(), rtol=1e-14, atol=0)
    torch.testing.assert_close(
        grad, torch.cat([g.reshape(-1) for g in expected]), rtol=1e-12, atol=1e-15
    )
    before = flat.vector.clone()
    curvature = objective.penalty_curvature(flat)
    assert torch.equal(flat.vector, before)  # left where it was
    net = objective.module
    by_param = {
        id(net.linears[0].weight): 0.3,
        id(net.linears[1].weight): 0.3,
        id(net.skip.weight): 0.2,
    }
    for i, p in enumerate(flat.params):
        expected = by_param.get(id(p), 0.0)
        assert torch.all(curvature[flat.slice(i)] == expected)
    flat.release()


def test_flat_parameters_are_views_until_released():
    objective = _network_objective()
    params = list(objective.module.parameters())
    values = [p.detach().clone() for p in params]
    flat = Flat(params)
    for i, p in enumerate(params):
        assert torch.equal(flat.vector[flat.slice(i)].view_as(p), values[i])
        assert flat.index(p) == i
    flat.vector.add_(1.0)  # writes through to every parameter
    assert all(
        torch.equal(p.detach(), v + 1) for p, v in zip(params, values, strict=True)
    )
    flat.grad.fill_(2.0)
    assert all(torch.all(p.grad == 2) for p in params)
    flat.release()
    flat.vector.zero_()
    assert all(
        torch.equal(p.detach(), v + 1) for p, v in zip(params, values, strict=True)
    )
    assert all(p.grad is None for p in params)


def test_restricted_objective_reads_only_some_columns():
    # LassoNet's FISTA evaluates the network on the inputs in use; with the
    # other inputs' weights zero, the loss is the same.
    objective = _network_objective(weighted=False)
    net = objective.module
    with torch.no_grad():
        net.skip.weight[:, [1, 3]] = 0
        net.linears[0].weight[:, [1, 3]] = 0
    full = objective.data()
    objective.restrict(torch.tensor([0, 2, 4]))
    assert objective._batch(None)[0].shape == (30, 3)
    torch.testing.assert_close(objective.data(), full, rtol=1e-14, atol=0)
    objective.restrict(None)
    assert objective._batch(None)[0].shape == (30, 5)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("n_labels", [2, 3])
def test_gradient_equals_finite_differences(activation, n_labels):
    """scikit-learn's test_gradient, on skreg's objective: a classifier's data
    loss plus L2 penalty and its gradient, against central differences, for
    every activation and for a binary and a multiclass target."""
    from skreg import RidgeNetClassifier

    rng = np.random.RandomState(42)
    X = rng.rand(5, 10)
    y = 1 + np.mod(np.arange(5) + 1, n_labels)
    clf = RidgeNetClassifier(
        hidden_layer_sizes=(10,), activation=activation, alpha=1e-5, random_state=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.set_params(max_iter=1).fit(X, y)
    net = clf.module_
    loss = MultinomialLoss() if n_labels > 2 else LogisticLoss()
    Y = torch.tensor(y - 1) if n_labels > 2 else torch.tensor(y - 1.0)[:, None]
    objective = Objective(net, torch.tensor(X), Y, None, loss)
    objective.terms = [(L2(1e-5 / 5), net.weights())]
    flat = Flat(list(net.parameters()))
    _, grad = objective.smooth_value_and_grad(flat)
    grad, theta = grad.clone(), flat.vector.clone()

    def value(t):
        with torch.no_grad():
            flat.vector.copy_(t)
            return float(objective.data() + objective.smooth_penalty())

    eps = 1e-5
    numeric = [
        (value(theta + eps * e) - value(theta - eps * e)) / (2 * eps)
        for e in torch.eye(len(theta), dtype=theta.dtype)
    ]
    np.testing.assert_almost_equal(numeric, grad.numpy())
    flat.release()
