"""The pages people open in a browser (``pages``) and the files they load (HTML, ES modules, CSS)."""
