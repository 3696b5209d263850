"""funcgrad.torch's random numbers against PyTorch CPU's, the paths test_torch_random.py leaves
out: every sampler through a torch.Generator object (generator=), at the sizes where PyTorch
changes path (1, 15, 16, 17, 1000) and at 10**5 (several blocks of its vectorized fills), in
float32 and float64; multinomial's cumulative sums in each dtype; more layers' default
initializations; the Generator API (manual_seed, seed, initial_seed, get_state/set_state carried
between the two libraries both ways).

Each comparison is bit for bit, and the generators' states after the draw must be PyTorch's
bytes too. The oracle tests skip when torch is not installed."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad.torch as ft
from test_torch_random import _same, _skip_where_pytorch_takes_another_kernel, _values

SIZES = [1, 15, 16, 17, 1000]
DTYPES = ["float32", "float64"]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="the oracle (PyTorch) is not installed")


def _same_with_generator(torch, draw, seed):
    """draw(mod, g) with g = mod.Generator().manual_seed(seed) in both libraries (the default
    generators seeded apart, so a sampler that ignored g would show), compared bit for bit, with
    g's state and the default generator's state after it."""
    out = []
    for mod in (torch, ft):
        mod.manual_seed(seed + 1)
        g = mod.Generator().manual_seed(seed)
        got = _values(draw(mod, g))
        out.append((got, bytes(g.get_state().tolist()), bytes(mod.get_rng_state().tolist())))
    (theirs, their_g, their_default), (ours, our_g, our_default) = out
    assert theirs.dtype == ours.dtype and theirs.shape == ours.shape
    np.testing.assert_array_equal(ours.view(np.uint8), theirs.view(np.uint8))
    assert our_g == their_g
    assert our_default == their_default


GENERATOR_SAMPLERS = {
    "rand": lambda m, g, n, dt: m.rand(n, dtype=dt, generator=g),
    "randn": lambda m, g, n, dt: m.randn(n, dtype=dt, generator=g),
    "randn_2d": lambda m, g, n, dt: m.randn(n, 2, dtype=dt, generator=g),
    "uniform_": lambda m, g, n, dt: m.empty(n, dtype=dt).uniform_(-2, 3, generator=g),
    "normal_": lambda m, g, n, dt: m.empty(n, dtype=dt).normal_(1.0, 2.0, generator=g),
    "normal_tensor_tensor": lambda m, g, n, dt: m.normal(
        m.zeros(n, dtype=dt), m.ones(n, dtype=dt) * 2, generator=g),
    "normal_tensor_float": lambda m, g, n, dt: m.normal(m.zeros(n, dtype=dt), 0.5, generator=g),
    "normal_float_float": lambda m, g, n, dt: m.normal(0.5, 2.0, (n,), dtype=dt, generator=g),
    "bernoulli_tensor_p": lambda m, g, n, dt: m.bernoulli(m.full((n,), 0.4, dtype=dt),
                                                          generator=g),
    "bernoulli_float_p": lambda m, g, n, dt: m.bernoulli(m.zeros(n, dtype=dt), 0.3, generator=g),
    "bernoulli_": lambda m, g, n, dt: m.empty(n, dtype=dt).bernoulli_(0.5, generator=g),
    "exponential_": lambda m, g, n, dt: m.empty(n, dtype=dt).exponential_(2.0, generator=g),
    "geometric_": lambda m, g, n, dt: m.empty(n, dtype=dt).geometric_(0.3, generator=g),
    "cauchy_": lambda m, g, n, dt: m.empty(n, dtype=dt).cauchy_(generator=g),
    "log_normal_": lambda m, g, n, dt: m.empty(n, dtype=dt).log_normal_(generator=g),
    "random_": lambda m, g, n, dt: m.empty(n, dtype=dt).random_(generator=g),
    "random_to": lambda m, g, n, dt: m.empty(n, dtype=dt).random_(100, generator=g),
    "random_from_to": lambda m, g, n, dt: m.empty(n, dtype=dt).random_(-5, 9, generator=g),
    "randint": lambda m, g, n, dt: m.randint(0, 50, (n,), dtype=dt, generator=g),
    "randperm": lambda m, g, n, dt: m.randperm(n, dtype=dt, generator=g),
    "poisson": lambda m, g, n, dt: m.poisson(m.full((n,), 3.5, dtype=dt), generator=g),
    "multinomial": lambda m, g, n, dt: m.multinomial(m.rand(3, n + 1, dtype=dt), n,
                                                     generator=g),
    "multinomial_replacement": lambda m, g, n, dt: m.multinomial(
        m.rand(3, n + 1, dtype=dt), n, True, generator=g),
    "init.uniform_": lambda m, g, n, dt: m.nn.init.uniform_(m.empty(n, 3, dtype=dt),
                                                           generator=g),
    "init.normal_": lambda m, g, n, dt: m.nn.init.normal_(m.empty(n, 3, dtype=dt), generator=g),
    "init.xavier_uniform_": lambda m, g, n, dt: m.nn.init.xavier_uniform_(
        m.empty(n, 3, dtype=dt), generator=g),
    "init.xavier_normal_": lambda m, g, n, dt: m.nn.init.xavier_normal_(
        m.empty(n, 3, dtype=dt), generator=g),
    "init.kaiming_uniform_": lambda m, g, n, dt: m.nn.init.kaiming_uniform_(
        m.empty(n, 3, dtype=dt), generator=g),
    "init.kaiming_normal_": lambda m, g, n, dt: m.nn.init.kaiming_normal_(
        m.empty(n, 3, dtype=dt), generator=g),
    "init.trunc_normal_": lambda m, g, n, dt: m.nn.init.trunc_normal_(
        m.empty(n, 3, dtype=dt), generator=g),
    # PyTorch draws sparse_'s normals from g and its per-column permutations from the default
    # generator; the default generator's state is compared too
    "init.sparse_": lambda m, g, n, dt: m.nn.init.sparse_(m.empty(n, 3, dtype=dt), 0.4,
                                                         generator=g),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", sorted(GENERATOR_SAMPLERS))
def test_samplers_through_a_generator_match_pytorch(torch, name, size, dtype):
    _skip_where_pytorch_takes_another_kernel(torch, name, dtype)
    _same_with_generator(
        torch, lambda m, g: GENERATOR_SAMPLERS[name](m, g, size, getattr(m, dtype)), 11)


LARGE = {   # 10**5 elements: many 16-wide blocks and several 624-word mt19937 blocks
    "rand": lambda m, dt: m.rand(10 ** 5, dtype=dt),
    "randn": lambda m, dt: m.randn(10 ** 5, dtype=dt),
    "normal_": lambda m, dt: m.empty(10 ** 5 + 3, dtype=dt).normal_(0.3, 1.7),
    "uniform_": lambda m, dt: m.empty(10 ** 5, dtype=dt).uniform_(-1, 2),
    "bernoulli_p": lambda m, dt: m.empty(10 ** 5, dtype=dt).bernoulli_(0.3),
    "bernoulli_t": lambda m, dt: m.bernoulli(m.full((10 ** 5,), 0.4, dtype=dt)),
    "dropout": lambda m, dt: m.nn.functional.dropout(m.ones(10 ** 5, dtype=dt), 0.3),
    "random_": lambda m, dt: m.empty(10 ** 5, dtype=dt).random_(3, 17),
    "randint": lambda m, dt: m.randint(-3, 10 ** 6, (10 ** 5,), dtype=dt),
    "randperm": lambda m, dt: m.randperm(10 ** 5, dtype=dt),
    "geometric_": lambda m, dt: m.empty(10 ** 5, dtype=dt).geometric_(0.2),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(LARGE))
def test_samplers_at_a_hundred_thousand_elements_match_pytorch(torch, name, dtype):
    _skip_where_pytorch_takes_another_kernel(torch, name, dtype)
    _same(torch, lambda m: LARGE[name](m, getattr(m, dtype)), 2024)


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("categories", [2, 300, 3001])
def test_multinomial_with_replacement_sums_in_the_inputs_dtype(torch, categories, dtype, seed):
    """Its cumulative distribution is added up in float32 for float32 (and the 16-bit floats):
    with thousands of categories float64 sums would move some boundaries by one category."""
    _same(torch, lambda m: m.multinomial(m.rand(2, categories).to(getattr(m, dtype)), 2000,
                                         True), seed)


DROPOUTS = {
    "dropout_2d_input": lambda m, n, dt: m.nn.functional.dropout(m.ones(n, 3, dtype=dt), 0.5),
    "dropout1d": lambda m, n, dt: m.nn.functional.dropout1d(m.ones(2, n, 3, dtype=dt), 0.5),
    "dropout3d": lambda m, n, dt: m.nn.functional.dropout3d(m.ones(2, n, 1, 2, 3, dtype=dt),
                                                            0.5),
    "alpha_dropout": lambda m, n, dt: m.nn.functional.alpha_dropout(
        m.ones(n, 3, dtype=dt), 0.5, True),
    "feature_alpha_dropout": lambda m, n, dt: m.nn.functional.feature_alpha_dropout(
        m.ones(2, n, 3, dtype=dt), 0.5, True),
    "Dropout_module": lambda m, n, dt: m.nn.Dropout(0.2)(m.ones(n, 2, dtype=dt)),
    "randint_like": lambda m, n, dt: m.randint_like(m.zeros(n, dtype=dt), 0, 50),
    "rand_like": lambda m, n, dt: m.rand_like(m.zeros(n, dtype=dt)),
    "randn_like": lambda m, n, dt: m.randn_like(m.zeros(n, dtype=dt)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", sorted(DROPOUTS))
def test_dropouts_and_like_factories_match_pytorch(torch, name, size, dtype):
    _skip_where_pytorch_takes_another_kernel(torch, "dropout" if "dropout" in name.lower()
                                             else name, dtype)
    _same(torch, lambda m: DROPOUTS[name](m, size, getattr(m, dtype)), 3)


LAYERS = {
    "Conv1d": lambda m: m.nn.Conv1d(3, 5, 4),
    "Conv2d_groups": lambda m: m.nn.Conv2d(4, 6, 3, groups=2),
    "Conv3d": lambda m: m.nn.Conv3d(2, 3, 2),
    "ConvTranspose1d": lambda m: m.nn.ConvTranspose1d(3, 5, 4),
    "RNN": lambda m: m.nn.RNN(3, 4, 2),
    "RNN_bidirectional": lambda m: m.nn.RNN(3, 4, 1, bidirectional=True),
    "LSTM_proj_size": lambda m: m.nn.LSTM(3, 6, proj_size=2),
    "LSTMCell": lambda m: m.nn.LSTMCell(3, 4),
    "GRUCell": lambda m: m.nn.GRUCell(3, 4),
    "RNNCell": lambda m: m.nn.RNNCell(3, 4),
    "BatchNorm1d": lambda m: m.nn.BatchNorm1d(5),
    "BatchNorm2d": lambda m: m.nn.BatchNorm2d(5),
    "LayerNorm": lambda m: m.nn.LayerNorm(5),
    "Bilinear": lambda m: m.nn.Bilinear(3, 4, 5),
    "Embedding_padding_idx": lambda m: m.nn.Embedding(10, 3, padding_idx=0),
    "EmbeddingBag": lambda m: m.nn.EmbeddingBag(10, 3),
    "PReLU": lambda m: m.nn.PReLU(),
    "Linear_float64": lambda m: m.nn.Linear(4, 3, dtype=m.float64),
    "Linear_no_bias": lambda m: m.nn.Linear(4, 3, bias=False),
    "MLP": lambda m: m.nn.Sequential(m.nn.Linear(784, 128), m.nn.ReLU(), m.nn.Linear(128, 10)),
}


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_more_default_layer_initializations_match_pytorch(torch, name, seed):
    _skip_where_pytorch_takes_another_kernel(torch, name, "float32")
    _same(torch, lambda m: m.cat([p.detach().reshape(-1).double()
                                  for p in LAYERS[name](m).parameters()]), seed)


# ---- the Generator API ----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 7, 2 ** 63 + 3])
def test_generator_states_carry_between_the_libraries_both_ways(torch, seed):
    tg = torch.Generator().manual_seed(seed)
    fg = ft.Generator().manual_seed(seed)
    torch.randn(5, generator=tg)
    ft.randn(5, generator=fg)                      # leaves a cached normal in both
    assert bytes(fg.get_state().tolist()) == tg.get_state().numpy().tobytes()
    moved = ft.Generator().set_state(ft.tensor(tg.get_state().numpy()))   # PyTorch -> funcgrad
    assert moved.initial_seed() == tg.initial_seed() == seed
    assert _values(ft.randn(3, generator=moved)).tolist() == \
        torch.randn(3, generator=tg).tolist()
    back = torch.Generator()                                               # funcgrad -> PyTorch
    back.set_state(torch.tensor(np.asarray(fg.get_state().tolist(), np.uint8)))
    assert torch.rand(20, generator=back).tolist() == _values(ft.rand(20, generator=fg)).tolist()


def test_generator_state_is_a_uint8_tensor_of_pytorchs_length(torch):
    state = ft.Generator().manual_seed(1).get_state()
    assert state.dtype == ft.uint8 and tuple(state.shape) == \
        tuple(torch.Generator().get_state().shape)


@pytest.mark.parametrize("where", ["module", "generator"])
def test_seed_draws_a_fresh_seed_that_initial_seed_reports(torch, where):
    for mod in (torch, ft):
        g = mod if where == "module" else mod.Generator()
        s = g.seed()
        assert isinstance(s, int) and 0 <= s < 2 ** 64
        assert g.initial_seed() == s
        # after seed(s) the stream is manual_seed(s)'s
        first = _values(mod.rand(4, generator=None if where == "module" else g))
        h = mod.Generator().manual_seed(s)
        assert first.tolist() == _values(mod.rand(4, generator=h)).tolist()


def test_torch_random_module_functions_drive_the_default_generator(torch):
    for mod in (torch, ft):
        mod.random.manual_seed(13)
        assert mod.random.initial_seed() == mod.initial_seed() == 13
        assert mod.default_generator.initial_seed() == 13
    assert bytes(ft.random.get_rng_state().tolist()) == \
        torch.random.get_rng_state().numpy().tobytes()
    assert _values(ft.randn(17)).tolist() == torch.randn(17).tolist()


@pytest.mark.parametrize("seed", [0, 3])
def test_fork_rng_restores_the_default_generator(torch, seed):
    out = []
    for mod in (torch, ft):
        mod.manual_seed(seed)
        with mod.random.fork_rng():
            mod.rand(50)
        out.append(_values(mod.rand(3)))
    np.testing.assert_array_equal(out[1], out[0])


# ---- other dtypes ---------------------------------------------------------------------------------

HALF_SAMPLERS = {
    "rand": lambda m, n: m.rand(n, dtype=m.float16),
    "uniform_": lambda m, n: m.empty(n, dtype=m.float16).uniform_(-1, 2),
    "randn": lambda m, n: m.randn(n, dtype=m.float16),
    "randn_2d": lambda m, n: m.randn(n, 3, dtype=m.float16),
    "normal_": lambda m, n: m.empty(n, dtype=m.float16).normal_(0.3, 1.7),
    "normal_then_randn": lambda m, n: m.cat([m.empty(n, dtype=m.float16).normal_(),
                                             m.randn(33, dtype=m.float16)]),
    "bernoulli_": lambda m, n: m.empty(n, dtype=m.float16).bernoulli_(0.3),
    "exponential_": lambda m, n: m.empty(n, dtype=m.float16).exponential_(),
    "random_": lambda m, n: m.empty(n, dtype=m.float16).random_(),
    "random_to": lambda m, n: m.empty(n, dtype=m.float16).random_(100),
    "randint": lambda m, n: m.randint(0, 9, (n,), dtype=m.float16),
    "dropout": lambda m, n: m.nn.functional.dropout(m.ones(n, dtype=m.float16), 0.3),
    "kaiming_uniform_": lambda m, n: m.nn.init.kaiming_uniform_(m.empty(n, 4, dtype=m.float16)),
    "uniform_rounding_up_to_high": lambda m, n: m.empty(n, 8, dtype=m.float16).uniform_(
        -1.2247, 1.2247),                 # a value that rounds up to `high` becomes `low`
    "cauchy_": lambda m, n: m.empty(n, dtype=m.float16).cauchy_(),
    "log_normal_": lambda m, n: m.empty(n, dtype=m.float16).log_normal_(),
    "geometric_": lambda m, n: m.empty(n, dtype=m.float16).geometric_(0.3),
    "bernoulli_tensor_p": lambda m, n: m.bernoulli(m.full((n,), 0.3, dtype=m.float16)),
    "poisson": lambda m, n: m.poisson(m.full((n,), 3.0, dtype=m.float16)),
    "multinomial_replacement": lambda m, n: m.multinomial(m.rand(n + 1, dtype=m.float16), 50,
                                                          True),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", sorted(HALF_SAMPLERS))
def test_float16_samplers_match_pytorch(torch, name, size):
    """float16 results are PyTorch's: normals from 16 elements on by the float32 fill a block at
    a time (so an incomplete block's uniforms are not drawn), doubles converted through float32
    (c10::Half is made from a float), dropout's scale applied in float32, uniform_'s
    [low, high) kept after rounding."""
    _skip_where_pytorch_takes_another_kernel(torch, name, "float16")
    _same(torch, lambda m: HALF_SAMPLERS[name](m, size), 8)


def test_float16_normals_at_a_hundred_thousand_elements_match_pytorch(torch):
    _same(torch, lambda m: m.randn(10 ** 5 + 7, dtype=m.float16), 2024)


INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


@pytest.mark.parametrize("size", [1, 17, 1000])
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_dtypes_match_pytorch(torch, dtype, size):
    low = 0 if dtype == "uint8" else -3
    _same(torch, lambda m: m.cat([
        m.randint(low, 100, (size,), dtype=getattr(m, dtype)).long(),
        m.empty(size, dtype=getattr(m, dtype)).random_().long(),
        m.randperm(min(size, 100), dtype=getattr(m, dtype)).long()]), 6)


SEED_FORMS = [-1, -2 ** 63, 2 ** 64 - 1, 1.5, "3", True, 2 ** 64, -2 ** 63 - 1, np.int64(3),
              np.uint64(2 ** 64 - 1)]


@pytest.mark.parametrize("where", ["module", "generator"])
@pytest.mark.parametrize("seed", SEED_FORMS, ids=str)
def test_seed_forms_and_overflow_as_pytorch(torch, seed, where):
    """torch.manual_seed takes any int()-able seed, a Generator's manual_seed only a Python int
    (other types raise PyTorch's TypeError / RuntimeError); negative seeds wrap to 64 bits, and a
    seed outside [-2**63, 2**64) raises PyTorch's ValueError."""
    out = []
    for mod in (torch, ft):
        try:
            if where == "module":
                mod.manual_seed(seed)
                out.append((mod.initial_seed(), _values(mod.rand(3)).tolist()))
            else:
                g = mod.Generator().manual_seed(seed)
                out.append((g.initial_seed(), _values(mod.rand(3, generator=g)).tolist()))
        except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
            out.append((type(e), str(e)))
    assert out[1] == out[0]
