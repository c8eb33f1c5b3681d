"""ModelScope: the crawler (crawler.py) and ModelScope's JSON as our records (parse.py), over
the shared REST client (crawlers/_rest.py)."""
