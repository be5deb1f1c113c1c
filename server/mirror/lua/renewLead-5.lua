-- Extends the leader lease of the broker that holds it, after checking that
-- Redis still holds what that broker wrote.
-- KEYS[1] leader key, KEYS[2] epoch key, KEYS[3] generation key, KEYS[4] log
-- stream, KEYS[5] snapshot hash
-- ARGV[1] this broker's "id url", ARGV[2] lease ms, ARGV[3] its epoch,
-- ARGV[4] its generation, ARGV[5] the last batch number it saw acknowledged
-- Returns {1} when renewed; {0, why} when another broker leads; {2, what}
-- when Redis lost data (the generation, the epoch, the snapshot or the end of
-- the log). A lease that merely lapsed (no other broker took it) is taken back.
local no = check_owner(KEYS[3], KEYS[2], ARGV[4], ARGV[3])
if no then return no end
if redis.call('HGET', KEYS[5], 'gen') ~= ARGV[4] then return {2, 'snapshot'} end
if log_end(KEYS[4], KEYS[5]) < tonumber(ARGV[5]) then return {2, 'log'} end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0, 'leader'} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1}
