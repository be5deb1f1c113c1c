/**
 * The Lua behind the Redis guard. It lives in a TypeScript string, not a
 * `.lua` file, because the client package must load in a browser bundle and
 * under any Node loader: no file reads, nothing to copy at build time.
 *
 * KEYS[1] the data key, KEYS[2] its fence key (a string: the largest token
 * written so far). ARGV[1] the token, in decimal; ARGV[2] 'set' or 'hset';
 * ARGV[3] milliseconds to live for the data key, '0' for no expiry;
 * ARGV[4] the value ('set'), or ARGV[4..] field, value, field, value… ('hset').
 *
 * Returns {1, token} when written (the fence now holds the token), {0, fence}
 * when refused because the fence holds a larger token. Errors: FENCE_TOKEN
 * (ARGV[1] is not a positive safe integer), FENCE_STORED (the fence key holds
 * something else: refused, never overwritten), FENCE_ARGS (unknown verb).
 *
 * Tokens are compared as Lua numbers (doubles, exact below 2^53) but stored
 * and returned as the caller's text: Lua's tostring keeps 14 digits only.
 */
export const FENCED_WRITE_LUA = `
local function token_of(text)
  if type(text) ~= 'string' or #text > 16 or not string.match(text, '^[1-9][0-9]*$') then
    return nil
  end
  local n = tonumber(text)
  if n > 9007199254740991 then return nil end
  return n
end
local token = token_of(ARGV[1])
if not token then return redis.error_reply('FENCE_TOKEN token must be a positive safe integer') end
local stored = redis.call('GET', KEYS[2])
if stored then
  local fence = token_of(stored)
  if not fence then return redis.error_reply('FENCE_STORED fence key holds no token') end
  if token < fence then return {0, stored} end
end
local verb = ARGV[2]
-- The data first: a write that fails (a hash field on a string key) then leaves the fence as it was.
if verb == 'set' then
  if ARGV[3] ~= '0' then
    redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[4])
  end
elseif verb == 'hset' then
  redis.call('HSET', KEYS[1], unpack(ARGV, 4))
  if ARGV[3] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
else
  return redis.error_reply('FENCE_ARGS unknown verb')
end
redis.call('SET', KEYS[2], ARGV[1])
return {1, ARGV[1]}
`;

/** SHA1 of {@link FENCED_WRITE_LUA}, for EVALSHA; a test recomputes it, so the two cannot drift. */
export const FENCED_WRITE_SHA1 = '7c3ac864a56abace3e2c22ec57f3864c145cb179';
