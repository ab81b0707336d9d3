"""Imported by the cleaning pool's fork server as it starts (flows.parallel), never
elsewhere: it imports the cleaning stack and builds the run's toolkit once, so that each
worker forked from it starts with both instead of spending ~2 s of CPU on them (issue 20).

The pipeline config comes pickled in the environment (`flows.parallel.WARM_PIPELINE`).
What is built is then frozen for the garbage collector, so that the workers' collections
do not walk it, nor touch (and so copy) the pages the server shares with them.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import os
import pickle

from flows.batch import toolkit
from flows.parallel import WARM_PIPELINE


def _warm() -> None:
    data = os.environ.get(WARM_PIPELINE)
    if data:
        # Should it fail, each worker builds the toolkit itself, and reports why.
        with contextlib.suppress(Exception):
            toolkit(pickle.loads(base64.b64decode(data)))
    gc.freeze()


_warm()
