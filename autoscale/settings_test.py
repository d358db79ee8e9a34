"""Test settings: the embedded settings with the sandbox in-process and nothing kept.

The environment is set before the real settings are read, so DATABASE_URL and REDIS_URL
still choose PostgreSQL and Redis (CI runs the suite both ways).
"""

import os
import tempfile

os.environ.pop("KIE_API_KEY", None)  # a test never spends real credits
os.environ.pop("KIE_BASE_URL", None)
os.environ.pop("KIE_UPLOAD_BASE_URL", None)
os.environ["KIE_SANDBOX_INPROCESS"] = "1"
os.environ["POLL_SWEEP_WINDOW_SECONDS"] = "0"  # one round per sweep job
_scratch = tempfile.mkdtemp(prefix="autoscale-test-")
os.environ["AUTOSCALE_VAR_DIR"] = _scratch
os.environ["MEDIA_ROOT"] = os.path.join(_scratch, "media")
# Each run gets its own queue, so parallel runs on one Redis never take each other's jobs.
os.environ["Q_CLUSTER_NAME"] = f"autoscale-test-{os.getpid()}"

from autoscale.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins
# Server threads (live_server) must not keep connections past a request, or PostgreSQL
# refuses to drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not SQLite's shared-cache memory database: there a page read by the
    # live_server thread while a test writes fails at once with "database table is
    # locked", where a WAL file lets readers and the writer proceed together.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(_scratch, "test.sqlite3")}  # noqa: F405
