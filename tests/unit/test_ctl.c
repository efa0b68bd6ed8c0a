/*
 * Unit tests for one control connection without its socket (switchd/ctl.c):
 * replies made a piece at a time (ctl_reply.more, ctl_conn_continue), the
 * order of answers to pipelined requests, monitor subscription, and
 * descriptors sent with a request.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "switchd/defaults.h"

/* A handler whose MAC_SHOW answers `records` records, `piece` at a time. */
struct fake {
	uint32_t records, piece;
	unsigned calls, more_calls;
	int fd_seen;
	char name[SWP_NAME_MAX]; /* the last PORT_ADD's */
};

static void fake_records(struct fake *f, struct ctl_reply *r)
{
	for (uint32_t i = 0; i < f->piece && r->cursor < f->records; i++, r->cursor++) {
		struct swp_mac_entry m = { .age = (uint32_t)r->cursor };

		ctl_reply_add(r, SWP_MAC_ENTRY, &m);
	}
}

static bool fake_more(void *ctx, struct ctl_reply *r)
{
	struct fake *f = ctx;

	f->more_calls++;
	fake_records(f, r);
	return r->cursor == f->records;
}

static void fake_handler(void *ctx, const struct swp_hdr *hdr, const void *body, struct ctl_reply *r)
{
	struct fake *f = ctx;

	(void)body;
	f->calls++;
	if (hdr->type == SWP_PORT_ADD) {
		memcpy(f->name, ((const struct swp_port_req *)body)->name, sizeof(f->name));
		f->fd_seen = ctl_take_fd(r);
		return;
	}
	if (hdr->type == SWP_MONITOR) {
		assert_int_equal(ctl_subscribe(r), 0);
		return;
	}
	if (hdr->type == SWP_STATUS) {
		struct swp_status_info st = { .ports = 1 };

		ctl_reply_add(r, SWP_STATUS_INFO, &st);
		return;
	}
	r->cursor = 0;
	fake_records(f, r);
	if (r->cursor < f->records)
		r->more = fake_more;
}

/* A request of this type with every field zero (blen: 0 for none, else any). */
static void feed(struct ctl_conn *cn, uint16_t type, uint32_t seq, size_t blen)
{
	_Alignas(8) uint8_t body[SWP_BODY_MAX] = { 0 };
	size_t room, n;
	uint8_t *at = ctl_stream_space(&cn->in, &room);

	n = swp_encode(at, room, type, seq, blen ? body : NULL);
	assert_true(n >= sizeof(struct swp_hdr));
	ctl_stream_fill(&cn->in, n);
}

/* One queued message decoded: its header, and into body the struct of its type. */
static size_t decode_at(const struct ctl_out *o, size_t off, struct swp_hdr *h, void *body)
{
	_Alignas(8) static uint8_t msg[SWP_MSG_MAX];
	uint16_t bad;

	memcpy(h, o->buf + off, sizeof(*h));
	assert_int_equal(swp_check(h), 0);
	assert_true(h->len <= o->len - off);
	memcpy(msg, o->buf + off, h->len);
	memset(body, 0, SWP_BODY_MAX);
	assert_int_equal(swp_decode(msg, body, &bad), 0);
	return h->len;
}

/*
 * The answers queued so far, as (type, seq, a number of the body: a DONE's
 * count, a MAC entry's age, a status's ports) triples; drains the buffer.
 */
static size_t drain(struct ctl_conn *cn, uint32_t out[][3], size_t max)
{
	size_t n = 0, off = cn->out.off;

	while (off < cn->out.len) {
		_Alignas(8) uint8_t body[SWP_BODY_MAX];
		struct swp_hdr h;

		off += decode_at(&cn->out, off, &h, body);
		assert_true(n < max);
		out[n][0] = h.type;
		out[n][1] = h.seq;
		if (h.type == SWP_DONE)
			out[n][2] = ((const struct swp_done *)(const void *)body)->count;
		else if (h.type == SWP_MAC_ENTRY)
			out[n][2] = ((const struct swp_mac_entry *)(const void *)body)->age;
		else if (h.type == SWP_STATUS_INFO)
			out[n][2] = ((const struct swp_status_info *)(const void *)body)->ports;
		else
			out[n][2] = 0;
		n++;
	}
	ctl_out_sent(&cn->out, cn->out.len - cn->out.off);
	return n;
}

static void ctl_reply_in_pieces_then_the_next_request(void **state)
{
	(void)state;
	struct fake f = { .records = 10, .piece = 3 };
	struct ctl_conn cn = { 0 };
	uint32_t got[64][3];
	size_t n, total = 0;
	int rc;

	feed(&cn, SWP_MAC_SHOW, 1, sizeof(struct swp_mac_req));
	feed(&cn, SWP_STATUS, 2, 0); /* pipelined behind it */
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_int_equal(f.calls, 1); /* the second waits for the first to be complete */
	assert_non_null(cn.pending.more);
	n = drain(&cn, got, 64);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(got[i][0], SWP_MAC_ENTRY);
	total += n;
	while ((rc = ctl_conn_continue(&cn, fake_handler, &f)) == 1) {
		n = drain(&cn, got, 64);
		assert_true(n >= 1 && n <= 3);
		total += n;
	}
	assert_int_equal(rc, 0);
	assert_null(cn.pending.more);
	/* The last piece, the first request's SWP_DONE, then the second request's answer. */
	n = drain(&cn, got, 64);
	total += n;
	assert_int_equal(total, 10 + 1 + 1 + 1); /* 10 records, DONE; the status record, DONE */
	assert_int_equal(got[n - 1][0], SWP_DONE);
	assert_int_equal(got[n - 1][1], 2);
	for (size_t i = 0; i < n; i++) {
		if (got[i][0] == SWP_DONE && got[i][1] == 1) {
			assert_int_equal(got[i][2], 10); /* count: every record of the pieces */
			break;
		}
		assert_int_equal(got[i][1], 1);
	}
	assert_int_equal(f.calls, 2);
	assert_int_equal(ctl_conn_continue(&cn, fake_handler, &f), 0); /* nothing pending */
	ctl_conn_fini(&cn);
}

static void ctl_reply_that_fits_at_once_has_no_pieces(void **state)
{
	(void)state;
	struct fake f = { .records = 2, .piece = 5 };
	struct ctl_conn cn = { 0 };
	uint32_t got[8][3];

	feed(&cn, SWP_MAC_SHOW, 9, sizeof(struct swp_mac_req));
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_null(cn.pending.more);
	assert_int_equal(drain(&cn, got, 8), 3);
	assert_int_equal(got[2][0], SWP_DONE);
	assert_int_equal(got[2][2], 2);
	assert_int_equal(f.more_calls, 0);
	ctl_conn_fini(&cn);
}

static void ctl_descriptor_goes_to_the_handler_that_takes_it(void **state)
{
	(void)state;
	struct fake f = { .fd_seen = -1 };
	struct ctl_conn cn = { 0 };
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	uint32_t got[4][3];

	assert_true(fd >= 0);
	cn.fd_in = fd;
	cn.has_fd = true;
	feed(&cn, SWP_PORT_ADD, 3, sizeof(struct swp_port_req));
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_int_equal(f.fd_seen, fd);
	assert_false(cn.has_fd);
	struct ctl_reply none = { .conn = &cn };
	assert_int_equal(ctl_take_fd(&none), -1); /* taken once only */
	assert_int_equal(drain(&cn, got, 4), 1);
	close(fd);

	/* One nobody takes is closed with the connection. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cn.fd_in = fd;
	cn.has_fd = true;
	ctl_conn_fini(&cn);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

static void ctl_monitor_subscription_answers_done_first(void **state)
{
	(void)state;
	struct fake f = { 0 };
	struct ctl_conn cn = { 0 };
	uint32_t got[4][3];

	feed(&cn, SWP_MONITOR, 77, 0);
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_true(cn.monitor);
	assert_int_equal(cn.monitor_seq, 77);
	assert_int_equal(drain(&cn, got, 4), 1);
	assert_int_equal(got[0][0], SWP_DONE);
	ctl_conn_fini(&cn);
}

/* A PORT_ADD named name, padded with unknown attributes to about total bytes. */
static size_t big_port_add(uint8_t *buf, size_t cap, const char *name, size_t total)
{
	struct swp_port_req req = { 0 };
	struct swp_hdr h;
	size_t n;

	strcpy(req.name, name);
	n = swp_encode(buf, cap, SWP_PORT_ADD, 9, &req);
	assert_true(n > 0);
	while (n + 4 < total) {
		uint16_t alen = (uint16_t)(total - n > 60004 ? 60004 : total - n);
		uint16_t type = 0x3fff; /* no message has it: skipped */

		alen &= (uint16_t)~3u;
		memcpy(buf + n, &alen, 2);
		memcpy(buf + n + 2, &type, 2);
		memset(buf + n + 4, 0xa5, alen - 4u);
		n += alen;
	}
	memcpy(&h, buf, sizeof(h));
	h.len = (uint32_t)n;
	memcpy(buf, &h, sizeof(h));
	return n;
}

static void ctl_stream_grows_for_a_long_request_and_shrinks_after(void **state)
{
	(void)state;
	_Alignas(8) static uint8_t msg[SWP_MSG_MAX];
	struct fake f = { .fd_seen = -1 };
	struct ctl_conn cn = { 0 };
	size_t len = big_port_add(msg, sizeof(msg), "big0", 120000), room;
	uint32_t got[4][3];
	uint8_t *at;

	assert_true(len > 100000);
	at = ctl_stream_space(&cn.in, &room);
	assert_int_equal(room, CTL_STREAM_MIN); /* a new connection holds little */
	memcpy(at, msg, room);
	ctl_stream_fill(&cn.in, room);
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_int_equal(f.calls, 0);
	/* The header is in: room for the rest of this message, no more. */
	at = ctl_stream_space(&cn.in, &room);
	assert_int_equal(room, len - CTL_STREAM_MIN);
	memcpy(at, msg + CTL_STREAM_MIN, room);
	ctl_stream_fill(&cn.in, room);
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_int_equal(f.calls, 1);
	assert_string_equal(f.name, "big0");
	assert_int_equal(drain(&cn, got, 4), 1);
	assert_int_equal(got[0][0], SWP_DONE);
	/* Handled: back to the small buffer. */
	at = ctl_stream_space(&cn.in, &room);
	assert_non_null(at);
	assert_int_equal(room, CTL_STREAM_MIN);
	ctl_conn_fini(&cn);
}

static void ctl_stream_decodes_a_message_at_4_mod_8(void **state)
{
	(void)state;
	struct fake f = { .fd_seen = -1 };
	struct ctl_conn cn = { 0 };
	struct swp_port_req req = { .name = "odd0" };
	size_t room, n;
	uint8_t *at = ctl_stream_space(&cn.in, &room);
	uint32_t got[4][3];

	/* STATUS has no attributes: 20 bytes, so the PORT_ADD after it starts at 4 mod 8. */
	n = swp_encode(at, room, SWP_STATUS, 1, NULL);
	assert_int_equal(n % 8, 4);
	n += swp_encode(at + n, room - n, SWP_PORT_ADD, 2, &req);
	ctl_stream_fill(&cn.in, n);
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_int_equal(f.calls, 2);
	assert_string_equal(f.name, "odd0");
	assert_int_equal(drain(&cn, got, 4), 3); /* STATUS_INFO, DONE, DONE */
	ctl_conn_fini(&cn);
}

/* Feeds n raw bytes and handles them; returns the single SWP_DONE queued for them. */
static void feed_raw(struct ctl_conn *cn, struct fake *f, const void *bytes, size_t n, struct swp_hdr *h,
		     struct swp_done *d)
{
	_Alignas(8) uint8_t body[SWP_BODY_MAX];
	size_t room;
	uint8_t *at = ctl_stream_space(&cn->in, &room);

	assert_true(room >= n);
	memcpy(at, bytes, n);
	ctl_stream_fill(&cn->in, n);
	assert_int_equal(ctl_conn_input(cn, fake_handler, f), 0);
	assert_int_equal(decode_at(&cn->out, cn->out.off, h, body), cn->out.len - cn->out.off);
	assert_int_equal(h->type, SWP_DONE);
	memcpy(d, body, sizeof(*d));
}

/*
 * A version 2 client's requests, with nothing more sent: each is answered at
 * once, not after SWITCHD_CTL_PARTIAL_SEC. v2's header was u16 version 2,
 * u16 type, u32 len, u32 seq, u32 0; read as v3, its length is 2 + 65536 * type.
 */
static void ctl_v2_request_is_refused_from_its_first_bytes(void **state)
{
	(void)state;
	/* status: 16 bytes, shorter than a v3 header. */
	static const uint16_t v2_status[8] = { 2, 6, 16, 0, 7, 0, 0, 0 };
	/* port add (type 1) of "xv2": 16 + 152 bytes, a v3 length of 65538. */
	uint16_t v2_add[84] = { 2, 1, 168, 0, 8, 0, 0, 0, 'x' | 'v' << 8, '2' };
	struct fake f = { .fd_seen = -1 };
	struct swp_hdr h;
	struct swp_done d;

	for (size_t n = 4; n <= sizeof(v2_status); n += 4) {
		struct ctl_conn cn = { 0 };

		feed_raw(&cn, &f, v2_status, n, &h, &d);
		assert_int_equal(d.status, -EMSGSIZE);
		assert_string_equal(d.msg, "message length 393218 not a multiple of 4");
		/* What was not in reads as 0: v2's seq sits where v3's does. */
		assert_int_equal(h.seq, n >= 12 ? 7 : 0);
		assert_true(cn.closing);
		ctl_conn_fini(&cn);
	}
	{
		struct ctl_conn cn = { 0 };
		size_t room;

		feed_raw(&cn, &f, v2_add, sizeof(v2_add), &h, &d);
		assert_int_equal(d.status, -EMSGSIZE);
		assert_string_equal(d.msg, "message length 65538 not a multiple of 4");
		assert_int_equal(h.seq, 8);
		assert_true(cn.closing);
		/* Its length was refused: the buffer did not grow for it. */
		assert_non_null(ctl_stream_space(&cn.in, &room));
		assert_int_equal(cn.in.cap, CTL_STREAM_MIN);
		ctl_conn_fini(&cn);
	}
	assert_int_equal(f.calls, 0);
}

/* An aligned length out of range is still judged with the whole header, as before. */
static void ctl_aligned_length_out_of_range_waits_for_the_header(void **state)
{
	(void)state;
	struct fake f = { .fd_seen = -1 };
	struct ctl_conn cn = { 0 };
	struct swp_hdr big = { .len = SWP_MSG_MAX + 4, .type = SWP_STATUS, .seq = 3, .version = SWP_VERSION };
	struct swp_hdr h;
	struct swp_done d;
	size_t room;
	uint8_t *at = ctl_stream_space(&cn.in, &room);

	memcpy(at, &big, sizeof(big) - 1);
	ctl_stream_fill(&cn.in, sizeof(big) - 1);
	assert_int_equal(ctl_conn_input(&cn, fake_handler, &f), 0);
	assert_int_equal(cn.out.len, 0);
	assert_false(cn.closing);
	feed_raw(&cn, &f, (const uint8_t *)&big + sizeof(big) - 1, 1, &h, &d);
	assert_int_equal(d.status, -EMSGSIZE);
	assert_string_equal(d.msg, "message length 131076 out of range");
	assert_int_equal(h.seq, 3);
	assert_true(cn.closing);
	ctl_conn_fini(&cn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ctl_reply_in_pieces_then_the_next_request),
		cmocka_unit_test(ctl_reply_that_fits_at_once_has_no_pieces),
		cmocka_unit_test(ctl_descriptor_goes_to_the_handler_that_takes_it),
		cmocka_unit_test(ctl_monitor_subscription_answers_done_first),
		cmocka_unit_test(ctl_stream_grows_for_a_long_request_and_shrinks_after),
		cmocka_unit_test(ctl_stream_decodes_a_message_at_4_mod_8),
		cmocka_unit_test(ctl_v2_request_is_refused_from_its_first_bytes),
		cmocka_unit_test(ctl_aligned_length_out_of_range_waits_for_the_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
