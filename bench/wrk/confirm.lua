-- confirm.lua - wrk: POST /r/{token}/confirm for the tokens in TOKENS (a
-- file, one a line), thread N taking every Nth; counts confirmations
-- repeated after a thread ran out of fresh tokens.
local tokens = {}
tid = 0
local nthreads = 0

function setup(thread)
	tid = tid + 1
	thread:set("tid", tid)
end

function init(args)
	nthreads = tonumber(os.getenv("THREADS") or "2")
	local i = 0
	for line in io.lines(os.getenv("TOKENS")) do
		if i % nthreads == tid - 1 then
			table.insert(tokens, line)
		end
		i = i + 1
	end
	pos = 0
	repeats = 0
end

function request()
	pos = pos + 1
	if pos > #tokens then
		repeats = repeats + 1
	end
	local t = tokens[((pos - 1) % #tokens) + 1]
	return wrk.format("POST", "/r/" .. t .. "/confirm", {["Content-Type"] = "application/x-www-form-urlencoded"}, "")
end
