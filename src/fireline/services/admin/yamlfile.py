"""Read YAML into a validated model, and report problems with their key path and line number."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from fireline.errors import ConfigInvalid

Model = TypeVar("Model", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """YAML without base-60 numbers: ``17:00`` stays "17:00" instead of becoming 1020."""


_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _NUMBERS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
Path = tuple[str | int, ...]


def load_model(model: type[Model], text: str, source: str) -> tuple[Model, dict[Path, int]]:
    """Parse and validate; ConfigInvalid lists every problem as ``source:line: key: why``."""
    data, lines = load_with_lines(text, source)
    try:
        return model.model_validate(data), lines
    except ValidationError as error:
        raise ConfigInvalid([_describe(e, lines, source) for e in error.errors()]) from None


def load_with_lines(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """The YAML document and the line (1-based) where each key path starts."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigInvalid([f"{at}: not valid YAML: {getattr(error, 'problem', error)}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigInvalid([f"{source}:1: the document must be a mapping of sections"])
    lines: dict[Path, int] = {}
    repeated: list[str] = []
    if node is not None and _expanded_size(node, MAX_NODES) > MAX_NODES:
        raise ConfigInvalid(
            [f"{source}: the document expands to more than {MAX_NODES} values (check its aliases)"]
        )
    if node is not None:
        _index(node, (), lines, repeated)
    if repeated:
        raise ConfigInvalid([f"{source}:{problem}" for problem in repeated])
    nul = [
        f"{where(lines, path, source)}: {dotted(path)}: a NUL character cannot be stored; remove it"
        for path in _with_nul(data, ())
    ]
    if nul:
        raise ConfigInvalid(nul)
    return data, lines


MAX_NODES = 100_000


def _expanded_size(node: yaml.Node, budget: int) -> int:
    """How many values the document holds once aliases are expanded, counting up to ``budget``.

    An alias is the same node object again, so a recursive alias or a "billion
    laughs" document shows up here as a count that runs past the budget.
    """
    count, stack = 0, [node]
    while stack and count <= budget:
        current = stack.pop()
        count += 1
        if isinstance(current, yaml.MappingNode):
            stack.extend(value for _, value in current.value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return count


def where(lines: dict[Path, int], path: Path, source: str) -> str:
    """``source:line`` for the deepest known prefix of a key path."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return f"{source}:{lines[path[:cut]]}"
    return source


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _index(node: yaml.Node, path: Path, lines: dict[Path, int], repeated: list[str]) -> None:
    """Record where every key path starts; note keys given twice in one mapping."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            child = (*path, key.value)
            if key.value in seen:
                repeated.append(f"{key.start_mark.line + 1}: {dotted(child)}: key given twice")
            seen.add(key.value)
            _index(value, child, lines, repeated)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines, repeated)


def _with_nul(value: Any, path: Path) -> list[Path]:
    """The key paths whose key or text holds a NUL character (neither engine stores it alike)."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = [(*path, str(k)) for k in value if isinstance(k, str) and "\x00" in k]
        return found + [p for k, v in value.items() for p in _with_nul(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _with_nul(item, (*path, i))]
    return []


def _in_document(error: Any, lines: dict[Path, int]) -> Path:
    """The key path an error is about: pydantic's ``loc`` also names validators
    (``function-after[…]``) and union members (an action's tag, as in
    ``on_enter[0].page.page``), which are no keys of the document; only a missing
    key is named without being there."""
    path: Path = ()
    last = len(error["loc"]) - 1
    for i, part in enumerate(error["loc"]):
        if (*path, part) in lines or (i == last and error["type"] == "missing"):
            path = (*path, part)
    return path


def _describe(error: Any, lines: dict[Path, int], source: str) -> str:
    path = _in_document(error, lines)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; docs/configuration.md lists every key)"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{where(lines, path, source)}: {dotted(path)}: {message}"
