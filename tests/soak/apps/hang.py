"""An app whose import never finishes, and starts a child process first (like a dev server helper)."""

import os
import subprocess
import sys
import time

CHILD = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(os.environ["SOAK_TEST_CHILD_FILE"], "w") as fh:  # the test reads the child's pid here
    fh.write(str(CHILD.pid))
time.sleep(600)
