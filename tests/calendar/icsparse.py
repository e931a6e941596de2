"""A small RFC 5545 reader for the tests: unfold, split properties, unescape TEXT."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Component:
    name: str
    properties: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def get(self, name: str) -> str:
        values = [v for n, _p, v in self.properties if n == name]
        assert len(values) == 1, f"{name}: {values}"
        return values[0]

    def params(self, name: str) -> dict[str, str]:
        return next(p for n, p, _v in self.properties if n == name)

    def all(self, name: str) -> list[Component]:
        return [c for c in self.children if c.name == name]


def unfold(text: str) -> list[str]:
    assert text.endswith("\r\n"), "lines end in CRLF"
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\n" not in line and "\r" not in line, "bare line break"
        assert len(line.encode("utf-8")) <= 75, f"line longer than 75 octets: {line!r}"
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            assert nxt in "nN\\;,", f"bad escape \\{nxt}"
            i += 2
            continue
        assert char not in ";,", f"unescaped {char!r} in TEXT"
        out.append(char)
        i += 1
    return "".join(out)


def parse(text: str) -> Component:
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(text):
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            component = Component(value)
            if stack:
                stack[-1].children.append(component)
            stack.append(component)
            continue
        if name == "END":
            done = stack.pop()
            assert done.name == value
            root = done
            continue
        parsed = dict(p.split("=", 1) for p in params)
        stack[-1].properties.append((name, parsed, value))
    assert not stack and root is not None
    return root
