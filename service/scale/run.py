"""`khulasa serve --engine ray`: deploy the Serve application, serve until SIGINT or SIGTERM, then take it down."""

import logging
import signal
import threading
import time

from service.config import Settings

from .cluster import connect, joined_local

log = logging.getLogger(__name__)


def serve_on_ray(settings: Settings) -> int:
    """Run the service on the Ray cluster (RAY_ADDRESS, else a local one) at settings.host:port; exit status."""
    ray = connect()  # first: without Ray it says how to install it
    from ray import serve

    from .serve import APP_NAME, application

    stop = threading.Event()
    for sign in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sign, lambda *_: stop.set())
    started = time.perf_counter()
    serve.start(http_options={"host": settings.host, "port": settings.port})
    try:
        serve.run(application(settings), name=APP_NAME, route_prefix="/")
        log.info(
            "Ray Serve application %r deployed in %.1f s; http://%s:%d",
            APP_NAME,
            time.perf_counter() - started,
            settings.host,
            settings.port,
        )
        stop.wait()
    finally:
        if joined_local():
            serve.shutdown()
        else:
            # A shared cluster keeps running; only this application goes.
            serve.delete(APP_NAME)
        ray.shutdown()
    return 0
