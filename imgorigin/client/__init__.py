"""What a program outside the server uses: signed delivery URLs (``urls``, from the URL grammar and the
signature alone), saved logins (``profiles``) and a progress bar (``progress``). Nothing here opens the
database, the storage or the cache."""
