"""Learning-rate schedules: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR,
OneCycleLR, LinearLR chained with SequentialLR and ReduceLROnPlateau, each stepped after the
optimizer and printing the learning rates it gives (after PyTorch's "How to adjust learning
rate" documentation)."""
import torch
from torch import nn, optim
from torch.optim import lr_scheduler

torch.manual_seed(0)
model = nn.Linear(2, 1)
x, y = torch.randn(16, 2), torch.randn(16, 1)


def run(make_scheduler, steps=8, lr=0.1, metric=False):
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        lrs.append(round(opt.param_groups[0]["lr"], 6))
        sched.step(loss.item() * 0 + 1.0) if metric else sched.step()
    return lrs


print("StepLR", run(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5)))
print("MultiStepLR", run(lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5], gamma=0.1)))
print("ExponentialLR", run(lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)))
print("CosineAnnealingLR", run(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6)))
print("LambdaLR", run(lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 1 / (epoch + 1))))
print("OneCycleLR", run(lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=8)))
print("SequentialLR", run(lambda o: lr_scheduler.SequentialLR(
    o, [lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=3),
        lr_scheduler.ExponentialLR(o, gamma=0.5)], milestones=[3])))
print("ReduceLROnPlateau", run(lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1,
                                                                          factor=0.5),
                                metric=True))
print("CosineAnnealingWarmRestarts",
      run(lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3)))

opt = optim.Adam(model.parameters(), lr=0.01)
sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
for _ in range(3):
    opt.step()
    sched.step()
print(sched.get_last_lr(), sched.last_epoch)
print(sched.state_dict())
print(f"{nn.functional.mse_loss(model(x), y).item():.5f}")
