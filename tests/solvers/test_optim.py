"""The mini-batch update rules (skreg/_solvers/_optim.py): Adam and SGD."""

import pytest
import torch

from skreg._objective import Flat
from skreg._solvers import _optim
from skreg._solvers._optim import SGD, Adam


@pytest.mark.parametrize("name", ["adam", "adam without the fused kernel", "sgd"])
def test_optimizers_match_torch_optim_bit_for_bit(name, monkeypatch):
    # skreg's own Adam/SGD (torch.optim imports torch._dynamo on first use) run
    # on one flat vector: the same update, element by element, as torch's. The
    # fused kernel's rounding differs from the unfused update's: each branch is
    # compared with torch's own use of it.
    reference_options = {}
    if name != "sgd":
        fused = name == "adam"
        if fused and not _optim.has_fused_adam("cpu"):
            pytest.skip("this torch has no fused Adam kernel for the CPU (< 2.4)")
        monkeypatch.setattr(_optim, "has_fused_adam", lambda device: fused)
        reference_options = {"fused": True} if fused else {"foreach": False}

    gen = torch.Generator().manual_seed(0)
    shapes = [(7, 3), (7,), (1, 7), (1,)]
    ours = [torch.nn.Parameter(torch.randn(s, generator=gen)) for s in shapes]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    flat = Flat(ours)
    if name != "sgd":
        mine = Adam(flat, lr=0.01)
        assert mine.fused is fused
        reference = torch.optim.Adam(theirs, lr=0.01, **reference_options)
    else:
        mine = SGD(flat, lr=0.01)
        reference = torch.optim.SGD(theirs, lr=0.01, momentum=0.9, nesterov=True)
    for _ in range(5):
        grads = [torch.randn(s, generator=gen) for s in shapes]
        mine.zero_grad()
        for p, g in zip(ours, grads, strict=True):
            p.grad.add_(g)
        for p, g in zip(theirs, grads, strict=True):
            p.grad = g.clone()
        mine.step()
        reference.step()
    for a, b in zip(ours, theirs, strict=True):
        assert torch.equal(a.detach(), b.detach())
    flat.release()


@pytest.mark.parametrize(
    "error", [TypeError("unexpected keyword"), RuntimeError("no kernel"), ValueError()]
)
def test_adam_falls_back_to_the_plain_update_when_the_fused_kernel_fails(
    error, monkeypatch
):
    # torch._fused_adam_ is a private API: whatever it raises (a changed
    # signature is a TypeError), Adam takes the plain update from then on and
    # matches torch's unfused Adam to the bit.
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise error

    monkeypatch.setattr(_optim, "has_fused_adam", lambda device: True)
    monkeypatch.setattr(torch, "_fused_adam_", broken, raising=False)
    gen = torch.Generator().manual_seed(1)
    ours = [torch.nn.Parameter(torch.randn(4, 3, generator=gen))]
    theirs = [torch.nn.Parameter(ours[0].detach().clone())]
    flat = Flat(ours)
    mine = Adam(flat, lr=0.05)
    reference = torch.optim.Adam(theirs, lr=0.05, foreach=False)
    for _ in range(3):
        g = torch.randn(4, 3, generator=gen)
        mine.zero_grad()
        ours[0].grad.add_(g)
        theirs[0].grad = g.clone()
        mine.step()
        reference.step()
    assert calls == [1] and not mine.fused  # tried once, then never again
    assert torch.equal(ours[0].detach(), theirs[0].detach())
    flat.release()


def test_fused_adam_probe_is_false_on_any_exception(monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("got an unexpected keyword argument 'beta1'")

    monkeypatch.setattr(torch, "_fused_adam_", broken, raising=False)
    probe = _optim.has_fused_adam.__wrapped__  # past the cache
    assert probe("cpu") is False


def test_adam_prox_step_is_the_metric_of_its_update():
    # After Adam's update, the proximal step in Adam's metric: lr over the
    # bias-corrected root second moment (plus eps), averaged down each column.
    gen = torch.Generator().manual_seed(2)
    W = torch.nn.Parameter(torch.randn(3, 4, generator=gen))
    flat = Flat([W])
    opt = Adam(flat, lr=0.1)
    g = torch.randn(3, 4, generator=gen)
    W.grad.copy_(g)
    opt.step()
    v_hat = (1 - 0.999) * g**2 / (1 - 0.999)
    expected = (0.1 / (v_hat.sqrt() + 1e-8)).mean(dim=0, keepdim=True)
    torch.testing.assert_close(opt.prox_step(W), expected, rtol=1e-6, atol=0)
    assert SGD(flat, lr=0.3).prox_step(W) == 0.3
    flat.release()
