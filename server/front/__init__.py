"""A front that runs no Python: nginx sends the documents made at build and the 303s of entity
IRIs, and hands every other request to the app (``ftkg serve --front nginx``).

``nginx`` writes its configuration from the app's own routes, negotiation and headers;
``run`` starts nginx and the app (Granian, on a Unix socket only nginx reaches) together.
"""
