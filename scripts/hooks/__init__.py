"""The MkDocs hook modules (listed in mkdocs.yml); importing the package lets tests and scripts reach them."""

import sys
from pathlib import Path

# MkDocs loads each hook with this folder on sys.path, so the hooks import `shared` by its bare name;
# importing them as hooks.<name> (tests, benchmarks) needs the same. Appended, not prepended: the
# standard library's `math` must win over hooks/math.py.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))
