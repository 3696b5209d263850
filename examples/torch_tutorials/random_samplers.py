"""PyTorch's random numbers, sampler by sampler, each after torch.manual_seed: small and large
sizes (PyTorch CPU draws larger tensors along vectorized paths), every in-place sampler, the
nn.init functions, the default initializations of common layers, dropout, and the index orders
of RandomSampler, a shuffled DataLoader, random_split and DistributedSampler (after PyTorch's
"Reproducibility" notes and torch.random / torch.nn.init documentation)."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, random_split


def seeded(label, make, seed=0):
    torch.manual_seed(seed)
    t = make()
    if t.numel() > 6:
        flat = t.flatten().double()
        print(label, tuple(t.shape), t.dtype, [round(v, 6) for v in flat[:3].tolist()],
              round(flat.sum().item(), 4))
    else:
        print(label, t)


for n in (3, 16, 17, 100):
    seeded(f"randn({n})", lambda: torch.randn(n))
    seeded(f"rand({n})", lambda: torch.rand(n))
seeded("randn f64", lambda: torch.randn(20, dtype=torch.float64))
seeded("rand f64", lambda: torch.rand(5, dtype=torch.float64))
seeded("randint", lambda: torch.randint(-5, 5, (50,)))
seeded("randint big range", lambda: torch.randint(0, 2 ** 40, (4,)))
for n in (5, 50, 2000):
    seeded(f"randperm({n})", lambda: torch.randperm(n))
seeded("normal", lambda: torch.normal(2.0, 3.0, size=(30,)))
seeded("normal tensor", lambda: torch.normal(torch.arange(4.0), torch.ones(4)))
seeded("bernoulli", lambda: torch.bernoulli(torch.full((40,), 0.3)))
seeded("bernoulli_ p", lambda: torch.empty(20).bernoulli_(0.7))
seeded("multinomial repl", lambda: torch.multinomial(torch.tensor([1.0, 2.0, 3.0, 4.0]), 20,
                                                     replacement=True))
seeded("multinomial", lambda: torch.multinomial(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]), 3))
seeded("multinomial 2d", lambda: torch.multinomial(torch.rand(3, 6), 2))
seeded("uniform_", lambda: torch.empty(25).uniform_(-2, 2))
seeded("normal_", lambda: torch.empty(25).normal_(1, 0.5))
seeded("exponential_", lambda: torch.empty(10).exponential_(2.0))
seeded("geometric_", lambda: torch.empty(10).geometric_(0.3))
seeded("log_normal_", lambda: torch.empty(10).log_normal_())
seeded("cauchy_", lambda: torch.empty(10).cauchy_())
seeded("random_", lambda: torch.empty(8, dtype=torch.int64).random_(0, 100))
seeded("rand_like", lambda: torch.rand_like(torch.zeros(2, 3)))
seeded("randn_like", lambda: torch.randn_like(torch.zeros(2, 3, dtype=torch.float64)))
seeded("randint_like", lambda: torch.randint_like(torch.zeros(7), 10))
seeded("poisson", lambda: torch.poisson(torch.full((10,), 3.0)))

for name, init in [("uniform_", lambda w: nn.init.uniform_(w, -0.1, 0.1)),
                   ("normal_", lambda w: nn.init.normal_(w, 0, 0.02)),
                   ("xavier_uniform_", nn.init.xavier_uniform_),
                   ("xavier_normal_", nn.init.xavier_normal_),
                   ("kaiming_uniform_", nn.init.kaiming_uniform_),
                   ("kaiming_normal_", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
                   ("trunc_normal_", lambda w: nn.init.trunc_normal_(w, std=0.5)),
                   ("orthogonal_", nn.init.orthogonal_),
                   ("sparse_", lambda w: nn.init.sparse_(w, 0.5))]:
    seeded("init." + name, lambda: init(torch.empty(8, 5)))

for name, make in [("Linear", lambda: nn.Linear(10, 4)), ("Conv2d", lambda: nn.Conv2d(3, 4, 3)),
                   ("Conv1d", lambda: nn.Conv1d(2, 3, 5)), ("Embedding", lambda: nn.Embedding(9, 3)),
                   ("LSTM", lambda: nn.LSTM(4, 3)), ("GRU", lambda: nn.GRU(4, 3)),
                   ("RNN", lambda: nn.RNN(4, 3)), ("Bilinear", lambda: nn.Bilinear(3, 2, 4)),
                   ("ConvTranspose2d", lambda: nn.ConvTranspose2d(2, 3, 3))]:
    torch.manual_seed(0)
    module = make()
    print(name, [(n, round(p.double().sum().item(), 4)) for n, p in module.named_parameters()])

seeded("dropout", lambda: nn.functional.dropout(torch.ones(30), p=0.4))
seeded("dropout big", lambda: nn.Dropout(0.2)(torch.ones(40, 50)))
seeded("dropout2d", lambda: nn.Dropout2d(0.5)(torch.ones(2, 6, 2, 2)))
seeded("alpha_dropout", lambda: nn.AlphaDropout(0.3)(torch.ones(12)))

torch.manual_seed(0)
print("RandomSampler", list(RandomSampler(range(10))))
print("RandomSampler replacement", list(RandomSampler(range(10), replacement=True, num_samples=6)))
g = torch.Generator().manual_seed(7)
print("RandomSampler generator", list(RandomSampler(range(8), generator=g)))
torch.manual_seed(0)
print("DataLoader", [b.tolist() for b in DataLoader(list(range(10)), batch_size=4, shuffle=True)])
parts = random_split(range(10), [0.6, 0.4], generator=torch.Generator().manual_seed(42))
print("random_split", [list(p) for p in parts])
for rank in range(2):
    sampler = DistributedSampler(list(range(11)), num_replicas=2, rank=rank, seed=3)
    sampler.set_epoch(1)
    print("DistributedSampler", rank, list(sampler))
