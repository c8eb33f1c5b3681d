"""GitHub: the crawler (crawler.py) and GitHub's JSON as our records (parse.py), over the
shared REST client (crawlers/_rest.py)."""
