-- A plain GET of the URL given to wrk.
dofile("report.lua")
