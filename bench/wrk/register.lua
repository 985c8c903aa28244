-- register.lua - wrk: POST a registration with a new address each request.
-- env EVENT_ID: the event; RUN: a tag keeping addresses unique per run.
local counter = 0
tid = 0
local threads = {}

function setup(thread)
	tid = tid + 1
	thread:set("tid", tid)
	table.insert(threads, thread)
end

function init(args)
	path = "/api/public/events/" .. os.getenv("EVENT_ID") .. "/registrations"
	run = os.getenv("RUN") or "r"
	wrk.headers["Content-Type"] = "application/json"
end

function request()
	counter = counter + 1
	local body = string.format('{"email":"%s-%d-%d@example.org","name":"Bench %d","organisation":"Org %d",'
		.. '"country":"SE","role":"official","language":"en"}', run, tid, counter, counter, counter % 50)
	return wrk.format("POST", path, nil, body)
end
