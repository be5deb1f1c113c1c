-- Stores a snapshot of the table as of the log's last batch, and trims the log.
-- KEYS[1] generation key, KEYS[2] epoch key, KEYS[3] log stream, KEYS[4] snapshot hash
-- ARGV[1] the writer's generation, ARGV[2] its epoch, ARGV[3] the number of
-- the batch the snapshot is as of (the last appended), ARGV[4] the snapshot
-- (msgpack), ARGV[5] trim the log below this stream id ('' for no trim:
-- standbys tailing from the previous snapshot keep what they need)
-- Returns {1, id of the last entry the snapshot covers}; {0, why} when fenced
-- off; {2, what} when Redis lost data.
local no = check_owner(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
if no then return no end
local last, id = log_end(KEYS[3], KEYS[4])
if last ~= tonumber(ARGV[3]) or not id then return {2, 'log'} end
redis.call('HSET', KEYS[4], 'id', id, 'gen', ARGV[1], 'epoch', ARGV[2], 'seq', ARGV[3], 'data', ARGV[4])
if ARGV[5] ~= '' then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[5]) end
return {1, id}
