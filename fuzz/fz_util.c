/* Input reading and failure reports for the harnesses. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"

const char *fz_current;

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: invariant broken: %s\n  ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (fz_current)
		fprintf(stderr, "  input: %s\n", fz_current);
	fflush(stderr);
	abort();
}

uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v;

	if (!in->n)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | fz_u8(in) << 8);
}

size_t fz_bytes(struct fz_in *in, uint8_t *dst, size_t want)
{
	size_t n = want < in->n ? want : in->n;

	if (n)
		memcpy(dst, in->p, n);
	memset(dst + n, 0, want - n);
	in->p += n;
	in->n -= n;
	return n;
}

uint32_t fz_rand(uint32_t *state)
{
	/* xorshift32: never stuck at 0 as long as the seed is not 0. */
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

#define FZ_RXBUF_SIZE ((size_t)PORT_BATCH * (PORT_HEADROOM + SWITCHD_FRAME_MAX))

static void *fz_rxbuf;
static bool fz_rxbuf_lent;

void *__wrap_malloc(size_t size)
{
	/* One at a time: a second switch alive at once gets its own, as it would. */
	if (size != FZ_RXBUF_SIZE || fz_rxbuf_lent)
		return __real_malloc(size);
	if (!fz_rxbuf && !(fz_rxbuf = __real_malloc(size)))
		return NULL;
	fz_rxbuf_lent = true;
	return fz_rxbuf;
}

void __wrap_free(void *ptr)
{
	if (ptr && ptr == fz_rxbuf) {
		fz_rxbuf_lent = false;
		return;
	}
	__real_free(ptr);
}
