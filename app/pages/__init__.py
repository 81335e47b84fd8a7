"""Home and the pages a French public body links from every page."""
