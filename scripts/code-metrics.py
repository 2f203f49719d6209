#!/usr/bin/env python3
"""The code's shape, as issue 15 measures it (code, not tests): lengths of non-test functions (median,
90th percentile), the largest source files in non-test lines, the length of route handlers, and which
`web` items the binary uses. Run from the repository root: `python3 scripts/code-metrics.py`.

A function's length counts its lines from `fn` to its closing brace. Test code is left out: the files
under `tests/` and `benches/`, every `#[cfg(test)]` item inside `src/`, and `src/**/tests.rs`. A route handler is a public
async function of `crates/web/src/pages/` or `crates/web/src/api*.rs`."""

import re
import statistics
import sys
from pathlib import Path

FN = re.compile(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")


def code_chars(text):
    """The text with string, char and comment contents blanked (newlines kept), so braces count."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not text[i - 1].isalnum()):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + len(hashes) + 2)
            end = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1]))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]):
            m = re.match(r"'(\\.|[^\\'])'", text[i:i + 4])
            out.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def block_end(code, start):
    """The index just past the brace block opening at or after `start` (or the `;` ending an item)."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif code[i] == ";" and depth == 0:
            return i + 1
    return len(code)


def without_tests(text):
    """The text with every `#[cfg(test)]` item blanked out."""
    code = code_chars(text)
    for m in reversed(list(re.finditer(r"#\[cfg\(test\)\]", code))):
        end = block_end(code, m.end())
        blank = re.sub(r"[^\n]", " ", text[m.start():end])
        text = text[:m.start()] + blank + text[end:]
        code = code[:m.start()] + blank + code[end:]
    return text, code


def functions(path):
    """(name, length in lines) of each non-test function of a file, and its non-test line count."""
    text, code = without_tests(path.read_text(encoding="utf-8"))
    lines = code.split("\n")
    offsets, total = [], 0
    for line in lines:
        offsets.append(total)
        total += len(line) + 1
    found = []
    for number, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        end = block_end(code, offsets[number])
        if code[end - 1] != "}":
            continue  # a signature in a trait, without a body
        last = code.count("\n", 0, end)
        found.append((m.group(1), last - number + 1))
    non_blank = sum(1 for line in text.split("\n") if line.strip())
    return found, non_blank


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def main():
    root = Path("crates")
    # A `tests.rs` (or a `tests/` folder) inside src/ is a `#[cfg(test)] mod tests;`: test code.
    sources = sorted(p for p in root.glob("*/src/**/*.rs")
                     if p.name != "tests.rs" and "tests" not in p.parent.parts[2:])
    lengths, handlers, files, named, named_handlers = [], [], [], [], []
    for path in sources:
        found, size = functions(path)
        files.append((size, str(path)))
        lengths += [n for _, n in found]
        named += [(n, f"{path}::{name}") for name, n in found]
        is_page = "web/src/pages/" in str(path) or re.search(r"web/src/api[^/]*\.rs$", str(path))
        if is_page:
            text = path.read_text(encoding="utf-8")
            public = set(re.findall(r"pub\s+async\s+fn\s+(\w+)", text))
            handlers += [n for name, n in found if name in public]
            named_handlers.extend((n, f"{path}::{name}") for name, n in found if name in public)
    print(f"non-test functions: {len(lengths)}, median {statistics.median(lengths):g} lines, "
          f"90th percentile {percentile(lengths, 0.9)} lines, longest {max(lengths)}")
    print(f"route handlers (public async fns of web pages and API): {len(handlers)}, "
          f"median {statistics.median(handlers):g} lines, 90th percentile {percentile(handlers, 0.9)}")
    over = [f for f in files if f[0] > 800]
    print(f"source files: {len(files)}, over 800 non-test non-blank lines: {len(over)}")
    for size, name in sorted(files, reverse=True)[:8]:
        print(f"  {size:5} {name}")
    app_uses = sorted(set(re.findall(r"aiguillage_web::(\w+)",
                                     " ".join(p.read_text(encoding="utf-8") for p in root.glob("app/src/**/*.rs")))))
    print(f"crates/app/src uses aiguillage_web:: {', '.join(app_uses)}")
    if "--list" in sys.argv:
        count = int(sys.argv[sys.argv.index("--list") + 1])
        print("longest functions:")
        for n, name in sorted(named, reverse=True)[:count]:
            print(f"  {n:4} {name}")
        print("longest handlers:")
        for n, name in sorted(named_handlers, reverse=True)[:count]:
            print(f"  {n:4} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
