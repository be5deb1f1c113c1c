-- Reserves a block of fencing tokens for the broker of the current generation and epoch.
-- KEYS[1] generation key, KEYS[2] epoch key, KEYS[3] token mark
-- ARGV[1] the writer's generation, ARGV[2] its epoch, ARGV[3] floor (issued + 1,
-- wall clock in µs), ARGV[4] block size
-- Returns {1, start, limit}; {0, why} when fenced off; {2, what} when Redis lost data.
-- Numbers travel as strings: Lua numbers are doubles, exact up to 2^53 like ours.
local no = check_owner(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
if no then return no end
local start = tonumber(redis.call('GET', KEYS[3]) or '0')
local floor = tonumber(ARGV[3])
if start < floor then start = floor end
local limit = start + tonumber(ARGV[4])
redis.call('SET', KEYS[3], string.format('%.0f', limit))
return {1, string.format('%.0f', start), string.format('%.0f', limit)}
