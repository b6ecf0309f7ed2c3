"""The "Write a page" page: what scripts/new_page.py creates, and the helpers that turn values into Markdown.

Run it on its own with `python snippets/write_a_page.py`; the page executes the same sections.
"""

# --8<-- [start:plan]
import sys
from pathlib import Path

import kf

root = Path(kf.__file__).resolve().parents[2]  # the project: snippets/kf/ is two levels down
if str(root / "scripts") not in sys.path:
    sys.path.append(str(root / "scripts"))
from new_page import TEMPLATES, add_to_nav, fill, nav_position, title_from

name = "stride_and_padding"
title = title_from(name)
config = (root / "mkdocs.yml").read_text(encoding="utf-8")
print(f"$ python scripts/new_page.py {name}")
for template, destination in TEMPLATES.items():
    print(f"  {template:<23} -> {fill(destination, name, title)}")
print(f"  mkdocs.yml nav: - {title}: {name}.md, {nav_position(add_to_nav(config, name, title), name)}")
print(f"$ python scripts/new_page.py {name} --after output_shape")
print(f"  mkdocs.yml nav: {nav_position(add_to_nav(config, name, title, after='output_shape'), name)}")
# --8<-- [end:plan]

# --8<-- [start:prose]
from kf.facts import say, seed_facts

template = "The 7×7 layer has {l.params} parameters, {ratio} times the {s.params} of the 3×3 layer."
print("template:", template)
print("rendered:", say(template, ratio=seed_facts().ratio("params")))
# --8<-- [end:prose]

# --8<-- [start:num]
from kf.facts import seed_facts
from kf.render import num

seed = seed_facts()
macs = seed.large.macs_valid  # of the 7×7 layer
print("multiply-adds:", num(macs))
print("in millions:  ", num(macs / 1_000_000))
print("7×7 ÷ 3×3 params:", num(seed.ratio("params")))
# --8<-- [end:num]

# --8<-- [start:shape]
from kf.facts import seed_facts
from kf.render import shape

seed = seed_facts()
print(seed.small.name, "->", shape(seed.small.shape_valid))
print(seed.large.name, "->", shape(seed.large.shape_valid))
# --8<-- [end:shape]

# --8<-- [start:table]
from kf.facts import seed_facts
from kf.render import num, table

seed = seed_facts()
rows = [[layer.name, num(layer.params), num(layer.macs_valid)] for layer in (seed.small, seed.large)]
print(table(["Layer", "Parameters", "Multiply-adds"], rows))
# --8<-- [end:table]

# --8<-- [start:prose_helper]
from kf.facts import seed_facts
from kf.render import prose

seed = seed_facts()
values = {"layer": seed.large.name, "params": seed.large.params, "ratio": seed.ratio("params")}
print(prose("`{layer}` has **{params}** parameters, {ratio} times as many as the 3×3 layer.", values))
# --8<-- [end:prose_helper]
