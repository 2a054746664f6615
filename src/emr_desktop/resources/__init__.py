"""Data files shipped with the program (catalogues) and the scripts that build them."""
