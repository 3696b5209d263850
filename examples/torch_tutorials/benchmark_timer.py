"""Timing code with torch.utils.benchmark (after PyTorch's "PyTorch Benchmark" recipe): a Timer
with a statement, setup and globals, timeit, blocked_autorange and adaptive_autorange, and the
Measurement each returns; what does not depend on the clock is printed (counts, labels, the
statement), the times themselves only as checks, so the output is the same on every run."""
import torch
import torch.utils.benchmark as benchmark

torch.manual_seed(0)
x = torch.randn(64, 64)


def batched_dot_mul_sum(a, b):
    return a.mul(b).sum(-1)


t0 = benchmark.Timer(stmt="batched_dot_mul_sum(x, x)", setup="from __main__ import batched_dot_mul_sum",
                     globals={"x": x}, label="batched dot", sub_label="64x64",
                     description="mul/sum", num_threads=1)
m0 = t0.timeit(20)
print(type(m0).__name__, m0.number_per_run, len(m0.times), m0.num_threads)
print(m0.task_spec.stmt, "|", m0.label, "|", m0.sub_label, "|", m0.description)
print(m0.mean > 0, m0.median > 0, m0.iqr >= 0, m0.times[0] == m0.mean)

t1 = benchmark.Timer(stmt="torch.bmm(x.unsqueeze(1), x.unsqueeze(-1)).flatten()",
                     globals={"x": x, "torch": torch}, label="batched dot", sub_label="64x64",
                     description="bmm")
m1 = t1.blocked_autorange(min_run_time=0.02)
print(m1.number_per_run >= 1, len(m1.times) >= 1, m1.mean > 0, m1.num_threads)
m2 = t1.adaptive_autorange(threshold=0.5, min_run_time=0.01, max_run_time=0.05)
print(type(m2).__name__, len(m2.times) >= 1, m2.task_spec.description)
print(torch.allclose(batched_dot_mul_sum(x, x), torch.bmm(x.unsqueeze(1), x.unsqueeze(-1)).flatten(),
                     rtol=1e-4))
compare = benchmark.Compare([m0, m1])
compare.trim_significant_figures()
compare.colorize()
print(type(compare).__name__, "batched dot" in str(compare), "mul/sum" in str(compare),
      "bmm" in str(compare))
merged = benchmark.Measurement.merge([m0, t0.timeit(10)])
print(len(merged), merged[0].number_per_run, len(merged[0].times))
