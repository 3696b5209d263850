"""Saving and loading models: a state_dict to an in-memory buffer and to a temporary file,
loading it into a fresh model, an optimizer checkpoint with the epoch and loss, whole tensors
and dicts of tensors (after PyTorch's "Save and Load the Model" page)."""
import io
import os
import tempfile

import torch
from torch import nn

torch.manual_seed(1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
x = torch.randn(8, 4)
for _ in range(3):
    optimizer.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.6f}")

for name, tensor in model.state_dict().items():
    print(name, tuple(tensor.shape), tensor.dtype)
print(optimizer.state_dict()["param_groups"])

buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
fresh = Net()
print(torch.equal(fresh.fc1.weight, model.fc1.weight))
result = fresh.load_state_dict(torch.load(buffer, weights_only=True))
print(result)
print(torch.equal(fresh.fc1.weight, model.fc1.weight), fresh.bn.num_batches_tracked)
model.eval()
fresh.eval()
print(torch.equal(model(x), fresh(x)))
print(fresh(x[:2]))

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "checkpoint.pt")
    torch.save({"epoch": 3, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": loss.item()}, path)
    checkpoint = torch.load(path, weights_only=True)
    model2 = Net()
    opt2 = torch.optim.SGD(model2.parameters(), lr=0.5)
    model2.load_state_dict(checkpoint["model_state_dict"])
    opt2.load_state_dict(checkpoint["optimizer_state_dict"])
    print(checkpoint["epoch"], round(checkpoint["loss"], 6), opt2.param_groups[0]["lr"])
    print(opt2.state_dict()["state"][0]["momentum_buffer"])

    torch.save([torch.arange(3), {"a": torch.ones(2, dtype=torch.float64)}], path)
    print(torch.load(path))

strict = Net()
missing = {k: v for k, v in model.state_dict().items() if not k.startswith("fc2")}
print(strict.load_state_dict(missing, strict=False))
try:
    strict.load_state_dict(missing)
except RuntimeError as e:
    print(type(e).__name__, str(e).splitlines()[0])
