"""The one Casbin model the code is written for, and the check of ``policies/model.conf`` against it.

The model decides how every policy line is read: one changed character in the matcher (``&&`` to
``||``) hands every role every grant. The code's row scopes, memoised decisions and ``explain`` all
assume this exact model, so ``model.conf`` may differ from it only in comments and whitespace.
Anything else is refused with its file and line, and the last good policy keeps serving. What is
compiled is the definition below, never the file's text, so what runs is what was checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from casbin.model import Model

ALLOW_ONLY_EFFECT = "some(where (p.eft == allow))"
MATCHER = (
    'g(r.sub, p.sub) && (p.dom == "*" || p.dom == r.dom) && r.obj == p.obj && r.act == p.act && r.scope == p.scope'
)

# section -> key -> value, in the order a model file lists them.
EXPECTED: dict[str, dict[str, str]] = {
    "request_definition": {"r": "sub, dom, obj, act, scope"},
    "policy_definition": {"p": "sub, dom, obj, act, scope"},
    "role_definition": {"g": "_, _"},
    "policy_effect": {"e": ALLOW_ONLY_EFFECT},
    "matchers": {"m": MATCHER},
}

_SECTION = re.compile(r"^\[(?P<name>[^\]]*)\]$")
_ENTRY = re.compile(r"^(?P<key>[^=]+?)\s*=\s*(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class ModelProblem:
    line: int | None
    message: str


def model_text() -> str:
    """The expected model as Casbin reads it."""
    return "".join(
        f"[{section}]\n" + "".join(f"{key} = {value}\n" for key, value in entries.items()) + "\n"
        for section, entries in EXPECTED.items()
    )


def compile_model() -> Model:
    model = Model()
    model.load_model_from_text(model_text())
    return model


def _same(found: str, expected: str) -> bool:
    return "".join(found.split()) == "".join(expected.split())


def _what_differs(section: str, key: str, expected: str) -> str:
    if section == "policy_effect":
        return f"policy_effect must be allow-only: {key} = {expected}"
    return f"[{section}] {key} must be exactly '{expected}' (only comments and spacing may change)"


def check_model_text(text: str) -> list[ModelProblem]:
    """Problems of a model file's text compared with ``EXPECTED`` (whitespace aside), by line."""
    problems: list[ModelProblem] = []
    found: dict[str, dict[str, int]] = {}
    section_line: dict[str, int] = {}
    section: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = _SECTION.match(line)
        if header:
            section = header["name"].strip()
            if section not in EXPECTED:
                problems.append(ModelProblem(number, f"unknown section [{section}]"))
                section = None
            elif section in found:
                problems.append(ModelProblem(number, f"section [{section}] appears twice"))
                section = None
            else:
                found[section] = {}
                section_line[section] = number
            continue
        entry = _ENTRY.match(line)
        if entry is None:
            problems.append(ModelProblem(number, f"expected 'key = value' or a [section], not {line!r}"))
            continue
        if section is None:
            problems.append(ModelProblem(number, "a definition outside a known section"))
            continue
        key, value = entry["key"].strip(), entry["value"]
        expected = EXPECTED[section].get(key)
        if expected is None:
            problems.append(ModelProblem(number, f"unexpected {key!r} in [{section}]"))
        elif key in found[section]:
            problems.append(ModelProblem(number, f"{key!r} is defined twice in [{section}]"))
        else:
            found[section][key] = number
            if not _same(value, expected):
                problems.append(ModelProblem(number, _what_differs(section, key, expected)))
    for name, entries in EXPECTED.items():
        if name not in found:
            problems.append(ModelProblem(None, f"missing [{name}] section"))
            continue
        for key, expected in entries.items():
            if key not in found[name]:
                problems.append(ModelProblem(section_line[name], f"[{name}] lacks '{key} = {expected}'"))
    return problems


def check_model_file(path: Path) -> tuple[Model | None, list[ModelProblem]]:
    if not path.is_file():
        return None, [ModelProblem(None, "file not found")]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [ModelProblem(None, "not UTF-8 text")]
    problems = check_model_text(text)
    return (None if problems else compile_model()), problems
