"""The autodiff cookbook: grad, value_and_grad, argnums, has_aux, gradients of pytrees, and
differentiating a logistic-regression loss."""
import jax
import jax.numpy as jnp

grad_tanh = jax.grad(jnp.tanh)
print(grad_tanh(2.0))
print(jax.grad(jax.grad(jax.grad(jnp.tanh)))(2.0))


def sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def predict(W, b, inputs):
    return sigmoid(jnp.dot(inputs, W) + b)


inputs = jnp.array([[0.52, 1.12, 0.77],
                    [0.88, -1.08, 0.15],
                    [0.52, 0.06, -1.30],
                    [0.74, -2.49, 1.39]])
targets = jnp.array([True, True, False, True])


def loss(W, b):
    preds = predict(W, b, inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


W = jnp.array([0.5, -0.25, 1.0])
b = 0.3
print(jax.grad(loss)(W, b))
print(jax.grad(loss, argnums=1)(W, b))
W_grad, b_grad = jax.grad(loss, (0, 1))(W, b)
print(W_grad, b_grad)


def loss2(params_dict):
    preds = predict(params_dict['W'], params_dict['b'], inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


print(jax.grad(loss2)({'W': W, 'b': b}))
loss_value, Wb_grad = jax.value_and_grad(loss, (0, 1))(W, b)
print('loss value', loss_value)
print('loss value', loss(W, b))


def loss_with_aux(W, b):
    preds = predict(W, b, inputs)
    return -jnp.sum(jnp.log(preds * targets + (1 - preds) * (1 - targets))), preds


g, aux = jax.grad(loss_with_aux, has_aux=True)(W, b)
print(g)
print(aux)

# check against a finite difference
eps = 1e-3
unit = jnp.array([1.0, 0.0, 0.0])
fd = (loss(W + eps / 2 * unit, b) - loss(W - eps / 2 * unit, b)) / eps
print(jnp.allclose(fd, W_grad[0], atol=1e-2))
