"""The "Write a page" page: what scripts/new_page.py creates, and how computed values become prose.

Run it on its own with `python snippets/write_a_page.py`; the page executes the same sections.
"""

# --8<-- [start:plan]
import sys
from pathlib import Path

import kf

scripts = str(Path(kf.__file__).resolve().parents[2] / "scripts")  # the project's tools, beside snippets/
if scripts not in sys.path:
    sys.path.append(scripts)
from new_page import TEMPLATES, add_to_nav, fill, title_from

name = "stride_and_padding"
title = title_from(name)
print(f"$ python scripts/new_page.py {name}")
for template, destination in TEMPLATES.items():
    print(f"  {template:<23} -> {fill(destination, name, title)}")
nav = add_to_nav("nav:\n  - The answer: index.md\n", name, title)
print(f"  mkdocs.yml nav, at the end: {nav.splitlines()[-1].strip()}")
# --8<-- [end:plan]

# --8<-- [start:prose]
from kf.facts import say, seed_facts

template = "The 7×7 layer has {l.params} parameters, {ratio} times the {s.params} of the 3×3 layer."
print("template:", template)
print("rendered:", say(template, ratio=seed_facts().ratio("params")))
# --8<-- [end:prose]
