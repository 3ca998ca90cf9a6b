"""Reading the YAML files people write by hand (rules, data configs) without silent surprises.

PyYAML's safe loader lets a repeated key replace the earlier one: a second `rules:` section
drops every rule above it, a calendar defined twice keeps only the last, and the file still
loads. It also raises a bare `ValueError` for an impossible date such as 2026-02-30. Here both
are errors that name the line, like any other YAML mistake.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlError(ValueError):
    """A file that is not valid YAML; the message starts with "line N, column M:"."""


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing repeated keys and naming impossible dates."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue  # `<<` merges may override on purpose; complex keys are rare
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConstructorError(
                    None, None,
                    f"duplicate key {key!r} (first on line {seen[key] + 1}); a repeated key "
                    "would silently replace the first one, so merge the two",
                    key_node.start_mark,
                )  # fmt: skip
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: Node) -> Any:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"{node.value!r} is not a real date ({exc})", node.start_mark
            ) from exc


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


def load_yaml(text: str | bytes) -> Any:
    """Parse YAML text (UTF-8, or UTF-16 with its byte-order mark).

    Raises:
        YamlError: not valid YAML, a repeated key, or an impossible date; the message
            starts with the line and column (1-based).
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_describe(exc)) from exc
    except yaml.YAMLError as exc:
        raise YamlError(str(exc)) from exc


def _describe(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    context = exc.context or ""
    if context and exc.context_mark is not None and exc.context_mark is not mark:
        context += f" (opened on line {exc.context_mark.line + 1})"
    problem = ", ".join(part for part in (context, exc.problem) if part) or "invalid YAML"
    if mark is None:
        return problem
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
