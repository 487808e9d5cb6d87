"""Printing a failing program as a runnable reproducer.

The reproducer is a standalone script: the program's statements inside a function of the
backend, the statements that raised wrapped so the error kind is recorded and the program goes
on, and the quantities that differed recorded where the comparison saw them.  Running it prints
them for the backend under test and for torch, one line each, so the difference is visible
without gradspec's fuzzer.
"""

from __future__ import annotations

from .compare import Verdict

MAX_LISTED = 6


def reproducer(verdict: Verdict, backend: str, original_size: int | None = None) -> str:
    """The runnable Python source that shows ``verdict``'s mismatches."""
    program = verdict.program
    raised = set()
    for trace in (verdict.got, verdict.want):
        if trace is not None:
            raised.update(trace.errors)
    watch: dict[str, list[str]] = {}
    for m in verdict.mismatches:
        where, _, what = m.key.partition(":")
        watch.setdefault(where, [])
        if what not in watch[where]:
            watch[where].append(what)

    seed = "" if program.seed is None else f" of seed {program.seed}"
    size = f", shrunk from {original_size} to {len(program)} statements" if (
        original_size is not None and original_size != len(program)) else ""
    head = [f"# gradspec fuzz: program{seed}{size}.",
            f"# Backend {backend!r} disagrees with torch:"]
    for m in verdict.mismatches[:MAX_LISTED]:
        head.append("#   " + " ".join(str(m).split())[:200])
    if len(verdict.mismatches) > MAX_LISTED:
        head.append(f"#   ... and {len(verdict.mismatches) - MAX_LISTED} more")
    if verdict.allowances:
        head.append("# (compared after the allowances " + ", ".join(verdict.allowances)
                    + "; see docs/fuzzing.md)")
    head.append("# Run it: python this_file.py")

    body = ["def program(torch):", "    seen = {}"]
    for i, stmt in enumerate(program.stmts):
        if i in raised:
            body += ["    try:", f"        {stmt.code}", "    except Exception as exc:",
                     f"        seen['{i}:error'] = kind(torch, exc)"]
        else:
            body.append(f"    {stmt.code}")
        for what in watch.get(str(i), []):
            if what != "error":
                body.append(f"    seen['{i}:{what}'] = show({_expr(what)})")
    for what in watch.get("end", []):
        body.append(f"    seen['end:{what}'] = show({_expr(what)})")
    body.append("    return seen")

    tail = [
        "",
        "",
        "def show(t):",
        "    if not hasattr(t, 'tolist'):",
        "        return t",
        "    return (f'{t.tolist()} requires_grad={t.requires_grad} is_leaf={t.is_leaf} '",
        "            f'grad_fn={\"yes\" if t.grad_fn is not None else None}')",
        "",
        "",
        "def kind(torch, exc):",
        "    found = torch.classify_error(exc)",
        "    return (found or type(exc)).__name__",
        "",
        "",
        "if __name__ == '__main__':",
        "    warnings.simplefilter('ignore')",
        f"    for name in ({backend!r}, 'torch'):",
        "        print(f'--- {name}')",
        "        for key, value in program(gradspec.load_backend(name)).items():",
        "            print(f'{key}: {value}')",
    ]
    return "\n".join(head + ["import warnings", "", "import gradspec", "", ""] + body + tail) + "\n"


def _expr(what: str) -> str:
    """Source for an observed quantity (``t3``, ``t3.grad``, ``t3._version``)."""
    if what in ("skipped",):
        return "'skipped'"
    name = what.split(".", 1)[0]
    return f"locals().get({name!r}, '<unbound>')" if "." not in what else (
        f"getattr(locals().get({name!r}), {what.split('.', 1)[1]!r}, '<unbound>')")
