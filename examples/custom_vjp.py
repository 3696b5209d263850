"""Custom derivatives: a numerically stable log1pexp with fg.custom_jvp, and gradient clipping
with fg.custom_vjp.

custom_jvp gives a function its own forward-mode rule; funcgrad derives reverse mode (grad, vjp)
from it, and the rule, written with funcgrad operations, can be differentiated again.
custom_vjp gives a function its own reverse-mode rule: fwd (output and residuals) and bwd
(residuals and output cotangent -> input cotangents).
"""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

np.set_printoptions(precision=4, suppress=True)
xs = fnp.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])


# ---- log1pexp = log(1 + e^x), the "softplus" -----------------------------------------------------

def log1pexp_naive(x):
    return fnp.log(1.0 + fnp.exp(x))


with np.errstate(over="ignore", invalid="ignore"):   # e^1000 overflows: numpy would warn
    print("naive      log1pexp(x):", log1pexp_naive(xs))
    print("naive    d/dx log1pexp:", fg.vmap(fg.grad(log1pexp_naive))(xs), " (inf / inf at 1000)")


@fg.custom_jvp
def log1pexp(x):
    # max(x, 0) + log(1 + e^-|x|): e^-|x| <= 1, so nothing overflows
    return fnp.maximum(x, 0.0) + fnp.log1p(fnp.exp(-fnp.abs(x)))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    sigmoid = 0.5 * (1.0 + fnp.tanh(0.5 * x))        # e^x / (1 + e^x), without e^x
    return log1pexp(x), sigmoid * x_dot


print("stable     log1pexp(x):", log1pexp(xs))
print("stable   d/dx log1pexp:", fg.vmap(fg.grad(log1pexp))(xs))
print("stable d2/dx2 log1pexp:", fg.vmap(fg.grad(fg.grad(log1pexp)))(xs))
print("jvp at 0 (forward mode):", fg.jvp(log1pexp, (0.0,), (1.0,))[1])
print("under jit:", fg.jit(fg.grad(lambda x: fnp.sum(log1pexp(x))))(xs))


# ---- gradient clipping: identity forward, clipped cotangent backward -----------------------------

@fg.custom_vjp
def clip_gradient(x, bound):
    return x


def clip_fwd(x, bound):
    return x, bound                                   # residuals: what bwd needs


def clip_bwd(bound, g):
    return (fnp.clip(g, -bound, bound), None)         # no gradient for `bound`


clip_gradient.defvjp(clip_fwd, clip_bwd)


def loss(w):
    return fnp.sum((3.0 * w - 1.0) ** 2)


def clipped_loss(w):
    return loss(clip_gradient(w, 1.0))


w = fnp.array([0.0, 2.0, 10.0])
print("loss gradient:        ", fg.grad(loss)(w))
print("clipped gradient:     ", fg.grad(clipped_loss)(w))
print("value is unchanged:   ", float(loss(w)) == float(clipped_loss(w)))

for step in range(4):
    w = w - 0.05 * fg.grad(clipped_loss)(w)
    print(f"clipped descent step {step}: w = {w}, loss = {float(loss(w)):.3f}")
