-- Takes the leader lease if nobody holds it (or this broker still does, after
-- a promotion that failed), and raises the epoch.
-- KEYS[1] leader key, KEYS[2] epoch key
-- ARGV[1] this broker's "id url", ARGV[2] lease ms, ARGV[3] the highest epoch this broker has seen
-- Returns {1, epoch} when taken; {0, holder} when another broker holds the lease.
-- The epoch never goes below ARGV[3], so a Redis that lost its data cannot
-- hand out an epoch a deposed broker still believes in.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0, holder} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local epoch = tonumber(redis.call('GET', KEYS[2]) or '0')
local seen = tonumber(ARGV[3])
if epoch < seen then epoch = seen end
epoch = epoch + 1
redis.call('SET', KEYS[2], epoch)
return {1, epoch}
