"""A tensor tour in funcgrad.torch (seeds 000 and 004): PyTorch's tensor basics, unchanged but
for the import, running on funcgrad.

    python examples/tensor_tour.py
"""
import numpy as np

import funcgrad.torch as torch
import funcgrad.torch.nn.functional as F

# numpy <-> tensors: from_numpy and numpy() share memory, torch.tensor copies
n_array = np.arange(10).reshape(2, 5)
t_array = torch.FloatTensor(n_array)
print(t_array)
print("ndim:", t_array.ndim, "shape:", t_array.shape, "dtype:", t_array.dtype)
shared = torch.from_numpy(n_array)
n_array[0, 0] = 100
print("from_numpy shares memory:", shared[0, 0].item())

# slicing and views: view shares storage, so an in-place fill shows through it
data = [[3, 5, 20], [10, 5, 50], [1, 5, 10]]
x = torch.tensor(data)
print(x[1:], x[:2, 1:], x.flatten(), sep="\n")
a = torch.zeros(3, 2)
b = a.view(2, 3)
a.fill_(1)
print("a view sees a.fill_(1):", b)

# matrix products, and PyTorch's errors where shapes do not fit
t1 = torch.FloatTensor(np.arange(10).reshape(2, 5))
t2 = torch.FloatTensor(np.arange(10).reshape(5, 2))
print(t1.mm(t2))
try:
    t1.dot(t2)
except RuntimeError as e:
    print("RuntimeError:", e)
print(torch.matmul(torch.ones(2, 3, 4), torch.ones(4)).shape)

# nn.functional
print(F.softmax(torch.FloatTensor([0.5, 0.7, 0.1]), dim=0))
labels = torch.tensor([[0, 3, 1, 2, 1], [4, 1, 0, 2, 2], [1, 1, 4, 0, 3]]).argmax(dim=1)
print(F.one_hot(labels))

# autograd: the derivative of 10 w**2 + 25 at w = 2, and Q = 3a^3 - b^2 with external_grad
w = torch.tensor(2.0, requires_grad=True)
z = 10 * w ** 2 + 25
z.backward()
print("dz/dw =", w.grad)
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
Q.backward(gradient=torch.tensor([1.0, 1.0]))
print("dQ/da =", a.grad, " dQ/db =", b.grad, " grad_fn:", Q.grad_fn)
