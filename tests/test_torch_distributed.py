"""funcgrad.torch's torch.distributed, DistributedDataParallel, DistributedSampler and torchrun's
twin.

Single process: DistributedSampler against PyTorch's (the oracle) over many dataset sizes,
replica counts and drop_last; the process-group API's errors and printed forms against PyTorch's.
Real 2-process jobs through `python -m funcgrad.torch.distributed.run` (a handful: each costs a
few seconds of start-up): every collective and ReduceOp against numpy on every process
(tests/torch_distributed/collectives.py), DDP training against one process on the full batch
(tests/torch_distributed/ddp_train.py), a failing process, torchrun's variables, and PyTorch's
DDP tutorial under both launchers."""
import ctypes
import os
import socket
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

import funcgrad.torch as ft
import funcgrad.torch.distributed as fdist
from funcgrad.torch.utils.data import DistributedSampler

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "tests" / "torch_distributed"
BIN = Path(sys.executable).parent
JOB_TIMEOUT = 120

needs_mpi = pytest.mark.skipif(
    not fdist.is_available(), reason="mpi4py + MPICH not installed: pip install -e '.[mpi]'")


# ---- DistributedSampler vs PyTorch's -----------------------------------------------------------

def _oracle():
    return pytest.importorskip("torch", reason="PyTorch oracle not installed: pip install "
                               "'funcgrad[oracle]'")


def _torch_sampler(torch, n, replicas, rank, **kw):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    return TorchSampler(range(n), num_replicas=replicas, rank=rank, **kw)


@given(n=st.integers(0, 40), replicas=st.integers(1, 6), drop_last=st.booleans(),
       epoch=st.integers(0, 3), data=st.data())
def test_sampler_partition_matches_pytorch(n, replicas, drop_last, epoch, data):
    torch = _oracle()
    rank = data.draw(st.integers(0, replicas - 1))
    ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                              drop_last=drop_last)
    theirs = _torch_sampler(torch, n, replicas, rank, shuffle=False, drop_last=drop_last)
    ours.set_epoch(epoch)
    theirs.set_epoch(epoch)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs) == len(list(ours))
    assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


@given(n=st.integers(0, 40), replicas=st.integers(1, 6), drop_last=st.booleans(),
       seed=st.integers(0, 2 ** 31), epoch=st.integers(0, 3))
def test_sampler_shuffled_partition(n, replicas, drop_last, seed, epoch):
    """With shuffle on: every replica's share has PyTorch's size; the replicas agree on one
    order (drawn from seed + epoch), which is a permutation of the indices padded by wrapping
    around or cut at its tail, dealt out round-robin."""
    torch = _oracle()
    shares = []
    for rank in range(replicas):
        s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=seed,
                               drop_last=drop_last)
        s.set_epoch(epoch)
        shares.append(list(s))
        assert len(shares[-1]) == len(s) == len(_torch_sampler(torch, n, replicas, rank,
                                                               drop_last=drop_last))
    g = ft.Generator()
    g.manual_seed(seed + epoch)
    order = ft.randperm(n, generator=g).tolist()
    assert sorted(order) == list(range(n))
    total = len(shares[0]) * replicas
    dealt = [order[i % n] for i in range(total)] if n else []
    assert shares == [dealt[r::replicas] for r in range(replicas)]


def test_sampler_shuffled_indices_match_pytorch_once_the_generators_agree():
    torch = _oracle()
    for n, replicas, seed, epoch in [(10, 2, 0, 0), (17, 3, 5, 2), (40, 4, 1, 1)]:
        for rank in range(replicas):
            ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=seed)
            theirs = _torch_sampler(torch, n, replicas, rank, seed=seed)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)


def test_sampler_shuffle_depends_on_seed_and_epoch():
    def order(seed, epoch):
        s = DistributedSampler(range(50), num_replicas=1, rank=0, seed=seed)
        s.set_epoch(epoch)
        return list(s)
    assert order(0, 0) == order(0, 0)
    assert order(0, 0) != order(0, 1) and order(0, 0) != order(1, 0)
    assert order(2, 3) == order(3, 2)          # as PyTorch: the generator's seed is seed + epoch


@pytest.mark.parametrize("replicas, rank", [(2, 2), (2, -1), (1, 5)])
def test_sampler_invalid_rank_as_pytorch(torch, replicas, rank):
    with pytest.raises(ValueError) as theirs:
        _torch_sampler(torch, 4, replicas, rank)
    with pytest.raises(ValueError) as ours:
        DistributedSampler(range(4), num_replicas=replicas, rank=rank)
    assert str(ours.value) == str(theirs.value)


def test_sampler_without_process_group_as_pytorch(torch):
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    with pytest.raises(ValueError) as theirs:
        TorchSampler(range(4))
    with pytest.raises(ValueError) as ours:
        DistributedSampler(range(4))
    assert str(ours.value) == str(theirs.value)


def test_sampler_exports():
    assert ft.utils.data.DistributedSampler is ft.utils.data.distributed.DistributedSampler
    assert ft.nn.parallel.DistributedDataParallel.__name__ == "DistributedDataParallel"


# ---- the process-group API in one process ----------------------------------------------------

def test_calls_before_init_raise_pytorchs_error(torch):
    import torch.distributed as tdist
    calls = [lambda d: d.get_rank(), lambda d: d.get_world_size(), lambda d: d.barrier(),
             lambda d: d.get_backend(), lambda d: d.all_reduce(d_tensor(d)),
             lambda d: d.broadcast(d_tensor(d), src=0), lambda d: d.new_group([0])]

    def d_tensor(d):
        return (torch if d is tdist else ft).ones(2)
    assert not fdist.is_initialized()
    for call in calls:
        with pytest.raises(ValueError) as theirs:
            call(tdist)
        with pytest.raises(ValueError) as ours:
            call(fdist)
        assert str(ours.value) == str(theirs.value)


def test_reduce_op_and_backend_print_as_pytorch(torch):
    import torch.distributed as tdist
    for name in ["SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"]:
        ours, theirs = getattr(fdist.ReduceOp, name), getattr(tdist.ReduceOp, name)
        assert (str(ours), repr(ours)) == (str(theirs), repr(theirs))
    assert fdist.Backend("GLOO") == tdist.Backend("GLOO") == "gloo"
    assert fdist.Backend.NCCL == tdist.Backend.NCCL


@needs_mpi
def test_init_in_one_process():
    fdist.init_process_group("mpi", world_size=1, rank=0)
    try:
        assert fdist.is_initialized() and fdist.get_backend() == "mpi"
        assert (fdist.get_rank(), fdist.get_world_size()) == (0, 1)
        with pytest.raises(ValueError, match="twice"):
            fdist.init_process_group("gloo")
        t = ft.tensor([1.0, 2.0])
        work = fdist.all_reduce(t, op=fdist.ReduceOp.AVG, async_op=True)
        assert work.wait() and work.is_completed() and t.tolist() == [1.0, 2.0]
        with pytest.raises(RuntimeError, match="PREMUL_SUM"):
            fdist.all_reduce(t, op=fdist.ReduceOp.PREMUL_SUM)
        with pytest.raises(ValueError, match="Invalid destination rank"):
            fdist.send(t, dst=0)
    finally:
        fdist.destroy_process_group()
    assert not fdist.is_initialized()


@needs_mpi
@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(world_size=2, rank=0), ValueError, "world_size=2"),
    (dict(world_size=1, rank=1), ValueError, "rank=1"),
    (dict(init_method="foo://x"), RuntimeError, "No rendezvous handler for foo://"),
    (dict(init_method="tcp://localhost"), ValueError, "a host and a port"),
    (dict(backend="nccl"), RuntimeError, "Backend 'nccl' needs a GPU"),
    (dict(backend="carrier-pigeon"), ValueError, "funcgrad.torch.distributed serves"),
])
def test_init_errors(kwargs, exc, match):
    if kwargs.get("backend") == "nccl" and fdist.is_nccl_available():
        pytest.skip("a GPU with NCCL is present")
    kwargs = {"backend": "gloo", **kwargs}
    with pytest.raises(exc, match=match):
        fdist.init_process_group(**kwargs)
    assert not fdist.is_initialized()


@needs_mpi
def test_init_tcp_and_env_methods(monkeypatch):
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    for method in ("env://", "tcp://127.0.0.1:29511"):
        fdist.init_process_group("gloo", init_method=method)
        assert fdist.get_world_size() == 1
        fdist.destroy_process_group()


# ---- real 2-process jobs -------------------------------------------------------------------------

def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("PYTHONUNBUFFERED", None)     # whole lines from every process, under both launchers
    return env


def _twin(*args, timeout=JOB_TIMEOUT):
    return subprocess.run([sys.executable, "-m", "funcgrad.torch.distributed.run", *map(str, args)],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout)


def _torchrun(tmp_path, *args):
    """The lines PyTorch's torchrun's processes print (each process's stdout in a file of its
    own: torchrun's processes write unbuffered, so a shared pipe can split their lines)."""
    for attempt in range(2):     # PyTorch's gloo sometimes aborts at exit on a loaded machine
        logs = tmp_path / f"torchrun_logs{attempt}"
        out = subprocess.run([str(BIN / "torchrun"), "--log-dir", str(logs), "--redirects", "1",
                              *map(str, args)], cwd=ROOT, env=_env(), capture_output=True,
                             text=True, timeout=JOB_TIMEOUT)
        if out.returncode == 0 or "terminate called" not in out.stderr:
            break
    assert out.returncode == 0, out.stderr[-4000:]
    return [ln for f in sorted(logs.rglob("stdout.log")) for ln in f.read_text().splitlines()]


def _passed(out, size=2):
    lines = [ln for ln in out.stdout.splitlines() if "checks passed" in ln]
    assert out.returncode == 0 and len(lines) == size, (out.stdout, out.stderr[-4000:])
    return lines


@needs_mpi
def test_collectives_on_two_processes():
    lines = _passed(_twin("--nproc-per-node", 2, SCRIPTS / "collectives.py"))
    assert {ln.split(":")[0] for ln in lines} == {"rank 0", "rank 1"}


@needs_mpi
def test_ddp_training_on_two_processes_matches_one_process():
    _passed(_twin("--nproc_per_node", 2, SCRIPTS / "ddp_train.py"))


@needs_mpi
def test_failing_process_stops_the_job(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import time, torch.distributed as dist\n"
                      "dist.init_process_group('gloo')\n"
                      "if dist.get_rank() == 1:\n"
                      "    raise KeyError('rank one gives up')\n"
                      "dist.barrier()\n"
                      "time.sleep(60)\n")
    out = _twin("--nproc-per-node", 2, script, timeout=60)
    assert out.returncode != 0
    assert out.stderr.count("KeyError: 'rank one gives up'") == 1, out.stderr


_ENV_SCRIPT = """
import os
names = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK",
         "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RESTART_COUNT"]
print(" ".join(f"{n}={os.environ.get(n)}" for n in names))
"""


@needs_mpi
def test_launcher_sets_torchruns_variables(tmp_path, torch):
    script = tmp_path / "env.py"
    script.write_text(_ENV_SCRIPT)
    with socket.socket() as s:         # a port free now, for torchrun's store
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    flags = ["--nproc-per-node", "2", "--nnodes", "1", "--node-rank", "0",
             "--master-addr", "127.0.0.1", "--master-port", str(port)]
    ours = _twin(*flags, script)
    assert ours.returncode == 0, ours.stderr
    assert sorted(ours.stdout.splitlines()) == sorted(_torchrun(tmp_path, *flags, script))


@needs_mpi
def test_ddp_tutorial_prints_as_under_torchrun(tmp_path, torch):
    example = ROOT / "examples" / "distributed" / "ddp_tutorial.py"
    ours = _twin("--standalone", "--nproc-per-node", 2, example)
    assert ours.returncode == 0, ours.stderr
    theirs = _torchrun(tmp_path, "--standalone", "--nproc-per-node", 2, example)
    assert sorted(ours.stdout.splitlines()) == sorted(theirs)
    assert "epoch 2: mean loss" in ours.stdout


# ---- backend "nccl" on CUDA tensors ------------------------------------------------------------

_NCCL_SIZES = [1, 1, 4, 4, 8, 8, 2, 4, 8]    # bytes of NCCL's dtypes, by their enum value


class _OneRankNccl(types.ModuleType):
    """cupy.cuda.nccl for a job of one process on CuPy's CPU stand-in: with a single rank every
    NCCL operation copies its send buffer into its receive buffer, which this does between the
    buffers' addresses (ctypes.memmove), recording each call."""

    available = True
    (NCCL_INT8, NCCL_UINT8, NCCL_INT32, NCCL_UINT32, NCCL_INT64, NCCL_UINT64, NCCL_FLOAT16,
     NCCL_FLOAT32, NCCL_FLOAT64) = range(9)
    NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN = range(4)

    def __init__(self):
        super().__init__("cupy.cuda.nccl")
        self.calls = []
        module = self

        class NcclCommunicator:
            def __init__(self, ndev, uid, rank):
                assert (ndev, rank, len(uid)) == (1, 0, 128)
                self.pending = []

            def _copy(self, name, dst, src, count, dtype):
                module.calls.append(name)
                ctypes.memmove(dst, src, count * _NCCL_SIZES[dtype])

            def allReduce(self, s, r, count, dtype, op, stream):
                self._copy("allReduce", r, s, count, dtype)

            def broadcast(self, s, r, count, dtype, root, stream):
                self._copy("broadcast", r, s, count, dtype)

            def reduce(self, s, r, count, dtype, op, root, stream):
                self._copy("reduce", r, s, count, dtype)

            def allGather(self, s, r, count, dtype, stream):
                self._copy("allGather", r, s, count, dtype)

            def reduceScatter(self, s, r, count, dtype, op, stream):
                self._copy("reduceScatter", r, s, count, dtype)

            def send(self, buf, count, dtype, peer, stream):
                assert peer == 0
                self.pending.append(buf)

            def recv(self, buf, count, dtype, peer, stream):
                self._copy("send/recv", buf, self.pending.pop(0), count, dtype)

            def destroy(self):
                module.calls.append("destroy")

        self.NcclCommunicator = NcclCommunicator

    def get_unique_id(self):
        return tuple(range(-64, 64))

    def groupStart(self):
        pass

    def groupEnd(self):
        pass


@needs_mpi
def test_nccl_backend_on_cuda_tensors(gpu, monkeypatch):
    import cupy
    fake = None
    if cupy.__name__ == "fake_cupy" or getattr(cupy, "__file__", "").endswith("fake_cupy.py"):
        fake = _OneRankNccl()
        monkeypatch.setitem(sys.modules, "cupy.cuda.nccl", fake)
        monkeypatch.setattr(cupy.cuda, "nccl", fake, raising=False)
    if not fdist.is_nccl_available():
        pytest.skip("CuPy has no NCCL here")
    fdist.init_process_group("nccl", world_size=1, rank=0)
    try:
        assert fdist.get_backend() == "nccl"
        for dtype in (ft.float32, ft.float64):
            x = ft.arange(6, dtype=dtype, device="cuda").reshape(2, 3)
            for op in (fdist.ReduceOp.SUM, fdist.ReduceOp.AVG, fdist.ReduceOp.MAX):
                fdist.all_reduce(x, op=op)
                assert x.device.type == "cuda" and x.dtype == dtype
                assert x.cpu().tolist() == [[0, 1, 2], [3, 4, 5]]
        flags = ft.tensor([True, False], device="cuda")
        fdist.all_reduce(flags, op=fdist.ReduceOp.SUM)
        assert flags.cpu().tolist() == [True, False]
        ints = ft.tensor([6, 3], device="cuda")
        fdist.all_reduce(ints, op=fdist.ReduceOp.BAND)        # over MPI, through host memory
        assert ints.cpu().tolist() == [6, 3]
        work = fdist.all_reduce(x, async_op=True)
        assert work.wait() and work.is_completed()
        y = ft.zeros(2, 3, device="cuda")
        fdist.broadcast(x, src=0)
        out = [ft.zeros(2, 3, device="cuda")]
        fdist.all_gather(out, x.float())
        assert out[0].cpu().tolist() == x.cpu().tolist()
        fdist.all_gather_into_tensor(y, x.float())
        fdist.reduce_scatter_tensor(y, x.float())
        fdist.reduce(y, dst=0)
        got = [ft.zeros(2, 3, device="cuda")]
        fdist.gather(x.float(), got, dst=0)
        fdist.scatter(y, [x.float()], src=0)
        fdist.all_to_all(got, [x.float()])
        fdist.all_to_all_single(y, x.float(), [2], [2])
        for t in (y, got[0]):
            assert t.device.type == "cuda" and t.cpu().tolist() == [[0, 1, 2], [3, 4, 5]]
        with pytest.raises(RuntimeError, match="works on CUDA tensors"):
            fdist.all_reduce(ft.ones(2))
        objs = [None]
        fdist.all_gather_object(objs, {"a": 1})                # over MPI
        assert objs == [{"a": 1}]
        # DDP on the GPU: gradients averaged over NCCL, left on the GPU
        ft.manual_seed(0)
        model = ft.nn.Linear(3, 2).cuda()
        ref = ft.nn.Linear(3, 2).cuda()
        ref.load_state_dict(model.state_dict())
        ddp = ft.nn.parallel.DistributedDataParallel(model)
        ddp(x.float()).sum().backward()
        ref(x.float()).sum().backward()
        for p, q in zip(model.parameters(), ref.parameters()):
            assert p.grad.device.type == "cuda"
            np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.cpu().numpy(), rtol=1e-6)
    finally:
        fdist.destroy_process_group()
    if fake is not None:
        assert {"allReduce", "broadcast", "allGather", "reduceScatter", "reduce",
                "send/recv", "destroy"} <= set(fake.calls)
