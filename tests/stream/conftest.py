import pytest
from helpers_stream import perturbed


@pytest.fixture(scope="session")
def tiny_wrapper():
    return perturbed("wrapper", "tiny")


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    # These tests run many small ops: on a shared 2-core machine two OpenMP threads spin against other processes
    # and are several times slower than one.
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
