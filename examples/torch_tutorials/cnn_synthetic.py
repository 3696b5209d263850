"""A small convolutional network on synthetic images: two conv + ReLU + max-pool blocks and a
linear head classifying 16x16 images by where a bright square sits, trained with SGD with
momentum, printing the loss and the accuracy (after PyTorch's "Training a Classifier")."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(0)


def make_images(n):
    labels = torch.randint(0, 4, (n,))
    images = 0.3 * torch.randn(n, 1, 16, 16)
    for i, label in enumerate(labels.tolist()):
        r, c = divmod(label, 2)
        images[i, 0, 8 * r + 2:8 * r + 6, 8 * c + 2:8 * c + 6] += 1.0
    return images, labels


classes = ("top-left", "top-right", "bottom-left", "bottom-right")
train_x, train_y = make_images(128)
test_x, test_y = make_images(32)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


net = Net()
print(net)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

for epoch in range(3):
    running_loss = 0.0
    perm = torch.randperm(len(train_x))
    for i in range(0, len(train_x), 16):
        idx = perm[i:i + 16]
        inputs, labels = train_x[idx], train_y[idx]
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    print(f"[{epoch + 1}] loss: {running_loss / 8:.3f}")
print("Finished Training")

correct = 0
total = 0
with torch.no_grad():
    outputs = net(test_x)
    _, predicted = torch.max(outputs, 1)
    total += test_y.size(0)
    correct += (predicted == test_y).sum().item()
print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
for label, prediction in zip(test_y, predicted):
    if label == prediction:
        correct_pred[classes[label]] += 1
    total_pred[classes[label]] += 1
for classname, correct_count in correct_pred.items():
    print(f"{classname:12s}: {correct_count} of {total_pred[classname]}")
print(net.conv1.weight.grad.shape, outputs[:2])
