"""FastDropout: nn.Dropout's distribution, with a mask drawn from numpy's random bytes on a CPU."""

import torch

from lifting.models.fast_dropout import FastDropout, cpu_keep_mask


def test_each_element_is_kept_with_probability_one_minus_p_and_scaled():
    torch.manual_seed(0)
    for p in (0.03, 0.1, 0.27):
        keep = cpu_keep_mask(torch.Size([400_000]), 1.0 - p).float()
        assert abs(keep.mean().item() - (1.0 - p)) < 4e-3
        assert abs((keep[1:] * keep[:-1]).mean().item() - (1.0 - p) ** 2) < 4e-3  # neighbours independent
        x = torch.ones(200_000)
        y = FastDropout(p).train()(x)
        values = torch.unique(y)
        assert len(values) == 2 and values[0] == 0.0 and abs(values[1].item() - 1.0 / (1.0 - p)) < 1e-6
        assert abs(y.mean().item() - 1.0) < 0.02  # the expectation is kept


def test_masks_repeat_under_a_seed_and_differ_between_calls():
    d = FastDropout(0.5).train()
    x = torch.ones(1000)
    torch.manual_seed(3)
    a, b = d(x), d(x)
    torch.manual_seed(3)
    assert torch.equal(d(x), a) and not torch.equal(a, b)


def test_gradient_goes_through_the_kept_elements_only_and_eval_is_the_identity():
    d = FastDropout(0.2).train()
    x = torch.randn(5000, requires_grad=True)
    y = d(x)
    y.sum().backward()
    kept = y != 0
    assert torch.allclose(x.grad[kept], torch.full_like(x.grad[kept], 1.25)) and (x.grad[~kept] == 0).all()
    d.eval()
    assert torch.equal(d(x), x)
    assert d.state_dict() == torch.nn.Dropout(0.2).state_dict()  # checkpoints load either way
