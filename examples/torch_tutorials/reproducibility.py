"""Reproducibility: torch.manual_seed and the random tensors it gives (rand, randn, randint,
randperm, normal, bernoulli, multinomial, in-place samplers), the same numbers again after
reseeding or restoring a Generator's state, separate Generators, fork_rng, and a seeded
network's initial weights and dropout mask (after PyTorch's "Reproducibility" notes)."""
import torch

torch.manual_seed(0)
print(torch.rand(3))
print(torch.randn(2, 3))
print(torch.randint(0, 10, (5,)))
print(torch.randperm(8))
print(torch.normal(mean=torch.zeros(3), std=torch.ones(3)))
print(torch.bernoulli(torch.full((6,), 0.5)))
print(torch.multinomial(torch.tensor([0.1, 0.2, 0.7]), 4, replacement=True))
print(torch.empty(4).uniform_(-1, 1), torch.empty(3).normal_(5.0, 0.1))

torch.manual_seed(1234)
a = torch.randn(3)
torch.manual_seed(1234)
b = torch.randn(3)
print(a, torch.equal(a, b))

state = torch.get_rng_state()
c = torch.rand(2)
torch.set_rng_state(state)
print(torch.equal(c, torch.rand(2)), state.dtype, state.shape)

g = torch.Generator().manual_seed(42)
print(torch.randn(3, generator=g), g.initial_seed())
g2 = torch.Generator()
g2.manual_seed(42)
print(torch.randn(3, generator=g2))
print(torch.randint(100, (4,), generator=g2), torch.randperm(5, generator=g2))

with torch.random.fork_rng():
    torch.rand(10)
after_fork = torch.rand(2)
print(after_fork)

torch.manual_seed(0)
layer = torch.nn.Linear(4, 2)
print(layer.weight, layer.bias)
drop = torch.nn.Dropout(p=0.5)
print(drop(torch.ones(8)))
drop.eval()
print(drop(torch.ones(4)))
torch.manual_seed(0)
print(torch.equal(torch.nn.Linear(4, 2).weight, layer.weight))
print(torch.initial_seed())
torch.use_deterministic_algorithms(True)
print(torch.are_deterministic_algorithms_enabled())
torch.use_deterministic_algorithms(False)
w = torch.empty(3, 4)
torch.nn.init.xavier_uniform_(w)
print(w)
torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
print(w)
print(torch.rand(2, dtype=torch.float64), torch.randn(2, dtype=torch.float64))
print(torch.randn(40)[-3:], torch.rand(20)[-2:])
