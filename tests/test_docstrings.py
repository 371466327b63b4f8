"""Every public function, method and class of the packages documents and describes its parameters (numpydoc).

ruff's pydocstyle rules (``D``, numpy convention) check that docstrings exist and are laid out; they cannot check that
a docstring names and describes every parameter. numpydoc's own validator does (``numpydoc.validate``, checks ``GL08``
no docstring, ``PR01`` a parameter not documented, ``PR02`` a documented parameter that does not exist, ``PR07`` a
parameter without a description, ``RT01`` a function that returns something without a ``Returns`` section). It is
run here on what a user imports: module-level functions and classes whose ``__module__`` is the module, and the public
methods a class defines itself (in this repository's files; methods Nautilus generates or inherits are Nautilus' to
document).

What numpydoc cannot see, and how it is taken into account:
- a dataclass / msgspec struct / config documents its fields under ``Parameters`` or ``Attributes``; fields documented
  in a base class of this repository count, and fields inherited from a Nautilus base (``ActorConfig.component_id``)
  are Nautilus' to document; a pydantic model of ``liqheat serve``'s API describes its fields once, in
  ``Field(description=...)``, which the OpenAPI schema shows (its docstring is the schema's description, so a
  numpydoc section there would repeat every field in ``/docs``);
- ``PR02`` is not judged for classes: numpydoc compares a class docstring with ``__init__``'s signature, which fields
  listed under ``Parameters`` of a dataclass match but numpydoc's reading of some generated ``__init__`` does not;
- enums are skipped (their signature is ``EnumMeta``'s); a class whose ``__init__`` is generated (dataclass, struct,
  config, Nautilus' ``@customdataclass`` with ``*args, **kwargs``) or inherited from a foreign base
  (``argparse.Action``) is judged on the fields its annotations and those of its bases here declare.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import pkgutil
import warnings
from pathlib import Path

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
docscrape = pytest.importorskip("numpydoc.docscrape")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("liqheat_nautilus", "strategies")
CHECKS = {"GL08", "PR01", "PR02", "PR07", "RT01"}


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        names += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
    return [n for n in names if not any(part.startswith("_") for part in n.split(".")[1:])]


def _ours(obj: object) -> bool:
    """Whether a function's code lives in this repository's packages (not generated, not Nautilus')."""
    code = getattr(getattr(obj, "__func__", obj), "__code__", None)
    if code is None:
        return False
    path = Path(code.co_filename)
    return path.is_file() and any((ROOT / package) in path.resolve().parents for package in PACKAGES)


def _documented_fields(cls: type) -> set[str]:
    """Names a class or its bases of this repository document (Parameters, Attributes), and fields of foreign bases."""
    names: set[str] = set()
    for base in cls.__mro__:
        if (getattr(base, "__module__", "") or "").startswith(PACKAGES):
            if base.__dict__.get("__doc__"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    doc = docscrape.NumpyDocString(inspect.getdoc(base) or "")
                for section in ("Parameters", "Attributes", "Other Parameters"):
                    for param in doc[section]:
                        names |= {n.strip().lstrip("*") for n in param.name.split(",")}
            # a pydantic model's fields are described where FastAPI's schema reads them: Field(description=...)
            fields = base.__dict__.get("__pydantic_fields__") or {}
            names |= {name for name, field in fields.items() if getattr(field, "description", None)}
        elif base is not cls:
            for attr in ("__struct_fields__", "__dataclass_fields__"):
                fields = getattr(base, attr, None)
                if isinstance(fields, (tuple, dict)):
                    names |= set(fields)
    return names


def _own_fields(cls: type) -> set[str]:
    """Field annotations of the class and its bases of this repository (what a generated ``__init__`` takes)."""
    return {name for base in cls.__mro__ if (getattr(base, "__module__", "") or "").startswith(PACKAGES)
            for name in base.__dict__.get("__annotations__", {})}


def _targets(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    found: list[tuple[str, object]] = []
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
            continue
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        found.append((f"{module_name}.{name}", obj))
        if inspect.isclass(obj):
            found += [(f"{module_name}.{name}.{m}", v) for m, v in vars(obj).items()
                      if not m.startswith("_") and _ours(v)
                      and (inspect.isfunction(v) or isinstance(v, (staticmethod, classmethod)))]
    return found


def _problems(qualified: str, obj: object) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = numpydoc_validate.validate(qualified)
    problems = []
    for code, message in result["errors"]:
        if code not in CHECKS:
            continue
        if inspect.isclass(obj) and (code == "PR02" or issubclass(obj, enum.Enum)):
            continue
        if code == "PR01":
            missing = set(ast.literal_eval(message[message.index("{"):message.rindex("}") + 1]))
            if inspect.isclass(obj):
                missing -= _documented_fields(obj)
                if not _ours(obj.__init__):  # generated (dataclass, struct, config) or inherited (argparse.Action)
                    missing &= _own_fields(obj)
            if not missing:
                continue
            message = f"Parameters {sorted(missing)} not documented"
        problems.append(f"{qualified}: {code} {message}")
    return problems


def test_every_public_callable_documents_its_parameters():
    modules = _modules()
    assert "liqheat_nautilus.core.engine" in modules and "strategies.liquidation_hunt" in modules
    problems = [p for m in modules for name, obj in _targets(m) for p in _problems(name, obj)]
    assert not problems, f"{len(problems)} numpydoc problem(s):\n" + "\n".join(problems)


def test_the_check_finds_an_undocumented_parameter(tmp_path, monkeypatch):
    # the check itself: a function of a module in the packages with one parameter left out is reported
    def undocumented(price: float, size: float) -> float:
        """
        Multiply.

        Parameters
        ----------
        price : float
            A price.

        Returns
        -------
        float
            The product.
        """
        return price * size

    module = importlib.import_module("liqheat_nautilus.core.units")
    undocumented.__module__ = module.__name__
    undocumented.__qualname__ = "undocumented"
    monkeypatch.setattr(module, "undocumented", undocumented, raising=False)
    problems = _problems("liqheat_nautilus.core.units.undocumented", undocumented)
    assert problems == ["liqheat_nautilus.core.units.undocumented: PR01 Parameters ['size'] not documented"]
