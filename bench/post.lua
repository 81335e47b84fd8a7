-- The baseline's POST (a single-row UPDATE + SELECT).
dofile("report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
