"""Open data: each public list as CSV and JSON, and the page that lists every published dataset."""
