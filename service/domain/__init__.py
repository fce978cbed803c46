"""The registry's rules: notices, rosters, names, windows and articles, with no HTTP in them."""
