-- Stores a snapshot of the table as of the last log entry, and trims the log.
-- KEYS[1] epoch key, KEYS[2] log stream, KEYS[3] snapshot hash
-- ARGV[1] the writer's epoch, ARGV[2] the snapshot (msgpack), ARGV[3] trim the
-- log below this stream id ('' for no trim: standbys tailing from the previous
-- snapshot keep what they need)
-- Returns {1, id of the last entry the snapshot covers}; {0, current epoch} when fenced off.
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {0, epoch or ''} end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local id = '0-0'
if last[1] then id = last[1][1] end
redis.call('HSET', KEYS[3], 'id', id, 'epoch', ARGV[1], 'data', ARGV[2])
if ARGV[3] ~= '' then redis.call('XTRIM', KEYS[2], 'MINID', ARGV[3]) end
return {1, id}
