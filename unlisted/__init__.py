"""unlisted: audit and reimbursement analytics for unlisted procedure codes."""

import os

# numpy, which pyarrow imports, starts an OpenBLAS thread per core that spins for a while after
# import. Nothing here does linear algebra, and on two cores those threads take CPU from a load
# (0.1-0.2 s of it in `unlisted load`). Set before anything imports numpy; a value given wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
