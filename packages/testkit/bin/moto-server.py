"""Starts moto's server on 127.0.0.1 and an ephemeral port, without per-request logs.

Prints `LISTENING <port>` on stdout once it accepts connections. Exits when its stdin closes
(the parent died), so no server outlives the test process.
"""

import logging
import os
import sys
import threading


def _exit_when_stdin_closes() -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def _cache_jsonpath_parser() -> None:
    """moto's EventBridge builds a jsonpath parser (and its parse tables) for every event it
    delivers to a target: about a second per event here. The parsed expressions are immutable,
    so caching the parse function turns that into microseconds. Behaviour is unchanged."""
    try:
        import functools

        import jsonpath_ng.ext as jsonpath_ext
    except ImportError:
        return
    jsonpath_ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ext.parse)


def main() -> None:
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _cache_jsonpath_parser()

    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.socket.getsockname()[1]
    os.environ["MOTO_PORT"] = str(port)
    print(f"LISTENING {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
