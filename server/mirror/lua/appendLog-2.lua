-- Appends one batch of log entries, only for the broker of the current epoch.
-- KEYS[1] epoch key, KEYS[2] log stream
-- ARGV[1] the writer's epoch, ARGV[2] the batch (msgpack, opaque here)
-- Returns {1, stream id} when appended; {0, current epoch} when fenced off.
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {0, epoch or ''} end
return {1, redis.call('XADD', KEYS[2], '*', 'e', ARGV[1], 'b', ARGV[2])}
