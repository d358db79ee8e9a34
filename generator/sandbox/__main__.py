"""`python -m generator.sandbox [--port 8001] ...`: run the kie.ai sandbox on a port."""

from .server import main

main()
