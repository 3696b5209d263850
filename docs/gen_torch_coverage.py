"""Writes docs/torch_coverage.md: which common PyTorch names funcgrad.torch has.

    python docs/gen_torch_coverage.py           # rewrite the page from funcgrad.torch as it is now
    python docs/gen_torch_coverage.py --check   # exit 1 if the page is out of date

The list of common names below is hand-picked (what tutorials and small training scripts use); a
name counts as present when it resolves in funcgrad.torch (a module attribute, a submodule, or a
`Tensor` attribute). When real PyTorch is installed, writing the page also checks that every
listed name exists in PyTorch, so the list itself stays honest. The last code block of the page
runs `check()`, so tests/test_docs.py fails when the page no longer matches funcgrad.torch.
"""
from __future__ import annotations

import __future__
import importlib
import sys
import types
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "torch_coverage.md"

# (section title, the prefix the names live under, names)
COMMON = [
    ("Creating tensors", "torch", """
        tensor as_tensor from_numpy zeros ones empty full eye arange linspace logspace
        zeros_like ones_like empty_like full_like rand randn randint randperm rand_like
        randn_like randint_like normal bernoulli multinomial manual_seed seed initial_seed
        Generator complex polar"""),
    ("dtypes, devices and modes", "torch", """
        dtype float32 float64 float16 bfloat16 int64 int32 int16 int8 uint8 bool complex64
        complex128 float double half long int short get_default_dtype set_default_dtype
        promote_types result_type finfo iinfo device Size Tensor is_tensor is_floating_point
        numel no_grad enable_grad set_grad_enabled is_grad_enabled inference_mode
        set_printoptions save load compile"""),
    ("Math (torch.X)", "torch", """
        add sub mul div true_divide floor_divide remainder fmod pow neg abs sign exp expm1 log
        log1p log2 log10 sqrt rsqrt square reciprocal sin cos tan asin acos atan atan2 sinh cosh
        tanh sigmoid relu floor ceil round trunc clamp clip maximum minimum lerp addcmul addcdiv
        erf lgamma isnan isinf isfinite nan_to_num logical_and logical_or logical_not
        bitwise_and eq ne lt le gt ge equal allclose isclose where"""),
    ("Reductions and linear algebra (torch.X)", "torch", """
        sum mean std var prod max min amax amin argmax argmin all any norm dist logsumexp
        cumsum cumprod count_nonzero median mode unique matmul mm bmm mv dot vdot outer
        einsum addmm baddbmm kron trace tril triu diag diagonal diag_embed cross cdist
        softmax log_softmax"""),
    ("Shapes and indexing (torch.X)", "torch", """
        cat concat stack hstack vstack split chunk unbind reshape squeeze unsqueeze flatten
        unflatten transpose permute t swapaxes movedim flip roll tile repeat_interleave narrow
        select gather scatter scatter_add index_select masked_select masked_fill nonzero
        sort argsort topk meshgrid broadcast_to broadcast_tensors take_along_dim searchsorted
        bucketize clone detach"""),
    ("Tensor attributes and methods", "torch.Tensor", """
        shape size dim ndim numel nelement dtype device requires_grad requires_grad_ grad
        grad_fn is_leaf backward detach detach_ retain_grad retains_grad register_hook item
        tolist numpy to cpu cuda float double half long int bool type type_as clone copy_
        data view view_as reshape reshape_as expand expand_as repeat permute transpose t T mT
        contiguous is_contiguous stride storage_offset data_ptr squeeze unsqueeze flatten
        unflatten split chunk narrow index_select gather scatter scatter_ scatter_add_
        masked_fill masked_fill_ index_add_ index_fill_ add add_ sub sub_ mul mul_ div div_ pow
        exp log sqrt abs neg clamp clamp_ zero_ fill_ normal_ uniform_ sum mean std var max min
        argmax argmin norm matmul mm bmm dot softmax log_softmax relu sigmoid tanh eq ne lt gt
        all any sort argsort topk cumsum nonzero unique where isnan is_floating_point new_zeros
        new_ones new_full new_empty new_tensor apply_ element_size"""),
    ("torch.nn: modules", "torch.nn", """
        Module Parameter Sequential ModuleList ModuleDict ParameterList ParameterDict Linear
        Bilinear Identity Flatten Unflatten Conv1d Conv2d Conv3d ConvTranspose2d MaxPool1d
        MaxPool2d AvgPool2d AdaptiveAvgPool2d BatchNorm1d BatchNorm2d LayerNorm GroupNorm
        Dropout Dropout2d Embedding RNN LSTM GRU RNNCell LSTMCell GRUCell MultiheadAttention
        TransformerEncoderLayer TransformerEncoder ReLU LeakyReLU ELU GELU SiLU Mish Softplus
        Sigmoid Tanh Softmax LogSoftmax MSELoss L1Loss SmoothL1Loss HuberLoss CrossEntropyLoss
        NLLLoss BCELoss BCEWithLogitsLoss KLDivLoss CosineSimilarity"""),
    ("torch.nn.functional", "torch.nn.functional", """
        relu relu_ leaky_relu elu gelu silu mish softplus sigmoid tanh softmax log_softmax
        dropout linear bilinear conv1d conv2d conv_transpose2d max_pool1d max_pool2d avg_pool2d
        adaptive_avg_pool2d batch_norm layer_norm group_norm embedding one_hot pad interpolate
        mse_loss l1_loss smooth_l1_loss huber_loss cross_entropy nll_loss binary_cross_entropy
        binary_cross_entropy_with_logits kl_div cosine_similarity normalize
        scaled_dot_product_attention"""),
    ("torch.nn.init and torch.nn.utils", "torch.nn", """
        init.uniform_ init.normal_ init.constant_ init.zeros_ init.ones_ init.eye_
        init.xavier_uniform_ init.xavier_normal_ init.kaiming_uniform_ init.kaiming_normal_
        init.orthogonal_ init.trunc_normal_ init.calculate_gain utils.clip_grad_norm_
        utils.clip_grad_value_ utils.parameters_to_vector utils.vector_to_parameters"""),
    ("torch.optim", "torch.optim", """
        Optimizer SGD Adam AdamW RMSprop Adagrad Adadelta Adamax LBFGS lr_scheduler.LRScheduler
        lr_scheduler.StepLR lr_scheduler.MultiStepLR lr_scheduler.ExponentialLR
        lr_scheduler.CosineAnnealingLR lr_scheduler.LambdaLR lr_scheduler.ReduceLROnPlateau
        lr_scheduler.OneCycleLR"""),
    ("torch.autograd and torch.func", "torch", """
        autograd.grad autograd.backward autograd.Function autograd.gradcheck
        autograd.gradgradcheck autograd.detect_anomaly autograd.set_detect_anomaly
        autograd.functional.jacobian autograd.functional.hessian autograd.functional.vjp
        autograd.functional.jvp autograd.functional.hvp autograd.functional.vhp func.grad
        func.grad_and_value func.vjp func.jvp func.jacrev func.jacfwd func.hessian func.vmap
        func.functional_call vmap"""),
    ("torch.utils.data", "torch.utils.data", """
        Dataset IterableDataset TensorDataset DataLoader Subset ConcatDataset random_split
        Sampler SequentialSampler RandomSampler BatchSampler SubsetRandomSampler
        WeightedRandomSampler default_collate get_worker_info"""),
    ("torch.linalg and torch.fft", "torch", """
        linalg.norm linalg.vector_norm linalg.matrix_norm linalg.inv linalg.solve linalg.det
        linalg.slogdet linalg.eig linalg.eigh linalg.eigvalsh linalg.svd linalg.qr
        linalg.cholesky linalg.lstsq linalg.pinv linalg.matrix_rank linalg.matrix_exp fft.fft
        fft.ifft fft.rfft fft.irfft fft.fft2 fft.fftn fft.fftfreq"""),
    ("torch.cuda and torch.distributions", "torch", """
        cuda.is_available cuda.device_count cuda.manual_seed cuda.synchronize
        backends.mps.is_available distributions.Normal distributions.Categorical
        distributions.Bernoulli distributions.Uniform"""),
]


def _resolve(path):
    """Resolve a dotted name such as 'funcgrad.torch.nn.init.zeros_' or 'torch.Tensor.view',
    importing submodules on the way. Returns (found, object)."""
    parts = path.split(".")
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return False, None
    here = parts[0]
    for part in parts[1:]:
        here = f"{here}.{part}"
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        if not isinstance(obj, types.ModuleType):
            return False, None
        try:
            obj = importlib.import_module(here)
        except ImportError:
            return False, None
    return True, obj


def _entries():
    """(section, [(torch name, present in funcgrad.torch)])."""
    out = []
    for title, prefix, names in COMMON:
        rows = [(f"{prefix}.{n}", _resolve(f"funcgrad.{prefix}.{n}")[0]) for n in names.split()]
        out.append((title, rows))
    return out


def _extras(listed):
    """Public names of funcgrad.torch, funcgrad.torch.nn, .nn.functional and Tensor that the list
    above does not mention: more coverage, shown so the page undersells nothing."""
    import funcgrad.torch as ft
    groups = [("torch", ft), ("torch.Tensor", ft.Tensor)]
    for sub in ("nn", "nn.functional", "optim", "utils.data"):
        try:
            groups.append((f"torch.{sub}", importlib.import_module(f"funcgrad.torch.{sub}")))
        except ImportError:
            pass
    extras = []
    for prefix, obj in groups:
        for name in sorted(dir(obj)):
            if name.startswith("_") or f"{prefix}.{name}" in listed:
                continue
            value = getattr(obj, name, None)
            if isinstance(value, (types.ModuleType, __future__._Feature)):
                continue
            extras.append(f"{prefix}.{name}")
    return extras


def validate_against_torch():
    """Every listed name exists in real PyTorch (when it is installed). Returns the missing ones."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    bad = []
    for _, prefix, names in COMMON:
        for n in names.split():
            if not _resolve(f"{prefix}.{n}")[0]:
                bad.append(f"{prefix}.{n}")
    return bad


def _code(names):
    return ", ".join(f"`{n}`" for n in names) if names else "none"


def render():
    entries = _entries()
    listed = {n for _, rows in entries for n, _ in rows}
    total = sum(len(rows) for _, rows in entries)
    have = sum(ok for _, rows in entries for _, ok in rows)
    lines = [
        "# The torch layer: coverage",
        "",
        "<!-- Generated by docs/gen_torch_coverage.py from funcgrad.torch as it is: do not edit "
        "by hand; run `python docs/gen_torch_coverage.py` after changing funcgrad.torch. -->",
        "",
        "`funcgrad.torch` is the PyTorch-compatible layer (see [For PyTorch users](pytorch.md)). "
        "This page lists the PyTorch names that tutorials and small training scripts use most, and "
        "whether `funcgrad.torch` has each one. It is generated from the package itself, and a "
        "test fails when it no longer matches, so it is current.",
        "",
        "What *present* means: the name exists in `funcgrad.torch` (a function, class, submodule "
        "or `Tensor` attribute). It does not promise every argument and corner of the PyTorch "
        "function; what is held against PyTorch's own output is the set of seed tutorial programs "
        "and the oracle tests (`tests/test_oracle_torch.py`). A name that is *missing* raises "
        "`AttributeError` (or `ImportError`) when a script reaches it.",
        "",
        f"**{have} of {total}** listed names are present.",
        "",
        "| area | present | listed | missing |",
        "|---|---:|---:|---|",
    ]
    for title, rows in entries:
        missing = [n for n, ok in rows if not ok]
        short = _code(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        lines.append(f"| [{title}](#{_anchor(title)}) | {sum(ok for _, ok in rows)} | {len(rows)} "
                     f"| {short if missing else '—'} |")
    for title, rows in entries:
        present = [n for n, ok in rows if ok]
        missing = [n for n, ok in rows if not ok]
        lines += ["", f"## {title}", "",
                  f"Present ({len(present)}): {_code(present)}.", "",
                  f"Missing ({len(missing)}): {_code(missing)}."]
    extras = _extras(listed)
    lines += ["", "## Also in funcgrad.torch", "",
              "Public names of `funcgrad.torch`, `Tensor`, `nn`, `nn.functional`, `optim` and "
              "`utils.data` that the list above does not mention "
              f"({len(extras)}): {_code(extras)}.",
              "", "## Checking this page", "",
              "The block below regenerates the page in memory and compares; "
              "`tests/test_docs.py` runs it.", "",
              "```python", "import runpy",
              "from pathlib import Path", "", "import funcgrad", "",
              'gen = Path(funcgrad.__file__).resolve().parents[1] / "docs" / '
              '"gen_torch_coverage.py"',
              'print(runpy.run_path(str(gen))["check"]())', "```", "", "```text",
              "docs/torch_coverage.md is up to date", "```", ""]
    return "\n".join(lines)


def _anchor(title):
    """The id mkdocs' toc extension gives a heading (its default slugify)."""
    import re
    import unicodedata
    s = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^\w\s-]", "", s).strip().lower()
    return re.sub(r"[-\s]+", "-", s)


def check():
    """What the page's last code block prints: whether the page matches funcgrad.torch now."""
    want = render()
    have = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    if have == want:
        return "docs/torch_coverage.md is up to date"
    old = {l for l in have.splitlines()}
    changed = [l for l in want.splitlines() if l not in old][:3]
    return ("docs/torch_coverage.md is out of date with funcgrad.torch: run "
            "`python docs/gen_torch_coverage.py` (first changed lines: "
            + " | ".join(c[:120] for c in changed) + ")")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        msg = check()
        print(msg)
        return 0 if msg.endswith("up to date") else 1
    bad = validate_against_torch()
    if bad:
        print("these listed names are not in PyTorch either; fix the list: " + ", ".join(bad),
              file=sys.stderr)
        return 1
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE}" + ("" if bad is not None else " (PyTorch not installed: the list of "
                                                          "names was not checked against it)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
