"""The verification page and web API (wiring: may import did_registry).

:func:`create_app` is the ASGI application, to run with ``vcskill serve`` or to mount in an
integrator's own; :mod:`vcskill.web.server` runs it on uvicorn.
"""

from vcskill.web.app import create_app

__all__ = ["create_app"]
