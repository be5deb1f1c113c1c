-- Ends a planned handover: appends the leader's last batch, marked so that
-- standbys tailing the log take over at once, and gives up the leader lease.
-- KEYS[1] generation key, KEYS[2] epoch key, KEYS[3] log stream, KEYS[4]
-- snapshot hash, KEYS[5] leader key
-- ARGV[1] the leader's generation, ARGV[2] its epoch, ARGV[3] the batch
-- number, ARGV[4] an empty batch (msgpack), ARGV[5] the leader's "id url"
-- Returns {1, stream id}; {0, why} when fenced off; {2, what} when Redis lost data.
local no = check_owner(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
if no then return no end
local last = log_end(KEYS[3], KEYS[4])
if last ~= tonumber(ARGV[3]) - 1 then return {2, 'log'} end
local id = redis.call('XADD', KEYS[3], '*', 'g', ARGV[1], 'e', ARGV[2], 's', ARGV[3], 'b', ARGV[4], 'h', '1')
if redis.call('GET', KEYS[5]) == ARGV[5] then redis.call('DEL', KEYS[5]) end
return {1, id}
