"""An offline kie.ai simulator: a WSGI app (in-process or served on a port).

It imports nothing from Django, so it runs standalone (`python -m generator.sandbox`)
and inside tests through `httpx.WSGITransport`.
"""

from .app import SandboxApp, SandboxConfig
from .server import serve
from .transport import SandboxTransport

__all__ = ["SandboxApp", "SandboxConfig", "SandboxTransport", "serve"]
