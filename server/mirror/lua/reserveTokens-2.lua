-- Reserves a block of fencing tokens for the broker of the current epoch.
-- KEYS[1] epoch key, KEYS[2] token mark
-- ARGV[1] the writer's epoch, ARGV[2] floor (issued + 1, wall clock in µs), ARGV[3] block size
-- Returns {1, start, limit}; {0, current epoch} when fenced off.
-- Numbers travel as strings: Lua numbers are doubles, exact up to 2^53 like ours.
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {0, epoch or ''} end
local start = tonumber(redis.call('GET', KEYS[2]) or '0')
local floor = tonumber(ARGV[2])
if start < floor then start = floor end
local limit = start + tonumber(ARGV[3])
redis.call('SET', KEYS[2], string.format('%.0f', limit))
return {1, string.format('%.0f', start), string.format('%.0f', limit)}
