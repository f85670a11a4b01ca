"""API tests. Starlette 1.x asks for `httpx2` in its test client and warns (an error under
our warning filters) when it finds `httpx`, which is what the lock pins and which works;
the warning is silenced here, before any test module imports the client."""

import warnings

warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`", UserWarning)
