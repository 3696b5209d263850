"""An MLP classifier for the iris flowers, trained with funcgrad.optim.adam.

The parameters are a dict of arrays; the loss is softmax cross-entropy; each training step is
`fg.jit(fg.value_and_grad(loss))` followed by Adam's update, also jitted. The 150 flowers are split
120 for training and 30 held out; accuracy on both is printed as training goes.
"""
import csv
from pathlib import Path

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import optim

with open(Path(__file__).parent / "data" / "iris.csv", newline="") as f:
    rows = list(csv.reader(f))[1:]          # the header names the four features and `target`
features = np.array([r[:4] for r in rows], dtype=np.float64)
labels = np.array([r[4] for r in rows], dtype=np.int64)

rng = np.random.default_rng(0)
order = rng.permutation(len(labels))
train, test = order[:120], order[120:]
mean, std = features[train].mean(0), features[train].std(0)   # statistics of the training set only
x = fnp.asarray((features - mean) / std)
onehot = fnp.asarray(np.eye(3)[labels])


def init_params(sizes=(4, 16, 3)):
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"w{i}"] = fnp.asarray(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in))
        params[f"b{i}"] = fnp.zeros(n_out)
    return params


def logits(params, x):
    h = fnp.tanh(x @ params["w0"] + params["b0"])
    return h @ params["w1"] + params["b1"]


def loss(params, x, y):
    z = logits(params, x)
    z = z - fnp.max(z, axis=1, keepdims=True)          # log-softmax, stable for large logits
    log_probs = z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True))
    return -fnp.mean(fnp.sum(y * log_probs, axis=1))


def accuracy(params, idx):
    predicted = np.asarray(fnp.argmax(logits(params, x[idx]), axis=1))
    return float(np.mean(predicted == labels[idx]))


loss_and_grad = fg.jit(fg.value_and_grad(loss))
opt = optim.adam(0.02)
update = fg.jit(opt.update)

params = init_params()
state = opt.init(params)
for step in range(151):
    value, grads = loss_and_grad(params, x[train], onehot[train])
    updates, state = update(grads, state, params)
    params = optim.apply_updates(params, updates)
    if step % 25 == 0:
        print(f"step {step:3d}  loss {float(value):.4f}  train accuracy "
              f"{accuracy(params, train):.1%}  test accuracy {accuracy(params, test):.1%}")

final = accuracy(params, test)
print(f"held-out accuracy: {final:.1%}")
assert final > 0.9, "the classifier should get more than 90% of the held-out flowers right"
