"""Seed 002's LeNet in funcgrad.torch, trained with torch.optim.SGD on synthetic 1x32x32 images.

The network is the one from PyTorch's "Neural Networks" tutorial (two 5x5 convolutions with max
pooling, three linear layers), written exactly as there but with `import funcgrad.torch as torch`.
The data is synthetic: 256 1x32x32 images, each one of ten fixed random patterns (its class) plus
as much noise again, so there is something to learn. A few epochs of SGD with momentum on
`nn.CrossEntropyLoss`, in batches of 64, print the loss going down.
"""
import funcgrad.torch as torch
import funcgrad.torch.nn as nn
import funcgrad.torch.nn.functional as F
import funcgrad.torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


torch.manual_seed(0)
patterns = torch.randn(10, 1, 32, 32)
labels = torch.randint(0, 10, (256,))
images = patterns[labels] + torch.randn(256, 1, 32, 32)

net = Net()
print(net)
print("parameters:", sum(p.numel() for p in net.parameters()))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

batch_size = 64
losses = []
for epoch in range(8):
    for i in range(0, len(images), batch_size):
        inputs, targets = images[i:i + batch_size], labels[i:i + batch_size]
        optimizer.zero_grad()
        loss = criterion(net(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"epoch {epoch}  mean loss {sum(losses[-4:]) / 4:.4f}")

with torch.no_grad():
    accuracy = (net(images).argmax(dim=1) == labels).float().mean().item()
print(f"training accuracy after {len(losses)} steps: {accuracy:.1%} (chance: 10%)")
assert sum(losses[-4:]) < 0.75 * sum(losses[:4]), "the loss should go down"
