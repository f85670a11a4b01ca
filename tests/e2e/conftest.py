"""e2e tests import their helpers from test_cli_flow."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
