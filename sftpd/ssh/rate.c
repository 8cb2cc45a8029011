/* rate: SFTPD_RATE_LIMIT, a token bucket per direction per session.  The
 * channel layer asks how many bytes may move now (feed for uploads, drain
 * for downloads) and the event loop sleeps in poll until enough have
 * accrued: no busy loop, and an upload is held back by the SSH window the
 * client is not given, not by dropping anything. */
#include <time.h>

#include "ssh.h"

/* A bucket holds at most a tenth of a second's worth, and never less than
 * one channel packet, so a transfer's average stays within a few percent
 * of the rate while the loop wakes at most ~20 times a second. */
#define RATE_MIN_BURST SSH_CHANNEL_MAX_PACKET
#define RATE_MIN_WAKE (16u * 1024)

static uint64_t rate_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void rate_init(struct rate_bucket *b, uint64_t bytes_per_second)
{
	b->rate = bytes_per_second;
	b->burst = bytes_per_second / 10 > RATE_MIN_BURST ? bytes_per_second / 10 : RATE_MIN_BURST;
	b->tokens = b->burst;
	b->last_ns = rate_now_ns();
}

static void rate_refill(struct rate_bucket *b)
{
	uint64_t now = rate_now_ns(), add;

	if (now <= b->last_ns) return;
	/* bytes per second times nanoseconds, in two steps against overflow */
	add = b->rate / 1000 * ((now - b->last_ns) / 1000) / 1000 +
	      b->rate % 1000 * ((now - b->last_ns) / 1000) / 1000000;
	if (!add) return;
	b->tokens = b->tokens + add > b->burst ? b->burst : b->tokens + add;
	b->last_ns = now;
}

size_t rate_allowed(struct rate_bucket *b, size_t want)
{
	if (!b->rate) return want;
	rate_refill(b);
	return want < b->tokens ? want : (size_t)b->tokens;
}

void rate_take(struct rate_bucket *b, size_t n)
{
	if (b->rate) b->tokens = n < b->tokens ? b->tokens - n : 0;
}

int rate_wait_ms(struct rate_bucket *b)
{
	uint64_t need = b->burst < RATE_MIN_WAKE ? b->burst : RATE_MIN_WAKE;

	rate_refill(b);
	if (!b->rate || b->tokens >= need) return 0;
	return (int)((need - b->tokens) * 1000 / b->rate) + 1;
}
