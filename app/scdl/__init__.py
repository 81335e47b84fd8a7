"""Open data of the calls' grants in the SCDL "subventions" 2.1.1 format (OpenDataFrance's socle
commun des données locales): the grant's terms entered with each decision (``terms``), the CSV of a
call whose results are published (``export``) and its Table Schema (``schema.json``)."""
