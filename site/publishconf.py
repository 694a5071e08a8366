"""Settings for the production build (CI): pelicanconf plus a clean output folder. The site's
base URL comes from content/site.yaml, the same file the incremental publisher reads, so both
builds print the same absolute URLs."""

import os
import sys

sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from pelicanconf import *  # noqa: E402,F401,F403

DELETE_OUTPUT_DIRECTORY = True

