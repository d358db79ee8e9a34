"""The posting pipeline's JSON API (django-ninja): token auth, generations, review, the
approved feed, and the callbacks it sends. `site.py` assembles it under /api/v1/."""
