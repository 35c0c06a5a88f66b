"""A token bucket in Redis, shared by every worker process: paces resident SMS to the sender's throughput.

Tokens are SMS segments (PROVIDERS.md 2.6: a long code sends 1 segment a second). The state lives in one
hash, `cmsbot:bucket:{name}`, and every change is one Lua script that reads the Redis server's clock, so
all workers agree on time. Taking more tokens than the bucket holds books a slot in the future: the
caller is told how long to wait, and the next caller queues behind it. A 429 from the provider calls
`slow_down`, which every holder of the bucket sees. A rate of 0 or less switches the limit off.
"""

from __future__ import annotations

import math
import time

import redis

# Repeated slow-downs compound, but never below this share of the configured rate.
MIN_FACTOR = 0.05
# Keys outlive the moment their bucket is full again (and any penalty is over) by this much.
TTL_MARGIN_MS = 1000

# Shared by every script: KEYS[1] the bucket; ARGV[1] rate, ARGV[2] burst. Brings the bucket up to the
# server's `now` (microseconds), paying each part of the elapsed time at the rate in force then.
_REFILL = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', key, 'tokens', 'ts', 'factor', 'until')
local tokens = tonumber(state[1]) or burst
local ts = math.min(tonumber(state[2]) or now, now)
local factor = tonumber(state[3]) or 1
local slow_until = tonumber(state[4]) or 0
local slowed = math.max(0, math.min(now, slow_until) - ts)
local full = (now - ts) - slowed
tokens = math.min(burst, tokens + (slowed * factor + full) * rate / 1000000)
if slow_until <= now then
  factor = 1
  slow_until = 0
end

-- Seconds until `amount` more tokens have come in: slowly while the penalty lasts, then at full rate.
local function seconds_for(amount)
  if amount <= 0 then return 0 end
  local slow_left = math.max(0, slow_until - now) / 1000000
  local slow_tokens = slow_left * rate * factor
  if amount <= slow_tokens then return amount / (rate * factor) end
  return slow_left + (amount - slow_tokens) / rate
end

-- Write the state back; the key expires once it would read the same as no key (full, no penalty).
local function save()
  local exact = '%.17g'  -- Lua would write numbers with 14 digits; the clock needs 16
  redis.call('HSET', key, 'tokens', string.format(exact, tokens), 'ts', string.format(exact, now),
             'factor', string.format(exact, factor), 'until', string.format(exact, slow_until))
  local idle = math.max(seconds_for(burst - tokens), math.max(0, slow_until - now) / 1000000)
  redis.call('PEXPIRE', key, string.format('%d', math.ceil(idle * 1000) + tonumber(ARGV[#ARGV])))
end
"""

# ARGV[3] tokens, ARGV[4] max wait in seconds (negative: no limit), ARGV[5] TTL margin.
# Returns {wait, taken}; when the wait exceeds the limit nothing is taken.
_RESERVE = _REFILL + """
local wanted = tonumber(ARGV[3])
local max_wait = tonumber(ARGV[4])
local wait = seconds_for(wanted - tokens)
local taken = 1
if max_wait >= 0 and wait > max_wait then
  taken = 0
else
  tokens = tokens - wanted
end
save()
return {string.format('%.17g', wait), taken}
"""

# ARGV[3] factor, ARGV[4] seconds, ARGV[5] floor, ARGV[6] TTL margin. Returns the new factor.
_SLOW_DOWN = _REFILL + """
factor = math.max(tonumber(ARGV[5]), factor * tonumber(ARGV[3]))
slow_until = math.max(slow_until, now + math.floor(tonumber(ARGV[4]) * 1000000))
save()
return string.format('%.17g', factor)
"""

# Read-only: the factor in force now (save() is never called, so no TTL margin is passed).
_FACTOR = _REFILL + """
return string.format('%.17g', factor)
"""


class TokenBucket:
    """`rate` tokens a second, up to `burst` at once (default max(rate, 1)); rate <= 0 means unlimited."""

    def __init__(self, connection: redis.Redis, name: str, rate: float, burst: float | None = None) -> None:
        self.name = name
        self.key = f"cmsbot:bucket:{name}"
        self.rate = float(rate)
        self.burst = float(max(self.rate, 1.0) if burst is None else burst)
        if self.unlimited:
            return
        if not self.burst > 0:
            raise ValueError(f"bucket {name!r}: burst must be positive, not {burst!r}")
        self._reserve = connection.register_script(_RESERVE)
        self._slow_down = connection.register_script(_SLOW_DOWN)
        self._factor = connection.register_script(_FACTOR)

    @property
    def unlimited(self) -> bool:
        """True when the limit is switched off (rate <= 0)."""
        return not self.rate > 0

    def reserve(self, tokens: float) -> float:
        """Take `tokens` now and return the seconds to wait before using them (0.0: go now)."""
        wait, _ = self._take(tokens, max_wait=-1.0)
        return wait

    def acquire(self, tokens: float, max_wait: float = 30.0) -> float:
        """Take `tokens`, sleep until they are due, and return the seconds slept.

        Raises TimeoutError when they would not be due within `max_wait` seconds. The script decides
        that before taking anything, in the same atomic step, so there is nothing to give back.
        """
        if not max_wait >= 0:
            raise ValueError(f"max_wait must be at least 0, not {max_wait!r}")
        wait, taken = self._take(tokens, max_wait=-1.0 if math.isinf(max_wait) else max_wait)
        if not taken:
            raise TimeoutError(f"bucket {self.name!r}: {tokens:g} tokens would wait {wait:.1f}s, "
                               f"more than {max_wait:g}s")
        if wait > 0:
            time.sleep(wait)
        return wait

    def slow_down(self, factor: float = 0.5, seconds: float = 60.0) -> None:
        """After a provider 429: run at rate*factor for `seconds`, for every holder of this bucket.

        Calls during a penalty compound (down to MIN_FACTOR of the rate) and never shorten it.
        """
        if not 0 < factor <= 1:
            raise ValueError(f"factor must be in (0, 1], not {factor!r}")
        if not seconds > 0:
            raise ValueError(f"seconds must be positive, not {seconds!r}")
        if self.unlimited:
            return
        self._slow_down(keys=[self.key],
                        args=[self.rate, self.burst, factor, seconds, MIN_FACTOR, TTL_MARGIN_MS])

    def current_rate(self) -> float:
        """Tokens a second in force now, penalties included (math.inf when unlimited)."""
        if self.unlimited:
            return math.inf
        factor = self._factor(keys=[self.key], args=[self.rate, self.burst])
        return self.rate * float(factor)

    def _take(self, tokens: float, max_wait: float) -> tuple[float, bool]:
        if not tokens >= 0:
            raise ValueError(f"tokens must be at least 0, not {tokens!r}")
        if self.unlimited:
            return 0.0, True
        wait, taken = self._reserve(keys=[self.key],
                                    args=[self.rate, self.burst, tokens, max_wait, TTL_MARGIN_MS])
        return float(wait), bool(int(taken))
