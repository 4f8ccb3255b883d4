"""The stylesheet stays one system: colours are tokens written once in `:root`, a selector
has one rule per media query (so what applies is found in one place), and every token used
is defined."""

import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"
HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")


def parse(css: str) -> list[tuple[tuple[str, ...], str, str]]:
    """(enclosing at-rules, selector list, declarations) of each rule, in order."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    rules, stack, start = [], [], 0
    for match in re.finditer(r"[{}]", css):
        text = css[start : match.start()]
        start = match.end()
        if match.group() == "{":
            prelude = " ".join(text.rsplit(";", 1)[-1].split())
            stack.append(prelude)
        else:
            prelude = stack.pop()
            if not prelude.startswith("@"):
                rules.append((tuple(stack), prelude, text))
    assert not stack, "unbalanced braces"
    return rules


RULES = parse(STYLESHEET.read_text(encoding="utf-8"))


def test_colours_are_written_only_as_tokens():
    outside = [
        (selector, colour)
        for media, selector, body in RULES
        if (media, selector) != ((), ":root")
        for colour in HEX.findall(body)
    ]
    assert outside == []


def test_each_token_is_written_once_and_each_used_token_is_defined():
    root = next(body for media, selector, body in RULES if (media, selector) == ((), ":root"))
    names = re.findall(r"(--[\w-]+)\s*:", root)
    assert len(names) == len(set(names))
    defined = {name for _, _, body in RULES for name in re.findall(r"(--[\w-]+)\s*:", body)}
    used = {name for _, _, body in RULES for name in re.findall(r"var\((--[\w-]+)", body)}
    assert used <= defined, used - defined


def test_no_selector_has_two_rules_in_one_media():
    seen, twice = set(), []
    for media, selectors, _ in RULES:
        for selector in selectors.split(","):
            key = (media, " ".join(selector.split()))
            if key in seen:
                twice.append(key)
            seen.add(key)
    assert twice == []


def test_the_parser_sees_every_rule():
    rules = parse("a{color:red} @media (x){a{b:c} .d,.e{f:g}} /* h{} */ i{j:k}")
    assert [(media, selectors) for media, selectors, _ in rules] == [
        ((), "a"),
        (("@media (x)",), "a"),
        (("@media (x)",), ".d,.e"),
        ((), "i"),
    ]
