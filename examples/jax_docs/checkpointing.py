"""Gradient checkpointing: jax.checkpoint recomputes inside the backward pass instead of saving;
the values and gradients are unchanged, and policies pick what to save."""
import jax
import jax.numpy as jnp


def g(W, x):
    y = jnp.dot(W, x)
    return jnp.sin(y)


def f(W1, W2, W3, x):
    x = g(W1, x)
    x = g(W2, x)
    x = g(W3, x)
    return x


W1 = jnp.ones((5, 4)) / 4
W2 = jnp.ones((6, 5)) / 5
W3 = jnp.ones((7, 6)) / 6
x = jnp.ones(4)

f2 = lambda W1, W2, W3, x: g(W3, jax.checkpoint(g)(W2, jax.checkpoint(g)(W1, x)))
print(f(W1, W2, W3, x))
print(jnp.allclose(f(W1, W2, W3, x), f2(W1, W2, W3, x)))
grad_plain = jax.grad(lambda W1: f(W1, W2, W3, x).sum())(W1)
grad_ckpt = jax.grad(lambda W1: f2(W1, W2, W3, x).sum())(W1)
print(grad_ckpt)
print(jnp.allclose(grad_plain, grad_ckpt))

policy = jax.checkpoint_policies.dots_with_no_batch_dims_saveable
f3 = jax.checkpoint(f, policy=policy)
print(jnp.allclose(jax.grad(lambda W1: f3(W1, W2, W3, x).sum())(W1), grad_plain))


@jax.remat
def layer(x):
    return jnp.tanh(x) * 2.0


def net(x):
    for _ in range(4):
        x = layer(x)
    return x.sum()


print(jax.grad(net)(jnp.array([0.1, 0.2])))
print(jax.jit(jax.grad(net))(jnp.array([0.1, 0.2])))


@jax.checkpoint
def scan_body(c, x):
    return jnp.sin(c * x), c


print(jax.grad(lambda c: jax.lax.scan(scan_body, c, jnp.arange(1.0, 4.0))[0])(0.5))
