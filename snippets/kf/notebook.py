"""Helpers for the experiment notebooks: show Markdown, HTML and source in a notebook or a terminal."""

from __future__ import annotations

import inspect

from kf.render import num


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython with a kernel), False in a plain `python page.py` run."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def show_markdown(text: str) -> None:
    """Display Markdown in a notebook; print it in a terminal."""
    if in_notebook():
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)


def show_html(html: str) -> None:
    """Display HTML (e.g. an inline SVG figure) in a notebook; print it in a terminal."""
    if in_notebook():
        from IPython.display import HTML, display

        display(HTML(html))
    else:
        print(html)


def source_listing(*objects: object) -> str:
    """Markdown for the source of functions or modules, folded in a <details> block that names them."""
    if not objects:
        raise ValueError("show_source needs at least one function or module")
    code = "\n\n".join(inspect.getsource(obj).rstrip() for obj in objects)
    names = ", ".join(f"<code>{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}</code>" for obj in objects)
    modules = sorted({getattr(obj, "__module__", None) or obj.__name__ for obj in objects})
    files = ", ".join(f"snippets/{module.replace('.', '/')}.py" for module in modules)
    # A blank line after the HTML tags lets the fenced code inside render as Markdown (CommonMark HTML blocks).
    summary = f"<summary>Source: {names} ({files})</summary>"
    return f'<details class="kf-code info">\n{summary}\n\n```python\n{code}\n```\n\n</details>'


def show_source(*objects: object) -> None:
    """Show the source of functions or modules from kf, one click away (a helper listing is method, not result)."""
    show_markdown(source_listing(*objects))


def pct(value: float, digits: int = 1) -> str:
    """A fraction as a percentage: 0.9345 -> '93.5 %'."""
    return f"{100 * value:.{digits}f} %"


def pm(mean: float, spread: float) -> str:
    """Mean accuracy and its spread (max − min over seeds), in percentage points: '93.5 % (± 0.8)'."""
    return f"{100 * mean:.1f} % (spread {100 * spread:.1f})"


__all__ = ["in_notebook", "num", "pct", "pm", "show_html", "show_markdown", "show_source"]
