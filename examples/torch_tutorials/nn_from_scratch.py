"""What is torch.nn really: logistic regression on synthetic 8x8 "digits", first from scratch
(weights, log-softmax, negative log-likelihood, a manual update), then refactored step by step
with torch.nn.functional, nn.Module, nn.Linear, torch.optim, TensorDataset, DataLoader and
nn.Sequential with a Lambda layer (after PyTorch's "What is torch.nn really?")."""
import math

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
n, d, classes = 256, 64, 10
prototypes = torch.randn(classes, d)
y_train = torch.randint(0, classes, (n,))
x_train = prototypes[y_train] + 0.5 * torch.randn(n, d)
y_valid = torch.randint(0, classes, (64,))
x_valid = prototypes[y_valid] + 0.5 * torch.randn(64, d)
print(x_train.shape, y_train.min(), y_train.max())

weights = torch.randn(d, classes) / math.sqrt(d)
weights.requires_grad_()
bias = torch.zeros(classes, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


bs = 32
xb = x_train[0:bs]
preds = model(xb)
print(preds[0], preds.shape)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


loss_func = nll
yb = y_train[0:bs]
print(f"{loss_func(preds, yb).item():.4f}")


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


print(accuracy(preds, yb))

lr, epochs = 0.5, 2
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        xb, yb = x_train[start_i:start_i + bs], y_train[start_i:start_i + bs]
        loss = loss_func(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
print(f"{loss_func(model(xb), yb).item():.4f}", accuracy(model(xb), yb))

loss_func = F.cross_entropy
print(f"{loss_func(xb @ weights + bias, yb).item():.4f}")


class MnistLogistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(d, classes)

    def forward(self, xb):
        return self.lin(xb)


def get_model():
    model = MnistLogistic()
    return model, optim.SGD(model.parameters(), lr=lr)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = sum(l * k for l, k in zip(losses, nums)) / sum(nums)
        print(epoch, f"{val_loss:.4f}")


train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=bs * 2)
model, opt = get_model()
fit(epochs, model, loss_func, opt, train_dl, valid_dl)


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


model = nn.Sequential(Lambda(lambda x: x.view(-1, 1, 8, 8)),
                      nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), Lambda(lambda x: x.view(x.size(0), -1)),
                      nn.Linear(4, classes))
print(model)
opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
fit(epochs, model, loss_func, opt, train_dl, valid_dl)
