"""The Lua scripts of ingest's de-duplication memory (see dedup.py for the keys).

The claim and the publication are atomic, so that two replicas cannot both claim one id, URL
or text, and a crash cannot publish an article twice; the band lookup and the remembering of
a first copy are scripts so that each is one command instead of 32 and 97. Every key a script
takes shares one hash tag (see dedup.py), so that each runs on Redis Cluster too.
"""

from __future__ import annotations

CLAIM = """
local holder = redis.call('HGET', KEYS[1], 'token')
if holder and holder ~= ARGV[1] then
  return {'duplicate', ARGV[2], 'id'}
end
if holder and redis.call('HGET', KEYS[1], 'published') == '1' then
  return {'done', '', ''}
end
if ARGV[5] == '1' then
  local owner = redis.call('GET', KEYS[2])
  if owner and owner ~= ARGV[2] then
    return {'duplicate', owner, 'url'}
  end
end
local first = redis.call('HMGET', KEYS[3], 'id', 'outlet')
local state, other = 'claimed', ''
if first[1] and first[1] ~= ARGV[2] then
  if first[2] == false or first[2] == '' or ARGV[3] == '' or first[2] == ARGV[3] then
    if ARGV[5] == '1' then
      redis.call('SET', KEYS[2], first[1], 'EX', tonumber(ARGV[4]), 'NX')
    end
    return {'duplicate', first[1], 'text'}
  end
  state, other = 'linked', first[1]
end
local ttl = tonumber(ARGV[4])
if not holder then
  redis.call('HSET', KEYS[1], 'token', ARGV[1], 'published', '0')
  redis.call('EXPIRE', KEYS[1], ttl)
end
if ARGV[5] == '1' then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl)
end
if state == 'claimed' then
  redis.call('HSET', KEYS[3], 'id', ARGV[2], 'outlet', ARGV[3])
  redis.call('EXPIRE', KEYS[3], ttl)
end
return {state, other, state == 'linked' and 'text' or ''}
"""

PUBLISH = """
if redis.call('HGET', KEYS[1], 'published') == '1' then
  return false
end
local entry = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'published', '1')
return entry
"""


# KEYS: the band sets; ARGV: oldest score kept, the article's own id, bands to share at least,
# members read per band at most (the newest)
# -> flat [member, score, ...]: the other articles in at least that many of those bands, each
#    with its earliest score
NEAR = """
local count, first, out = {}, {}, {}
for i = 1, #KEYS do
  local rows = redis.call('ZREVRANGEBYSCORE', KEYS[i], '+inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0,
                          tonumber(ARGV[4]))
  for j = 1, #rows, 2 do
    local member = rows[j]
    if member ~= ARGV[2] then
      local seen = count[member]
      if seen == nil then
        count[member], first[member] = 1, rows[j + 1]
      else
        count[member] = seen + 1
        if tonumber(rows[j + 1]) < tonumber(first[member]) then first[member] = rows[j + 1] end
      end
    end
  end
end
local least = tonumber(ARGV[3])
for member, seen in pairs(count) do
  if seen >= least then
    out[#out + 1] = member
    out[#out + 1] = first[member]
  end
end
return out
"""

# KEYS: the signature key, then the band sets; ARGV: signature JSON, ttl, now, id, members kept
# per band (the newest; older than the ttl, they are no longer read, and go with the key)
REMEMBER = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local drop = -1 - tonumber(ARGV[5])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, drop)
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
"""


def _as_function(name: str, body: str) -> str:
    """A script above as a local Lua function of (KEYS, ARGV)."""
    return f"local function {name}(KEYS, ARGV)\n{body.strip()}\nend\n"


# The common case in one call: claim; then, for a text never seen, look the bands up and, when
# no earlier first copy shares them, remember this one and publish it.
# KEYS: id, url, text, the articles stream, sig, then the band sets (none: no band lookup)
# ARGV: token, id, outlet, ttl, has url, oldest score kept, bands to share at least,
#       signature JSON, now, maxlen, data field, body, members per band
# -> the claim's answer when it is not 'claimed'; {'claimed', '', '', candidates} when some
#    first copies share bands (the caller compares them); else {'published', entry, ''}
ADMIT = (
    _as_function("claim", CLAIM) + _as_function("near", NEAR)
    + _as_function("remember", REMEMBER) + _as_function("publish", PUBLISH)
    + """
local got = claim({KEYS[1], KEYS[2], KEYS[3]}, {ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]})
if got[1] ~= 'claimed' then
  return got
end
if #KEYS > 5 then
  local band_keys = {unpack(KEYS, 6)}
  local found = near(band_keys, {ARGV[6], ARGV[2], ARGV[7], ARGV[13]})
  if #found > 0 then
    return {'claimed', '', '', found}
  end
  remember({KEYS[5], unpack(band_keys)}, {ARGV[8], ARGV[4], ARGV[9], ARGV[2], ARGV[13]})
end
local entry = publish({KEYS[1], KEYS[4]}, {ARGV[12], ARGV[10], ARGV[11]})
return {'published', entry or '', ''}
"""
)
