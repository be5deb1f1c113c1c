-- Extends the leader lease of the broker that holds it at this epoch.
-- KEYS[1] leader key, KEYS[2] epoch key
-- ARGV[1] this broker's "id url", ARGV[2] lease ms, ARGV[3] this broker's epoch
-- Returns 1 when renewed; 0 when another broker leads or the epoch moved on.
-- A lease that merely lapsed (no other broker took it, epoch unchanged) is
-- taken back; a Redis that lost everything gets the epoch back from ARGV[3].
local holder = redis.call('GET', KEYS[1])
local epoch = redis.call('GET', KEYS[2])
if epoch and epoch ~= ARGV[3] then return 0 end
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if not epoch then redis.call('SET', KEYS[2], ARGV[3]) end
return 1
