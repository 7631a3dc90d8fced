"""Khulasa on Ray: the service on Ray Serve (`serve.py`), batch translation on a Ray actor pool (`batch.py`).

Ray is the optional extra `khulasa[ray]`; nothing outside this package imports it, and this package imports it only
inside functions, so `import service.scale` works without Ray installed.
"""
