"""mkdocs hooks (mkdocs.yml `hooks:`); this file itself is not part of the site.

- The docs link to the example scripts as `../examples/x.py`, which works on GitHub; in the site
  those files are outside docs/, so they are published under `examples/` and the links point there.
- `members: runtime-public` in an API page's ::: directive lists the module's public functions and
  classes as they are at build time (see the end of this file)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
SHARED = ("examples",)            # repository folders whose files the docs may link to
LINK = re.compile(r"\]\((?P<target>\.\./[^)\s#]+)(?P<anchor>#[^)\s]*)?\)")


def _shared_files():
    for folder in SHARED:
        base = ROOT / folder
        for path in sorted(base.rglob("*")):   # subfolders too (examples/distributed/, ...)
            rel = path.relative_to(base)
            if (path.is_file() and path.suffix != ".md"
                    and not any(p.startswith((".", "__pycache__")) for p in rel.parts)):
                yield f"{folder}/{rel.as_posix()}", path


def on_files(files, config):
    for uri, path in _shared_files():
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    if "runtime-public" in markdown:
        markdown = _expand_members(markdown)
    docs_dir = Path(config["docs_dir"]).resolve()
    page_dir = (docs_dir / page.file.src_uri).parent

    def fix(m):
        target = Path(os.path.normpath(page_dir / m["target"]))
        try:
            rel = target.relative_to(ROOT).as_posix()
        except ValueError:
            return m[0]
        if target.is_relative_to(docs_dir) or files.get_file_from_path(rel) is None:
            return m[0]
        new = os.path.relpath(docs_dir / rel, page_dir).replace(os.sep, "/")
        return f"]({new}{m['anchor'] or ''})"

    return LINK.sub(fix, markdown)


# ---- API pages: members listed from the module as it is at build time ---------------------------
# funcgrad.numpy, funcgrad.lax and funcgrad.torch re-export hundreds of functions from private
# modules and have no static __all__, so mkdocstrings would show none of them. In docs/api/*.md a
# directive option `members: runtime-public` is replaced here by the module's public functions and
# classes (those defined in funcgrad), so the reference lists what the package really has.
RUNTIME = re.compile(r"^(?P<indent>[ \t]+)members:[ \t]*runtime-public[ \t]*$", re.M)
DIRECTIVE = re.compile(r"^:::[ \t]+(?P<module>[\w.]+)[ \t]*$", re.M)


def public_names(module_name):
    import importlib
    import types
    module = importlib.import_module(module_name)
    names = []
    for name in sorted(getattr(module, "__all__", None) or dir(module), key=str.lower):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        if not str(getattr(obj, "__module__", "") or "").startswith("funcgrad"):
            continue          # numpy's dtypes and the like, re-exported for convenience
        names.append(name)
    return names


def _expand_members(markdown):
    out, pos = [], 0
    for m in RUNTIME.finditer(markdown):
        directive = None
        for d in DIRECTIVE.finditer(markdown, 0, m.start()):
            directive = d
        if directive is None:
            raise ValueError("`members: runtime-public` outside a ::: directive")
        names = public_names(directive["module"])
        out.append(markdown[pos:m.start()])
        out.append(f"{m['indent']}members:\n" + "".join(f"{m['indent']}  - {n}\n" for n in names))
        pos = m.end() + 1
    out.append(markdown[pos:])
    return "".join(out)
