"""torch.save / torch.load: round trips of tensors, state dicts and optimizer state dicts, and a
clear error (never code execution, never a crash) for truncated, corrupted or hostile files."""
from __future__ import annotations

import io
import json
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import funcgrad.torch as ftorch
from funcgrad.torch import nn


def _round_trip(obj):
    buf = io.BytesIO()
    ftorch.save(obj, buf)
    buf.seek(0)
    return ftorch.load(buf)


def _bytes(obj):
    buf = io.BytesIO()
    ftorch.save(obj, buf)
    return buf.getvalue()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "complex64", "complex128",
                                   "int8", "int16", "int32", "int64", "uint8", "bool"])
def test_tensor_round_trip_every_dtype(dtype):
    d = getattr(ftorch, dtype)
    t = (ftorch.arange(24) % 7 - 3).to(d).reshape(2, 3, 4)
    out = _round_trip(t)
    assert isinstance(out, ftorch.Tensor) and out.dtype == d and out.shape == t.shape
    np.testing.assert_array_equal(out.numpy(), t.numpy())


def test_scalars_empty_and_noncontiguous_tensors():
    t = ftorch.arange(12.0).reshape(3, 4)
    out = _round_trip({"scalar": ftorch.tensor(3.5), "empty": ftorch.zeros(0, 3),
                       "transposed": t.t(), "sliced": t[:, 1::2]})
    assert out["scalar"].shape == () and out["scalar"].item() == 3.5
    assert out["empty"].shape == (0, 3)
    np.testing.assert_array_equal(out["transposed"].numpy(), t.t().numpy())
    np.testing.assert_array_equal(out["sliced"].numpy(), t[:, 1::2].numpy())


def test_nested_containers_and_python_values():
    obj = {"a": [1, 2.0, "three", None, True, float("inf"), float("nan"), 1 + 2j],
           "b": (ftorch.ones(2), {"c": [ftorch.zeros(1, dtype=ftorch.int64)]}),
           3: "int key", 2.5: "float key", ("t", 1): "tuple key", "od": OrderedDict(x=1, y=2),
           "empty": {}, "nested": [[[]]], "size": ftorch.zeros(2, 3).shape}
    out = _round_trip(obj)
    a = out["a"]
    assert a[:5] == [1, 2.0, "three", None, True] and type(a[0]) is int
    assert type(a[1]) is float and a[5] == float("inf") and np.isnan(a[6]) and a[7] == 1 + 2j
    assert isinstance(out["b"], tuple) and out["b"][0].tolist() == [1.0, 1.0]
    assert out["b"][1]["c"][0].dtype == ftorch.int64
    assert out[3] == "int key" and out[2.5] == "float key" and out[("t", 1)] == "tuple key"
    assert type(out["od"]) is OrderedDict and list(out["od"]) == ["x", "y"]
    assert out["empty"] == {} and out["nested"] == [[[]]] and out["size"] == (2, 3)


def test_shared_tensor_loads_as_one_object_and_flags_survive():
    w = nn.Parameter(ftorch.randn(3))
    g = ftorch.randn(2, requires_grad=True)
    out = _round_trip({"w": w, "again": w, "g": g, "plain": ftorch.ones(1)})
    assert out["w"] is out["again"]
    assert isinstance(out["w"], nn.Parameter) and out["w"].requires_grad
    assert out["g"].requires_grad and not isinstance(out["g"], nn.Parameter)
    assert not out["plain"].requires_grad


def test_loaded_tensor_owns_its_storage():
    t = ftorch.arange(4.0)
    out = _round_trip(t)
    out[0] = 100.0
    assert t[0].item() == 0.0


def test_path_and_file_object(tmp_path):
    t = ftorch.randn(5)
    path = tmp_path / "t.pt"
    ftorch.save({"t": t}, path)  # a PathLike
    np.testing.assert_array_equal(ftorch.load(path)["t"].numpy(), t.numpy())
    ftorch.save([t], str(path))  # a str
    np.testing.assert_array_equal(ftorch.load(str(path))[0].numpy(), t.numpy())
    with open(path, "wb") as f:
        ftorch.save(t, f)
    with open(path, "rb") as f:
        np.testing.assert_array_equal(ftorch.load(f, map_location="cpu",
                                                  weights_only=True).numpy(), t.numpy())


def _model():
    ftorch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def test_model_state_dict_round_trip_gives_identical_outputs(tmp_path):
    m = _model()
    x = ftorch.randn(5, 4)
    m.train()
    m(x)  # move the BatchNorm running statistics off their initial values
    m.eval()
    want = m(x).detach().numpy()
    ftorch.save(m.state_dict(), tmp_path / "model.pt")
    ftorch.manual_seed(1)
    m2 = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    sd = ftorch.load(tmp_path / "model.pt")
    assert list(sd) == list(m.state_dict())
    assert sd["1.num_batches_tracked"].dtype == ftorch.int64
    m2.load_state_dict(sd)
    m2.eval()
    np.testing.assert_array_equal(m2(x).detach().numpy(), want)


@pytest.mark.parametrize("name,kw", [("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("SGD", dict(lr=0.1, momentum=0.9)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("NAdam", dict(lr=0.01))])
def test_optimizer_state_dict_round_trip_continues_training(name, kw):
    x, y = ftorch.randn(16, 4), ftorch.randn(16, 3)

    def train(m, opt, sched, n):
        for _ in range(n):
            opt.zero_grad()
            ((m(x) - y) ** 2).mean().backward()
            opt.step()
            sched.step()

    m = _model()
    opt = getattr(ftorch.optim, name)(m.parameters(), **kw)
    sched = ftorch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    train(m, opt, sched, 5)
    blob = _bytes({"model": m.state_dict(), "optim": opt.state_dict(),
                   "sched": sched.state_dict(), "epoch": 5})
    train(m, opt, sched, 5)

    ckpt = ftorch.load(io.BytesIO(blob))
    assert ckpt["epoch"] == 5
    m2 = _model()
    m2.load_state_dict(ckpt["model"])
    opt2 = getattr(ftorch.optim, name)(m2.parameters(), **kw)
    sched2 = ftorch.optim.lr_scheduler.StepLR(opt2, step_size=3, gamma=0.5)
    opt2.load_state_dict(ckpt["optim"])
    sched2.load_state_dict(ckpt["sched"])
    assert opt2.param_groups[0]["lr"] == kw["lr"] * 0.5
    train(m2, opt2, sched2, 5)
    for a, b in zip(m.state_dict().values(), m2.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_save_refuses_objects_it_cannot_load_safely():
    with pytest.raises(TypeError, match="cannot save an object of type .*Linear.*state_dict"):
        ftorch.save(nn.Linear(2, 2), io.BytesIO())
    with pytest.raises(TypeError, match=r"at the saved object\['f'\]"):
        ftorch.save({"f": lambda: 0}, io.BytesIO())
    with pytest.raises(TypeError, match="set"):
        ftorch.save({1, 2}, io.BytesIO())


# ---- hostile, truncated and corrupted files -------------------------------------------------

def _zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _manifest(root, tensors=(), **over):
    m = {"format": "funcgrad.torch.save", "version": 1, "root": root, "tensors": list(tensors)}
    m.update(over)
    return json.dumps(m)


class _Boom:
    def __reduce__(self):
        return (exec, ("import sys; sys.modules['__main__'].PWNED = True",))


def _load_bytes(data):
    return ftorch.load(io.BytesIO(data))


def test_pickle_files_are_refused_without_running_them():
    import sys
    evil = pickle.dumps({"x": _Boom()})
    with pytest.raises(RuntimeError, match="pickle.*never unpickles"):
        _load_bytes(evil)
    # PyTorch's own zip format: archive/data.pkl
    with pytest.raises(RuntimeError, match="written by PyTorch's torch.save"):
        _load_bytes(_zip({"archive/data.pkl": evil, "archive/version": b"3"}))
    assert not getattr(sys.modules["__main__"], "PWNED", False)


def test_real_torch_file_is_refused(torch, tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "t.pt")
    with pytest.raises(RuntimeError, match="PyTorch's torch.save"):
        ftorch.load(tmp_path / "t.pt")


def test_every_truncation_gives_a_clear_error():
    data = _bytes({"w": ftorch.randn(4, 3), "b": [ftorch.ones(2), 1.5, "s"]})
    assert _load_bytes(data)["b"][2] == "s"
    for n in list(range(0, len(data), 7)) + [len(data) - 1]:
        with pytest.raises(RuntimeError, match="not a valid funcgrad.torch.save file"):
            _load_bytes(data[:n])


def test_every_single_byte_corruption_is_an_error_or_harmless():
    data = bytearray(_bytes({"w": ftorch.arange(6.0), "n": 3}))
    for i in range(0, len(data), 3):
        bad = bytearray(data)
        bad[i] ^= 0xFF
        try:
            out = _load_bytes(bytes(bad))
        except RuntimeError as e:
            assert "torch.load" in str(e)
        else:  # e.g. a flipped byte in a zip field nobody reads
            assert isinstance(out, dict)


GOOD_TENSOR = {"dtype": "float32", "shape": [2], "requires_grad": False, "parameter": False,
               "data": "data/0"}
EIGHT = b"\0" * 8


@pytest.mark.parametrize("files,match", [
    ({"x": b"1"}, "no funcgrad_torch/manifest.json"),
    ({"funcgrad_torch/manifest.json": b"{not json"}, "not valid JSON"),
    ({"funcgrad_torch/manifest.json": b"\xff\xfe"}, "not valid JSON"),
    ({"funcgrad_torch/manifest.json": b"[1, 2]"}, "does not describe"),
    ({"funcgrad_torch/manifest.json": _manifest(1, version=99)}, "format version 99"),
    ({"funcgrad_torch/manifest.json": _manifest({"pickle": "cos\nsystem"})},
     "unrecognised manifest node"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": 0})}, "out of range"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": "0"}, [GOOD_TENSOR])},
     "out of range"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": 0}, [dict(GOOD_TENSOR,
                                                                      dtype="object")]),
      "funcgrad_torch/data/0": EIGHT}, "unknown dtype 'object'"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": 0}, [dict(GOOD_TENSOR,
                                                                      shape=[-1])]),
      "funcgrad_torch/data/0": EIGHT}, "invalid shape"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": 0}, [dict(GOOD_TENSOR,
                                                                      shape=[10 ** 12])]),
      "funcgrad_torch/data/0": EIGHT}, "needs 4000000000000 bytes"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": 0}, [GOOD_TENSOR])},
     "missing from the archive"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": 0}, [dict(GOOD_TENSOR,
                                                                      data="../../etc")]),
      "funcgrad_torch/data/0": EIGHT}, "names the data entry '../../etc'"),
    ({"funcgrad_torch/manifest.json": _manifest({"tensor": 0}, [dict(GOOD_TENSOR,
                                                                      dtype="int32",
                                                                      requires_grad=True)]),
      "funcgrad_torch/data/0": EIGHT}, "requires_grad"),
    ({"funcgrad_torch/manifest.json": _manifest({"dict": [[{"list": []}, 1]]})},
     "unhashable"),
    ({"funcgrad_torch/manifest.json": _manifest({"dict": [[1]]})}, "pair"),
    ({"funcgrad_torch/manifest.json": _manifest({"float": "1e"})}, "invalid float"),
    ({"funcgrad_torch/manifest.json": _manifest(1.5)}, "unrecognised manifest node"),
    ({"funcgrad_torch/manifest.json": _manifest(
        json.loads('{"list": [' * 300 + "1" + "]}" * 300))}, "levels deep"),
    ({"funcgrad_torch/manifest.json": '{"list": [' * 100000 + "1" + "]}" * 100000},
     "not valid JSON"),
])
def test_hostile_manifests_give_clear_errors(files, match):
    with pytest.raises(RuntimeError, match=match):
        _load_bytes(_zip(files))


def test_compressed_entries_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("funcgrad_torch/manifest.json", _manifest({"tensor": 0}, [GOOD_TENSOR]))
        z.writestr("funcgrad_torch/data/0", EIGHT)
    with pytest.raises(RuntimeError, match="compressed"):
        _load_bytes(buf.getvalue())


def test_not_a_file_at_all():
    with pytest.raises(RuntimeError, match="not a zip archive"):
        _load_bytes(b"hello world")
    with pytest.raises(RuntimeError, match="not a zip archive"):
        _load_bytes(b"")
    with pytest.raises(TypeError, match="BytesIO"):
        ftorch.load(b"PK")
    with pytest.raises(TypeError, match="binary mode"):
        ftorch.load(io.StringIO("x"))
