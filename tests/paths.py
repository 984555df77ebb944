"""Where things are, for tests in any folder of the mirrored tree."""
from pathlib import Path

#: the repository root (the plugin package)
ROOT = Path(__file__).resolve().parent.parent
#: ../shared/data: the real public test data
SHARED_DATA = ROOT.parent / "shared" / "data"
