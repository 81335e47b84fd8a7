-- Support toggles as htmx sends them: POST with the person's session cookie and X-CSRFToken.
-- TISSER_BENCH_USERS names a file of "path<TAB>cookie<TAB>token" lines (one per logged-in
-- seeded person and the proposal they toggle); requests go round the people, so each one's
-- support goes on, off, on… and the data stays bounded however long the run.
dofile("report.lua")

local users = {}
local n = 0

function init(args)
  for line in io.lines(os.getenv("TISSER_BENCH_USERS")) do
    local path, cookie, token = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if path then
      table.insert(users, {path = path, cookie = cookie, token = token})
    end
  end
end

function request()
  n = n + 1
  local u = users[(n % #users) + 1]
  return wrk.format("POST", u.path, {
    ["Cookie"] = u.cookie,
    ["X-CSRFToken"] = u.token,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "")
end
