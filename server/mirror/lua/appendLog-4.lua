-- Appends one batch of log entries, numbered one past the log's end, for the
-- broker of the current generation and epoch.
-- KEYS[1] generation key, KEYS[2] epoch key, KEYS[3] log stream, KEYS[4] snapshot hash
-- ARGV[1] the writer's generation, ARGV[2] its epoch, ARGV[3] the batch number,
-- ARGV[4] the batch (msgpack, opaque here)
-- Returns {1, stream id} when appended, or when this very batch is already the
-- log's last (an append retried after its reply was lost); {0, why} when
-- fenced off; {2, what} when Redis lost data (the log does not end one batch
-- before this one, or the generation, epoch or snapshot is gone).
local no = check_owner(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
if no then return no end
if redis.call('HGET', KEYS[4], 'gen') ~= ARGV[1] then return {2, 'snapshot'} end
local seq = tonumber(ARGV[3])
local last, id = log_end(KEYS[3], KEYS[4])
if last == seq and id then return {1, id} end
if last ~= seq - 1 then return {2, 'log'} end
return {1, redis.call('XADD', KEYS[3], '*', 'g', ARGV[1], 'e', ARGV[2], 's', ARGV[3], 'b', ARGV[4])}
